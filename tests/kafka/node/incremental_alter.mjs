// IncrementalAlterConfigs with @platformatic/kafka, which sends a topic's config alters to the
// broker it was bootstrapped at: SET one topic config there to each of the comma-separated
// values in turn, reading each back through the same broker (DescribeConfigs). Run by
// tests/kafka/kafka_cluster_controller_test.cc against brokers that are not the controller:
//   node incremental_alter.mjs KAFKA_HOST:PORT TOPIC NAME VALUE[,VALUE...]
// Exits 0 after "incremental_alter: done", 77 when this Node is too old for the client, else
// non-zero with the reason on stderr.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { fail, check, bounded } = require('./check.js');

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
const { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } = kafka;

const [address, topic, name, list] = process.argv.slice(2);
if (!address || !topic || !name || list === undefined) {
  fail('usage: incremental_alter.mjs KAFKA_HOST:PORT TOPIC NAME VALUE[,VALUE...]');
}

const admin = new Admin({
  clientId: 'cairn-incremental-alter',
  bootstrapBrokers: [address],
  timeout: 10000,
  retries: 0,
});
try {
  for (const value of list.split(',')) {
    await bounded(
      admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configs: [{ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET }],
          },
        ],
      }),
      20000,
      'incrementalAlterConfigs',
    );
    const described = await bounded(
      admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
      }),
      20000,
      'describeConfigs',
    );
    const entry = described[0].configs.find((c) => c.name === name);
    check(entry && entry.value === value, `${name} reads back ${entry && entry.value}, not ${value}`);
  }
  console.log('incremental_alter: done');
} catch (e) {
  fail(`${e.message}${e.errors ? ' ' + JSON.stringify(e.errors.map((x) => x.message)) : ''}`);
} finally {
  await admin.close();
}
