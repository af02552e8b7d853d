// @platformatic/kafka 1.x (flexible protocol versions throughout) against a real cairn-broker:
// admin createTopics, listTopics, metadata, listGroups, describeGroups and deleteTopics; a
// producer; a consumer group reading everything; and the expected-version append over Produce
// v8+, whose error message names the stream and its version.
// Run by tests/kafka/node_clients_test.cc: node platformatic_test.mjs KAFKA_HOST:PORT STREAM_TOPIC.
// Exits 0 after "platformatic: all checks passed", 77 when this Node is too old for the client,
// else non-zero with the reason on stderr.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { fail, check, bounded } = require('./check.js');

// @platformatic/kafka 1.x needs Node >= 20.19.4 (its package.json "engines").
const [major, minor, patch] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && (minor < 19 || (minor === 19 && patch < 4)))) {
  console.log(`SKIP: @platformatic/kafka needs Node >= 20.19.4, this is ${process.versions.node}`);
  process.exit(77);
}

let kafka;
try {
  kafka = await import('@platformatic/kafka');
} catch (e) {
  fail(`@platformatic/kafka is not installed in tests/kafka/node: run scripts/setup (${e.message})`);
}
const { Admin, Producer, Consumer, ProduceAcks, stringSerializers, stringDeserializers } = kafka;
const { compatibilityPartitioner } = kafka;

const [kafkaAddress, streamTopic] = process.argv.slice(2);
if (!kafkaAddress || !streamTopic) fail('usage: platformatic_test.mjs KAFKA_HOST:PORT STREAM_TOPIC');

const base = { bootstrapBrokers: [kafkaAddress], timeout: 10000, retries: 2, retryDelay: 200 };
const topic = 'platformatic-events';
const scratch = 'platformatic-scratch';
const groupId = 'platformatic-group';
const recordCount = 30;

// Every message and server message an error carries, its causes and aggregated errors included.
function errorText(e, depth = 0) {
  if (!e || depth > 5) return '';
  let text = `${e.name ?? ''}: ${e.message ?? ''}`;
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'string' || typeof v === 'number') text += ` ${k}=${v}`;
  }
  for (const inner of e.errors ?? []) text += ` [${errorText(inner, depth + 1)}]`;
  if (e.cause) text += ` (cause ${errorText(e.cause, depth + 1)})`;
  return text;
}

async function administer(admin) {
  await admin.createTopics({ topics: [topic, scratch, streamTopic], partitions: 3, replicas: 1 });
  const listed = await admin.listTopics();
  for (const t of [topic, scratch]) check(listed.includes(t), `listTopics lacks ${t}: ${listed}`);
  const metadata = await admin.metadata({ topics: [topic] });
  const described = metadata.topics.get(topic);
  check(described, `metadata lacks ${topic}`);
  check(described.partitionsCount === 3, `${topic} has ${described.partitionsCount} partitions`);
  check(/^[0-9a-f-]{36}$/.test(described.id), `topic id ${described.id}`);
  check(metadata.brokers.size === 1, `${metadata.brokers.size} brokers`);
}

async function produce(producer) {
  const messages = [];
  for (let i = 0; i < recordCount; ++i) {
    messages.push({ topic, key: `key-${i % 7}`, value: `value-${i}`, headers: new Map([['index', String(i)]]) });
  }
  const result = await producer.send({ messages });
  check(result.offsets && result.offsets.length > 0, "send answered no offsets");
}

async function consumeAsGroup(admin) {
  const consumer = new Consumer({
    ...base,
    clientId: 'cairn-platformatic-consumer',
    groupId,
    deserializers: stringDeserializers,
    sessionTimeout: 10000,
    heartbeatInterval: 500,
    maxWaitTime: 250,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  const seen = new Set();
  const readAll = (async () => {
    for await (const message of stream) {
      check(message.headers.get('index') === message.value.slice('value-'.length), `header of ${message.value}`);
      check(!seen.has(message.value), `${message.value} read twice`);
      seen.add(message.value);
      await message.commit();
      if (seen.size === recordCount) return;
    }
  })();
  await bounded(readAll, 30000, 'the group reading every record');

  const groups = await admin.listGroups();
  check(groups.has(groupId), `listGroups lacks ${groupId}: ${[...groups.keys()]}`);
  const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
  check(described, `describeGroups lacks ${groupId}`);
  check(described.state === 'STABLE', `group state ${described.state}, expected STABLE`);
  check(described.members.size === 1, `${described.members.size} members, expected 1`);
  const offsets = await admin.listConsumerGroupOffsets({ groups: [groupId] });
  let committed = 0;
  for (const g of offsets) {
    for (const t of g.topics) for (const p of t.partitions) committed += Number(p.committedOffset);
  }
  check(committed === recordCount, `committed offsets add up to ${committed}, expected ${recordCount}`);
  await stream.close();
  await consumer.close();
}

// Produce v8+ carries the broker's error message: a conflict names the stream and its version.
async function expectedVersionAppends(producer) {
  const key = 'order-2';
  const send = (version, value) =>
    producer.send({
      messages: [{ topic: streamTopic, key, value, headers: new Map([['cairn-expected-version', version]]) }],
    });
  await send('no-stream', 'created');
  await send('0', 'paid');
  let refused = null;
  try {
    await send('0', 'shipped');
  } catch (e) {
    refused = errorText(e);
  }
  check(refused !== null, 'a stale expected version was accepted');
  console.log(`stale append refused: ${refused}`);
  check(refused.includes(`stream ${key} is at version 1, expected 0`), 'the refusal names the stream and its version');
}

async function main() {
  const admin = new Admin({ ...base, clientId: 'cairn-platformatic-admin' });
  await administer(admin);
  const producer = new Producer({
    ...base,
    clientId: 'cairn-platformatic-producer',
    serializers: stringSerializers,
    acks: ProduceAcks.ALL,
    // Kafka's Java client, librdkafka's murmur2 and Cairn's SDK place a key on the same
    // partition; this client's default murmur2 differs (unsigned instead of masked).
    partitioner: compatibilityPartitioner,
    retries: 0,
  });
  await produce(producer);
  await consumeAsGroup(admin);
  await expectedVersionAppends(producer);
  await admin.deleteTopics({ topics: [scratch] });
  const after = await admin.listTopics();
  check(!after.includes(scratch), `${scratch} still listed after deleteTopics`);
  await producer.close();
  await admin.close();
  console.log('platformatic: all checks passed');
}

try {
  await bounded(main(), 90000, 'the @platformatic/kafka checks');
  process.exit(0);
} catch (e) {
  fail(`${e.stack ?? e}\n${errorText(e)}`);
}
