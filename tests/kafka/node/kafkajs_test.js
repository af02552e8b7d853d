// KafkaJS 2.2.4 (classic protocol versions) against a real cairn-broker: a GZIP producer, a
// consumer group reading everything with eachBatch, the admin calls fetchOffsets, describeGroups
// and fetchTopicOffsetsByTimestamp, and the expected-version append (cairn-expected-version).
// Run by tests/kafka/node_clients_test.cc: node kafkajs_test.js KAFKA_HOST:PORT STREAM_TOPIC.
// Exits 0 after printing "kafkajs: all checks passed", else non-zero with the reason on stderr.
'use strict';

const { fail, check, bounded } = require('./check');

let kafkajs;
try {
  kafkajs = require('kafkajs');
} catch (e) {
  fail(`kafkajs is not installed in tests/kafka/node: run scripts/setup (${e.message})`);
}
const { Kafka, CompressionTypes, Partitioners, logLevel } = kafkajs;

const [kafkaAddress, streamTopic] = process.argv.slice(2);
if (!kafkaAddress || !streamTopic) fail('usage: kafkajs_test.js KAFKA_HOST:PORT STREAM_TOPIC');

const kafka = new Kafka({
  clientId: 'cairn-kafkajs-test',
  brokers: [kafkaAddress],
  logLevel: logLevel.ERROR,
  connectionTimeout: 5000,
  requestTimeout: 15000,
  retry: { retries: 3, initialRetryTime: 100 },
});

const topic = 'kafkajs-orders';
const groupId = 'kafkajs-group';
const recordCount = 40;

async function produceGzip(producer) {
  const messages = [];
  for (let i = 0; i < recordCount; ++i) {
    messages.push({ key: `key-${i % 9}`, value: `value-${i}`, headers: { index: String(i) } });
  }
  const acks = await producer.send({ topic, compression: CompressionTypes.GZIP, acks: -1, messages });
  for (const a of acks) check(a.errorCode === 0, `produce to partition ${a.partition}: error ${a.errorCode}`);
}

// Reads every record through a consumer group with eachBatch, and waits for the commit that
// covers them (KafkaJS commits after each batch: its COMMIT_OFFSETS event says when).
async function consumeAll(admin, highWatermarks) {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map();
  const committed = new Map();
  let done;
  const allCommitted = new Promise(resolve => (done = resolve));
  const isDone = () => {
    for (const [p, hw] of highWatermarks) if ((committed.get(p) ?? -1) < hw) return false;
    return seen.size === recordCount;
  };
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    for (const t of payload.topics) {
      if (t.topic !== topic) continue;
      for (const p of t.partitions) committed.set(Number(p.partition), Number(p.offset));
    }
    if (isDone()) done();
  });
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch, heartbeat }) => {
      for (const m of batch.messages) {
        const value = m.value.toString();
        check(m.headers.index.toString() === value.slice('value-'.length), `header of ${value}`);
        check(!seen.has(value), `${value} read twice`);
        seen.set(value, batch.partition);
      }
      await heartbeat();
    },
  });
  await bounded(allCommitted, 30000, 'the group reading and committing every record').catch(e => {
    const hw = JSON.stringify([...highWatermarks]);
    throw new Error(`${e.message}: read ${seen.size} of ${recordCount}, committed ` +
      `${JSON.stringify([...committed])} of ${hw}`);
  });

  // describeGroups while the member is in the group.
  const described = await admin.describeGroups([groupId]);
  const group = described.groups.find(g => g.groupId === groupId);
  check(group, `describeGroups has no ${groupId}: ${JSON.stringify(described)}`);
  check(group.state === 'Stable', `group state ${group.state}, expected Stable`);
  check(group.protocolType === 'consumer', `protocolType ${group.protocolType}`);
  check(group.members.length === 1, `${group.members.length} members, expected 1`);
  check(group.members[0].clientId === 'cairn-kafkajs-test', `member ${group.members[0].clientId}`);
  await consumer.disconnect();
}

async function checkOffsets(admin, beforeProduce, highWatermarks) {
  const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
  const partitions = fetched.find(t => t.topic === topic).partitions;
  for (const p of partitions) {
    const hw = highWatermarks.get(p.partition);
    check(Number(p.offset) === hw, `fetchOffsets partition ${p.partition}: ${p.offset}, expected ${hw}`);
  }
  // Every record is at or after the time taken before producing: the earliest offsets (0).
  const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, beforeProduce);
  for (const p of byTime) {
    check(Number(p.offset) === 0, `offset for time ${beforeProduce} in ${p.partition}: ${p.offset}`);
  }
  // After every record: KafkaJS answers the end of each partition.
  const later = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 3600 * 1000);
  for (const p of later) {
    const hw = highWatermarks.get(p.partition);
    check(Number(p.offset) === hw, `offset for a future time in ${p.partition}: ${p.offset}, expected ${hw}`);
  }
}

// The expected-version append: a Produce whose records carry cairn-expected-version is a stream
// append for the records' key. KafkaJS speaks Produce v7 at most, which has no error message
// field: a conflict reaches it as INVALID_RECORD only (Produce v8 clients get the message).
async function expectedVersionAppends(producer) {
  const send = (version, value, extra = {}) =>
    producer.send({
      topic: streamTopic,
      acks: -1,
      messages: [{ key: 'order-1', value, headers: { 'cairn-expected-version': version }, ...extra }],
    });
  const first = await send('no-stream', 'created');
  check(first[0].errorCode === 0, `first append: ${JSON.stringify(first)}`);
  const second = await send('0', 'paid');
  check(second[0].errorCode === 0, `second append: ${JSON.stringify(second)}`);
  check(Number(second[0].baseOffset) === Number(first[0].baseOffset) + 1, 'second append offset');

  const refused = async (what, promise) => {
    try {
      await promise;
    } catch (e) {
      const type = e.type ?? e.cause?.type ?? e.originalError?.type;
      check(type === 'INVALID_RECORD', `${what}: ${e.name} ${type} ${e.message}, expected INVALID_RECORD`);
      console.log(`${what}: refused with ${type}`);
      return;
    }
    fail(`${what} was accepted`);
  };
  await refused('a stale expected version (0 while the stream is at 1)', send('0', 'shipped'));
  await refused('no-stream on an existing stream', send('no-stream', 'created again'));
  // A stream lives in its key's murmur2 partition; a batch sent elsewhere is refused.
  const meta = await producer.send({ topic: streamTopic, acks: -1, messages: [{ key: 'probe', value: 'x' }] });
  const partitions = 3;
  const wrong = (first[0].partition + 1) % partitions;
  await refused('an append to another partition than the key\'s', send('1', 'shipped', { partition: wrong }));
  check(meta[0].errorCode === 0, 'plain produce beside stream appends');

  // One batch, one condition: a record without the header beside one with it is refused whole.
  await refused(
    'a batch where one record lacks the header',
    producer.send({
      topic: streamTopic,
      acks: -1,
      messages: [
        { key: 'order-3', value: 'a', headers: { 'cairn-expected-version': 'any' } },
        { key: 'order-3', value: 'b' },
      ],
    }),
  );
  // A compressed batch is a stream append too: two events in one GZIP batch, numbered 0 and 1.
  const gzipped = await producer.send({
    topic: streamTopic,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: ['opened', 'closed'].map(value => ({
      key: 'order-3',
      value,
      headers: { 'cairn-expected-version': 'no-stream' },
    })),
  });
  check(gzipped[0].errorCode === 0, `GZIP stream append: ${JSON.stringify(gzipped)}`);

  // An idempotent producer's stream append is refused: the broker re-encodes stream appends
  // without its sequence numbers, which would break the producer's next batch.
  const idempotent = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await idempotent.connect();
  await refused(
    'a stream append from an idempotent producer',
    idempotent.send({
      topic: streamTopic,
      acks: -1,
      messages: [{ key: 'order-4', value: 'x', headers: { 'cairn-expected-version': 'any' } }],
    }),
  );
  await idempotent.disconnect();
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 3 }, { topic: streamTopic, numPartitions: 3 }],
    waitForLeaders: true,
  });
  check(created === true, 'createTopics created both topics');

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const beforeProduce = Date.now() - 1000;
  await produceGzip(producer);
  const highWatermarks = new Map();
  for (const p of await admin.fetchTopicOffsets(topic)) highWatermarks.set(p.partition, Number(p.high));
  let total = 0;
  for (const hw of highWatermarks.values()) total += hw;
  check(total === recordCount, `high watermarks add up to ${total}, expected ${recordCount}`);

  await consumeAll(admin, highWatermarks);
  await checkOffsets(admin, beforeProduce, highWatermarks);
  await expectedVersionAppends(producer);

  await producer.disconnect();
  await admin.disconnect();
  console.log('kafkajs: all checks passed');
}

bounded(main(), 90000, 'the KafkaJS checks').then(
  () => process.exit(0),
  e => fail(e.stack ?? String(e)),
);
