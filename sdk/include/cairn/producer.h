// cairn::producer: Kafka's producer over the SDK's sans-I/O parts (record_accumulator,
// partitioner, idempotence_tracker). Records are batched per partition by size and linger,
// keyed records land on Kafka's murmur2 partition, batches are retried with backoff on
// retriable errors until delivery_timeout_ms, and idempotence (on by default) makes those
// retries write each batch once.
//
// Producer id: an idempotent producer asks the broker for its id (InitProducerId) before its
// first batch; the broker allocates ids unique for the cluster's life. Against a broker older
// than that request the producer picks a random positive 63-bit id itself.
//
// Thread-safe: send() and flush() may be called from any thread but the client's own.
#pragma once

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/client.h"

namespace cairn {

enum class acks { none, leader, all };

// The codec of the record batches a producer sends (Kafka's compression.type), each in Kafka's
// wire format, so Kafka consumers read them too. A batch is sent compressed only when that makes
// it smaller (as librdkafka does): a batch of one short record goes as it is. The broker stores
// and serves batches as sent; consumers decompress.
enum class compression_type { none, gzip, snappy, lz4, zstd };
// From Kafka's names, "none", "gzip", "snappy", "lz4", "zstd"; nullopt for any other.
std::optional<compression_type> compression_type_from_name(std::string_view name);

struct producer_options {
  acks required_acks = acks::all;
  bool idempotence = true;                   // requires acks::all (as Kafka); else turned off
  std::int32_t batch_bytes_max = 16 * 1024;  // batch.size
  std::int64_t linger_ms = 5;
  std::int64_t buffer_bytes_max = 32 * 1024 * 1024;
  std::int32_t request_bytes_max = 1024 * 1024;
  std::int64_t retry_backoff_ms = 100;
  std::int64_t delivery_timeout_ms = 120'000;
  std::int32_t broker_timeout_ms = 30'000;  // how long the broker may wait for acks=all
  // batch_bytes_max counts the records before compression, as Kafka's batch.size does.
  compression_type compression = compression_type::none;
  // Called on the client's thread for every failed attempt that will be retried (a dead
  // broker, a stale leader, a timeout): the delivery results only say how each record ended.
  std::function<void(const topic_partition&, std::error_code)> on_retriable_error{};
};

struct header {
  std::string key{};
  std::optional<std::string> value{};
};

struct producer_record {
  std::string topic{};
  std::optional<std::string> key{};    // nullopt: keyless (sticky partitioning)
  std::optional<std::string> value{};  // nullopt: a tombstone
  std::vector<header> headers{};
  std::int64_t timestamp_ms = -1;           // -1: now
  std::optional<std::int32_t> partition{};  // overrides the partitioner
};

struct record_metadata {
  topic_partition tp{};
  std::int64_t offset = -1;  // -1 with acks::none
};

using delivery_result = result<record_metadata>;
using delivery_callback = std::function<void(const delivery_result&)>;

class producer_impl;

class producer {
 public:
  // errc::invalid_config for out-of-range options.
  static result<std::unique_ptr<producer>> create(client& c, producer_options options = {});
  // Flushes for up to delivery_timeout_ms, then fails what is left with errc::aborted.
  ~producer();
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  // Queues a record; the future (or the callback, on the client's thread) gets its outcome.
  // Records with the same key keep their order. A callback must not call blocking SDK
  // functions (they would wait for the thread the callback runs on): use async_* there.
  std::future<delivery_result> send(producer_record record);
  void send(producer_record record, delivery_callback callback);

  // Sends everything queued now regardless of linger and waits until each record has its
  // outcome. errc::timed_out after timeout_ms (the records stay queued).
  result<void> flush(std::int64_t timeout_ms = 120'000);
  awaitable<result<void>> async_flush(std::int64_t timeout_ms = 120'000);

  // The broker-allocated id of an idempotent producer; -1 until the broker answered
  // InitProducerId (sent before the first batch), and always without idempotence.
  std::int64_t producer_id() const;

 private:
  explicit producer(std::shared_ptr<producer_impl> impl);
  std::shared_ptr<producer_impl> impl_{};
};

}  // namespace cairn
