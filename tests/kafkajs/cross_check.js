'use strict'
// Cross-checks Cairn's Kafka RecordBatch v2 codec against KafkaJS 2.2.4's, in both directions:
//   (a) Cairn encodes (batch_tool encode), KafkaJS decodes: every field must come back, and the
//       CRC32C stored by Cairn must equal KafkaJS's CRC32C of the bytes. (KafkaJS's decoder itself
//       skips CRC validation, so this script runs KafkaJS's crc32C over attributes..end.)
//   (b) KafkaJS encodes, Cairn decodes (batch_tool decode, which validates the batch fully): the
//       JSON must match, and a corrupted copy must be rejected.
// For every case that KafkaJS can encode, both encoders must also produce the same bytes.
// GZIP-compressed batches (the one codec KafkaJS ships) go both ways too: KafkaJS decompresses
// Cairn's, Cairn validates KafkaJS's (CRC over the compressed bytes, then every record), and a
// damaged compressed section with a recomputed CRC is rejected. Their bytes are not compared
// (Node's bundled zlib deflates differently from Debian's), only the header and the records they
// decompress to.
//
// usage: node cross_check.js <path to batch_tool>
// Run by CTest (tests/kafkajs/CMakeLists.txt); KafkaJS is installed by scripts/setup.

const assert = require('assert')
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')
const { spawnSync } = require('child_process')

const KAFKAJS_VERSION = '2.2.4'

function fail(message) {
  console.error(`cross_check: FAIL: ${message}`)
  process.exit(1)
}

let kafkajsVersion
try {
  kafkajsVersion = require('kafkajs/package.json').version
} catch (e) {
  fail(
    `kafkajs is not installed in ${path.join(__dirname, 'node_modules')}: ` +
      'run scripts/setup (it runs npm install there)'
  )
}
if (kafkajsVersion !== KAFKAJS_VERSION) {
  fail(`kafkajs ${kafkajsVersion} is installed, ${KAFKAJS_VERSION} is expected: run scripts/setup`)
}

// KafkaJS internals: the RecordBatch v2 ("v0" in KafkaJS's naming) encoder and decoder.
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0')
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder')
const Record = require('kafkajs/src/protocol/recordBatch/record/v0')
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C')
const { Types: CompressionTypes } = require('kafkajs/src/protocol/message/compression')
const Decoder = require('kafkajs/src/protocol/decoder')
const Long = require('kafkajs/src/utils/long')

const batchTool = process.argv[2]
if (!batchTool) fail('usage: node cross_check.js <path to batch_tool>')
try {
  fs.accessSync(batchTool, fs.constants.X_OK)
} catch (e) {
  fail(`${batchTool} is not an executable file: build the project first (scripts/setup)`)
}

// Byte offsets in the v2 batch header (see eventstore/record/batch_header.h).
const CRC_AT = 17
const CRC_START = 21
const HEADER_SIZE = 61
const ATTRIBUTES_AT = 21

// The codec numbers of the attributes' bits 0-2, by the names batch_tool uses.
const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }
const codecOf = batch => CODECS[batch.compression ?? 'none']

// ---- bytes in the JSON descriptions --------------------------------------------------------------
// null, a string (its UTF-8 bytes) or {hex: '...'}; canonical form: a string when valid UTF-8.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function toBuffer(bytes) {
  if (bytes === null || bytes === undefined) return null
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8')
  return Buffer.from(bytes.hex, 'hex')
}

function toJson(buffer) {
  if (buffer === null) return null
  try {
    return strictUtf8.decode(buffer)
  } catch (e) {
    return { hex: Buffer.from(buffer).toString('hex') }
  }
}

const canonical = bytes => toJson(toBuffer(bytes))

// Headers as KafkaJS reports them: {name: value}, an array when a name repeats.
function canonicalHeaders(headers = {}) {
  const out = {}
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value.map(canonical) : [canonical(value)]
    out[name] = values.length === 1 ? values[0] : values
  }
  return out
}

function kafkajsHeaders(headers) {
  const out = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(headers[name]) ? value.map(toBuffer) : toBuffer(value)
  }
  return out
}

function headersToJson(headers) {
  const out = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value) ? value.map(toJson) : toJson(value)
  }
  return out
}

const hasNullHeaderValue = batch =>
  batch.records.some(r =>
    Object.values(r.headers || {}).some(v => (Array.isArray(v) ? v : [v]).includes(null))
  )

// ---- the cases -----------------------------------------------------------------------------------

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex')

function manyRecords(count) {
  const records = []
  let timestamp = 1700000000000
  for (let i = 0; i < count; i++) {
    // Timestamps mostly rise, sometimes fall (negative deltas); sizes cross varint boundaries.
    timestamp += i % 7 === 3 ? -250 : 1 + (i % 5)
    const valueSize = [0, 1, 63, 64, 127, 128, 300, 8191, 8192, 20000][i % 10]
    const headers = {}
    if (i % 3 !== 0) headers.type = `tests.Event${i % 4}.v1`
    if (i % 4 === 1) headers['correlation-id'] = `corr-${i}`
    if (i % 9 === 2) headers.tag = ['a', '', `t${i}`]
    if (i % 11 === 5) headers.raw = { hex: 'ff00' + (i % 256).toString(16).padStart(2, '0') }
    records.push({
      key: i % 13 === 0 ? null : `aggregate-${i % 17}-${'k'.repeat(i % 70)}`,
      value: i % 29 === 0 ? null : String.fromCharCode(97 + (i % 26)).repeat(valueSize),
      timestamp,
      headers,
    })
  }
  return records
}

const cases = [
  {
    name: 'one record',
    batch: {
      records: [{ key: 'k', value: 'v', timestamp: 1000, headers: { type: 'tests.Created.v1' } }],
    },
  },
  {
    name: 'producer and offset fields',
    batch: {
      baseOffset: 1234567890123,
      partitionLeaderEpoch: 17,
      producerId: 4000000000123,
      producerEpoch: 5,
      baseSequence: 2147480000,
      records: [
        { key: 'a', value: '1', timestamp: 1700000000000 },
        { key: 'b', value: '2', timestamp: 1700000000005 },
        { key: 'c', value: '3', timestamp: 1700000000003 },
      ],
    },
  },
  {
    name: 'nulls and empty strings',
    batch: {
      producerId: 0,
      producerEpoch: 0,
      baseSequence: 0,
      records: [
        { key: null, value: 'no key', timestamp: 5 },
        { key: 'tombstone', value: null, timestamp: 6 },
        { key: '', value: '', timestamp: 7, headers: { '': '', empty: '' } },
        { key: null, value: null, timestamp: 8 },
      ],
    },
  },
  {
    name: 'null header values (KafkaJS cannot encode these, so Cairn to KafkaJS only)',
    batch: {
      records: [{ key: 'k', value: 'v', timestamp: 9, headers: { gone: null, here: 'x' } }],
    },
  },
  {
    name: 'unicode',
    batch: {
      records: [
        {
          key: 'ключ-🪨',
          value: 'значение 值 ✓ 🪨🪨 e\u0301 \u{10ffff}',
          timestamp: 1700000000000,
          headers: { тип: 'платёж.Авторизован.v1', 'content-type': 'application/json; charset=ü' },
        },
        { key: '\ufeffbom', value: '\ufeff', timestamp: 1700000000001, headers: { '🪨': '🪨' } },
      ],
    },
  },
  {
    name: 'binary-ish bytes',
    batch: {
      records: [
        { key: { hex: allBytes }, value: { hex: allBytes }, timestamp: 0 },
        { key: '\u0000\u0001\n\t"\\', value: '\u0000', timestamp: 0, headers: { nul: '\u0000' } },
        // Ill-formed UTF-8: an overlong '/', a lone surrogate, above U+10FFFF, a cut sequence.
        { key: { hex: 'c0af' }, value: { hex: 'eda080' }, timestamp: 1 },
        { key: { hex: 'f4908080' }, value: { hex: 'e282' }, timestamp: 2 },
        { key: { hex: '80' }, value: { hex: 'ff' }, timestamp: 3, headers: { bin: { hex: '00ff' } } },
      ],
    },
  },
  {
    name: 'timestamps far apart',
    batch: {
      records: [
        { key: 'k', value: 'v', timestamp: 1700000000000 },
        { key: 'k', value: 'v', timestamp: 0 },
        { key: 'k', value: 'v', timestamp: 4102444800000 },
        { key: 'k', value: 'v', timestamp: -1 },
      ],
    },
  },
  { name: '2000 records', batch: { baseOffset: 100000, records: manyRecords(2000) } },
  {
    name: '2000 records, gzip',
    batch: { baseOffset: 100000, compression: 'gzip', records: manyRecords(2000) },
  },
  {
    name: 'producer fields and 60 records, gzip',
    batch: {
      baseOffset: 77,
      partitionLeaderEpoch: 3,
      producerId: 4000000000123,
      producerEpoch: 5,
      baseSequence: 1000,
      compression: 'gzip',
      records: manyRecords(60).map(r => ({ ...r, value: r.value && r.value.slice(0, 200) })),
    },
  },
]

// ---- running batch_tool --------------------------------------------------------------------------

function runBatchTool(command, input) {
  const result = spawnSync(batchTool, [command], { input, maxBuffer: 1 << 30 })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() }
}

function cairnEncode(batch) {
  const r = runBatchTool('encode', JSON.stringify(batch))
  if (r.status !== 0) throw new Error(`batch_tool encode failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

function cairnDecode(bytes) {
  const r = runBatchTool('decode', bytes)
  if (r.status !== 0) throw new Error(`batch_tool decode failed (${r.status}): ${r.stderr}`)
  return JSON.parse(r.stdout.toString('utf8'))
}

// ---- KafkaJS ---------------------------------------------------------------------------------------

// Lays out the batch as KafkaJS's producer does (produce/v3/request.js), except that the base
// timestamp is the first record's, as in Cairn's builder (KafkaJS's producer sorts timestamps as
// strings to pick the smallest, so the two differ only when the first record is not the earliest).
async function kafkajsEncode(batch) {
  const firstTimestamp = batch.records[0].timestamp
  const maxTimestamp = Math.max(...batch.records.map(r => r.timestamp))
  const records = batch.records.map((r, i) =>
    Record({
      offsetDelta: i,
      timestampDelta: r.timestamp - firstTimestamp,
      key: toBuffer(r.key),
      value: toBuffer(r.value),
      headers: kafkajsHeaders(r.headers || {}),
    })
  )
  const encoder = await RecordBatch({
    compression: codecOf(batch),
    firstOffset: Long.fromValue(batch.baseOffset ?? 0),
    partitionLeaderEpoch: batch.partitionLeaderEpoch ?? -1,
    producerId: Long.fromValue(batch.producerId ?? -1),
    producerEpoch: batch.producerEpoch ?? -1,
    firstSequence: batch.baseSequence ?? -1,
    firstTimestamp,
    maxTimestamp,
    lastOffsetDelta: records.length - 1,
    records,
  })
  return encoder.buffer
}

async function kafkajsDecode(bytes) {
  const decoder = new Decoder(bytes)
  const decoded = await decodeRecordBatch(decoder)
  assert.strictEqual(decoder.offset, bytes.length, 'KafkaJS consumed the whole batch')
  return decoded
}

// What both decoders must report for a batch description.
function expected(batch) {
  const baseOffset = batch.baseOffset ?? 0
  const timestamps = batch.records.map(r => r.timestamp)
  return {
    baseOffset,
    partitionLeaderEpoch: batch.partitionLeaderEpoch ?? -1,
    producerId: batch.producerId ?? -1,
    producerEpoch: batch.producerEpoch ?? -1,
    baseSequence: batch.baseSequence ?? -1,
    baseTimestamp: timestamps[0],
    maxTimestamp: Math.max(...timestamps),
    lastOffsetDelta: batch.records.length - 1,
    records: batch.records.map((r, i) => ({
      offset: baseOffset + i,
      timestamp: r.timestamp,
      key: canonical(r.key),
      value: canonical(r.value),
      headers: canonicalHeaders(r.headers),
    })),
  }
}

function checkCrc(bytes) {
  assert.strictEqual(bytes.readInt8(16), 2, 'magic')
  assert.strictEqual(
    bytes.readUInt32BE(CRC_AT),
    crc32C(bytes.subarray(CRC_START)),
    'stored CRC32C equals KafkaJS crc32C(attributes..end)'
  )
}

// (a) Cairn encodes, KafkaJS decodes.
async function cairnToKafkajs({ batch }) {
  const bytes = cairnEncode(batch)
  checkCrc(bytes)
  // These cases compress well, so Cairn's builder keeps them compressed.
  assert.strictEqual(bytes.readInt16BE(ATTRIBUTES_AT) & 7, codecOf(batch), 'codec bits')
  const d = await kafkajsDecode(bytes)
  const want = expected(batch)
  const got = {
    baseOffset: Number(d.firstOffset),
    partitionLeaderEpoch: d.partitionLeaderEpoch,
    producerId: Number(d.producerId),
    producerEpoch: d.producerEpoch,
    baseSequence: d.firstSequence,
    baseTimestamp: Number(d.firstTimestamp),
    maxTimestamp: Number(d.maxTimestamp),
    lastOffsetDelta: d.lastOffsetDelta,
    records: d.records.map(r => ({
      offset: Number(r.offset),
      timestamp: Number(r.timestamp),
      key: toJson(r.key),
      value: toJson(r.value),
      headers: headersToJson(r.headers),
    })),
  }
  assert.deepStrictEqual(got, want)
  // The 64-bit fields as KafkaJS reads them (strings from Long), not through a JS number.
  assert.strictEqual(d.firstOffset, String(want.baseOffset))
  assert.strictEqual(d.producerId, String(want.producerId))
  assert.strictEqual(d.inTransaction, false)
  assert.strictEqual(d.isControlBatch, false)
  return bytes
}

// (b) KafkaJS encodes, Cairn decodes.
async function kafkajsToCairn({ batch }) {
  const bytes = await kafkajsEncode(batch)
  checkCrc(bytes)
  const d = cairnDecode(bytes)
  const want = expected(batch)
  assert.strictEqual(d.magic, 2)
  assert.strictEqual(d.attributes, codecOf(batch))
  assert.strictEqual(d.compression, batch.compression ?? 'none')
  assert.strictEqual(d.crc, bytes.readUInt32BE(CRC_AT))
  assert.strictEqual(d.batchLength, bytes.length - 12)
  assert.strictEqual(d.recordsCount, batch.records.length)
  const got = {
    baseOffset: d.baseOffset,
    partitionLeaderEpoch: d.partitionLeaderEpoch,
    producerId: d.producerId,
    producerEpoch: d.producerEpoch,
    baseSequence: d.baseSequence,
    baseTimestamp: d.baseTimestamp,
    maxTimestamp: d.maxTimestamp,
    lastOffsetDelta: d.lastOffsetDelta,
    records: d.records.map(r => ({
      offset: r.offset,
      timestamp: r.timestamp,
      key: r.key,
      value: r.value,
      headers: r.headers,
    })),
  }
  assert.deepStrictEqual(got, want)

  // One flipped bit inside the CRC's range must be rejected; baseOffset lies outside it, so a
  // stamped baseOffset must still be accepted (that is how the leader assigns offsets in place).
  const corrupted = Buffer.from(bytes)
  corrupted[HEADER_SIZE + ((bytes.length - HEADER_SIZE) >> 1)] ^= 0x10
  const rejected = runBatchTool('decode', corrupted)
  assert.strictEqual(rejected.status, 1, `a corrupted batch was accepted: ${rejected.stdout}`)
  assert.match(rejected.stderr, /crc|CRC/)
  const stamped = Buffer.from(bytes)
  stamped.writeBigInt64BE(987654321n, 0)
  assert.strictEqual(cairnDecode(stamped).baseOffset, 987654321)

  if (codecOf(batch) !== CompressionTypes.None) {
    // Damage inside the compressed records with the CRC recomputed: only decompression (gzip's
    // own CRC32 and framing) can catch it now, and Cairn must.
    const damaged = Buffer.from(bytes)
    damaged[HEADER_SIZE + ((bytes.length - HEADER_SIZE) >> 1)] ^= 0x10
    damaged.writeUInt32BE(crc32C(damaged.subarray(CRC_START)), CRC_AT)
    const refused = runBatchTool('decode', damaged)
    assert.strictEqual(refused.status, 1, `damaged compressed records were accepted`)
    assert.match(refused.stderr, /compressed records/)
    // And cut short, with length and CRC fixed up.
    const cut = Buffer.from(bytes.subarray(0, bytes.length - 6))
    cut.writeInt32BE(cut.length - 12, 8)
    cut.writeUInt32BE(crc32C(cut.subarray(CRC_START)), CRC_AT)
    const short = runBatchTool('decode', cut)
    assert.strictEqual(short.status, 1, `truncated compressed records were accepted`)
    assert.match(short.stderr, /compressed records/)
  }
  return bytes
}

// Compressed by two deflate implementations, the bytes differ; the header fields after the CRC
// and the records inside must not.
function sameBatch(name, cairnBytes, kafkajsBytes, compressed) {
  if (!compressed) {
    assert.ok(cairnBytes.equals(kafkajsBytes), `${name}: Cairn and KafkaJS bytes differ`)
    return
  }
  const fields = bytes => bytes.subarray(ATTRIBUTES_AT, HEADER_SIZE)
  const records = bytes => zlib.gunzipSync(bytes.subarray(HEADER_SIZE))
  assert.ok(fields(cairnBytes).equals(fields(kafkajsBytes)), `${name}: header fields differ`)
  assert.ok(records(cairnBytes).equals(records(kafkajsBytes)), `${name}: the records differ`)
}

async function main() {
  let checks = 0
  for (const c of cases) {
    const count = c.batch.records.length
    const cairnBytes = await cairnToKafkajs(c)
    console.log(`ok  Cairn -> KafkaJS  ${c.name} (${count} records, ${cairnBytes.length} bytes)`)
    checks++
    if (hasNullHeaderValue(c.batch)) continue
    const kafkajsBytes = await kafkajsToCairn(c)
    console.log(`ok  KafkaJS -> Cairn  ${c.name} (${count} records, ${kafkajsBytes.length} bytes)`)
    checks++
    const compressed = codecOf(c.batch) !== CompressionTypes.None
    sameBatch(c.name, cairnBytes, kafkajsBytes, compressed)
    console.log(`ok  ${(compressed ? 'same records' : 'same bytes').padEnd(18)}${c.name}`)
    checks++
  }
  console.log(`cross_check: all ${checks} checks passed against kafkajs@${kafkajsVersion}`)
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : e)
  fail('see above')
})
