#include "sdk/client/record_accumulator.h"

#include <algorithm>

#include "cairn/base/assert.h"
#include "eventstore/record/batch_header.h"

namespace cairn::sdk {
namespace {

namespace L = eventstore::batch_layout;
constexpr auto kHeaderBytes = static_cast<std::int64_t>(L::kHeaderSize);

// Rebuilds a finished batch with a new producer state. Only re-sequencing after an epoch bump
// needs it, which is rare, so it re-encodes through the builder rather than patching CRC'd bytes.
std::string rebuild_with_producer(std::string_view bytes, producer_identity producer,
                                  std::int32_t base_sequence) {
  auto parsed = eventstore::record_batch_view::parse(bytes);
  CAIRN_ASSERT(parsed.has_value(), "own batch does not parse: {}", parsed.error().message());
  const eventstore::record_batch_view& view = parsed.value();
  const eventstore::batch_header& h = view.header();
  // The same records compress to the same bytes, so the size stays equal with a codec too.
  eventstore::record_batch_builder builder(
      {.attributes = static_cast<std::int16_t>(h.attributes & ~L::kCompressionMask),
       .compression = view.compression(),
       .producer_id = producer.id,
       .producer_epoch = producer.epoch,
       .base_sequence = base_sequence,
       .base_timestamp = h.base_timestamp});
  std::vector<eventstore::header_view> headers;
  for (const eventstore::record_view& r : view) {
    headers.assign(r.headers().begin(), r.headers().end());
    builder.add({.key = r.key,
                 .value = r.value,
                 .headers = headers,
                 .timestamp_ms = h.base_timestamp + r.timestamp_delta},
                r.offset_delta);
  }
  std::string out = builder.finish();
  CAIRN_ASSERT(out.size() == bytes.size(), "rebuilt batch {} bytes, was {}", out.size(),
               bytes.size());
  return out;
}

}  // namespace

struct record_accumulator::batch {
  batch_id id;
  topic_partition tp;
  batch_state state = batch_state::open;
  std::optional<eventstore::record_batch_builder> builder;  // until sealed for its first send
  std::string bytes;                                        // from the first send on
  std::vector<record_id> records;
  std::int64_t created_ms = 0;
  std::int64_t retry_at_ms = 0;
  std::int32_t attempts = 0;
  std::int32_t base_sequence = -1;
  // Re-sequenced while a send was out: that send's answer speaks of the old sequence.
  bool resequenced_since_send = false;

  std::int64_t size_bytes() const {
    return static_cast<std::int64_t>(builder ? builder->size_bytes() : bytes.size());
  }
};

result<void> validate(const accumulator_config& c) {
  // A batch must hold a header and at least a small record.
  if (c.batch_bytes_max <= kHeaderBytes || c.request_bytes_max <= kHeaderBytes ||
      c.buffer_bytes_max < c.batch_bytes_max || c.linger_ms < 0 || c.retry_backoff_ms < 0 ||
      c.delivery_timeout_ms <= 0) {
    return errc::invalid_config;
  }
  return success();
}

record_accumulator::record_accumulator(const accumulator_config& config) : config_(config) {
  CAIRN_ASSERT(validate(config).has_value(), "invalid accumulator config (call validate first)");
  // A batch never grows past what one request can carry.
  config_.batch_bytes_max = std::min(config_.batch_bytes_max, config_.request_bytes_max);
}

record_accumulator::~record_accumulator() = default;
record_accumulator::record_accumulator(record_accumulator&&) noexcept = default;
record_accumulator& record_accumulator::operator=(record_accumulator&&) noexcept = default;

bool record_accumulator::would_open_batch(const topic_partition& tp,
                                          const producer_record& record) const {
  auto it = partitions_.find(tp);
  if (it == partitions_.end() || it->second.waiting.empty()) return true;
  const batch* open = it->second.waiting.back();
  if (open->state != batch_state::open) return true;
  std::int64_t grown =
      open->size_bytes() + static_cast<std::int64_t>(open->builder->record_size_bytes(record));
  return grown > config_.batch_bytes_max;
}

result<record_id> record_accumulator::append(const topic_partition& tp,
                                             const producer_record& record, std::int64_t now_ms) {
  if (aborted_) return errc::aborted;
  if (tp.partition < 0) return errc::invalid_partition;
  const std::int64_t alone =
      kHeaderBytes +
      static_cast<std::int64_t>(eventstore::record_batch_builder::record_size_bytes(record, 0, 0));
  if (alone > config_.request_bytes_max || alone > config_.buffer_bytes_max) {
    return errc::record_too_large;
  }

  const bool fresh = would_open_batch(tp, record);
  batch* open = fresh ? nullptr : partitions_.at(tp).waiting.back();
  const std::int64_t growth =
      fresh ? alone : static_cast<std::int64_t>(open->builder->record_size_bytes(record));
  if (buffer_bytes_used_ + growth > config_.buffer_bytes_max) {
    buffer_exhausted_ = true;  // send everything at the next drain to free memory
    return errc::buffer_full;
  }
  if (fresh) {
    auto it = partitions_.find(tp);
    if (it != partitions_.end() && !it->second.waiting.empty() &&
        it->second.waiting.back()->state == batch_state::open) {
      close(*it->second.waiting.back());
    }
    open = &open_batch(tp, now_ms);
  }

  const std::int64_t before = open->size_bytes();
  open->builder->add(record);
  const std::int64_t added = open->size_bytes() - before;
  CAIRN_ASSERT(added == (fresh ? alone - kHeaderBytes : growth), "record took {} bytes, not {}",
               added, growth);
  buffer_bytes_used_ += added;
  record_id id{next_record_id_++};
  open->records.push_back(id);
  // Full (or a lone record bigger than a batch): close it now so it is ready without linger.
  if (open->size_bytes() >= config_.batch_bytes_max) close(*open);
  return id;
}

record_accumulator::batch& record_accumulator::open_batch(const topic_partition& tp,
                                                          std::int64_t now_ms) {
  auto owned = std::make_unique<batch>();
  batch& b = *owned;
  b.id = batch_id{next_batch_id_++};
  b.tp = tp;
  b.builder.emplace(eventstore::record_batch_builder::options{.compression = config_.compression});
  b.created_ms = now_ms;
  buffer_bytes_used_ += b.size_bytes();  // the header
  partitions_[tp].waiting.push_back(&b);
  batches_.emplace(b.id.value(), std::move(owned));
  return b;
}

void record_accumulator::close(batch& b) {
  CAIRN_ASSERT(b.state == batch_state::open, "closing batch {} in state {}", b.id,
               static_cast<int>(b.state));
  b.state = batch_state::closed;
}

void record_accumulator::set_producer(producer_identity producer) {
  restamp(idempotence_.set_producer(producer));
}

bool record_accumulator::needs_producer() const {
  return config_.idempotence && idempotence_.needs_producer();
}

bool record_accumulator::ready(const batch& b, std::int64_t now_ms) const {
  switch (b.state) {
    case batch_state::open:
      return flushes_in_progress_ > 0 || buffer_exhausted_ ||
             now_ms - b.created_ms >= config_.linger_ms;
    case batch_state::closed:
      return true;
    case batch_state::retry:
      return now_ms >= b.retry_at_ms;  // backoff holds even during a flush, as in Kafka
    case batch_state::in_flight:
      break;
  }
  CAIRN_ASSERT(false, "batch {} in flight is still queued", b.id);
  return false;
}

bool record_accumulator::may_send(const batch& b) const {
  if (!config_.idempotence) return true;
  if (b.base_sequence >= 0) return idempotence_.may_resend(b.tp, b.id);
  return idempotence_.may_send_new(b.tp);
}

void record_accumulator::seal_for_send(batch& b) {
  if (b.builder) {
    const std::int64_t size = b.size_bytes();
    if (config_.idempotence) {
      b.base_sequence = idempotence_.assign(b.tp, b.id, b.builder->records_count());
      const producer_identity& p = idempotence_.producer();
      b.builder->set_producer_state(p.id, p.epoch, b.base_sequence);
    }
    b.bytes = b.builder->finish();
    b.builder.reset();
    // Compression only ever shrinks a batch (the builder keeps the smaller form), and the buffer
    // now holds the finished bytes.
    CAIRN_ASSERT(b.size_bytes() <= size, "finished batch {} bytes, built {}", b.size_bytes(), size);
    buffer_bytes_used_ -= size - b.size_bytes();
  }
  b.state = batch_state::in_flight;
  b.resequenced_since_send = false;
  ++b.attempts;
}

std::vector<drained_request> record_accumulator::drain(std::int64_t now_ms,
                                                       std::int32_t request_bytes_max,
                                                       const leader_lookup& leader_of) {
  expire(now_ms);
  if (request_bytes_max <= 0) request_bytes_max = config_.request_bytes_max;
  std::vector<partition_queue*> queues;
  queues.reserve(partitions_.size());
  for (auto& [tp, q] : partitions_)
    queues.push_back(&q);

  std::map<std::int32_t, drained_request> by_node;
  const std::size_t n = queues.size();
  const std::size_t start = n == 0 ? 0 : drain_cursor_ % n;
  for (std::size_t k = 0; k < n; ++k) {
    partition_queue& q = *queues[(start + k) % n];
    if (q.waiting.empty()) continue;
    batch& b = *q.waiting.front();
    if (!ready(b, now_ms) || !may_send(b)) continue;
    std::optional<std::int32_t> node = leader_of ? leader_of(b.tp) : std::optional<std::int32_t>{0};
    if (!node) continue;  // no known leader: wait for metadata
    drained_request& request = by_node[*node];
    request.node_id = *node;
    if (!request.batches.empty() && request.size_bytes + b.size_bytes() > request_bytes_max) {
      continue;
    }
    if (b.state == batch_state::open) close(b);
    seal_for_send(b);
    q.waiting.pop_front();
    request.size_bytes += b.size_bytes();
    request.batches.push_back({.id = b.id,
                               .tp = b.tp,
                               .bytes = b.bytes,
                               .records_count = static_cast<std::int32_t>(b.records.size()),
                               .base_sequence = b.base_sequence,
                               .attempt = b.attempts});
  }
  drain_cursor_ = start + 1;
  buffer_exhausted_ = false;

  std::vector<drained_request> out;
  for (auto& [node, request] : by_node) {
    if (!request.batches.empty()) out.push_back(std::move(request));
  }
  return out;
}

void record_accumulator::on_acked(batch_id id, std::int64_t base_offset) {
  auto it = batches_.find(id.value());
  CAIRN_ASSERT(it != batches_.end(), "ack for unknown batch {}", id);
  batch& b = *it->second;
  CAIRN_ASSERT(b.state == batch_state::in_flight, "ack for batch {} not in flight", id);
  if (config_.idempotence) idempotence_.on_acked(b.tp, b.id);
  complete(b, [base_offset](std::int32_t index) -> result<std::int64_t> {
    return base_offset < 0 ? std::int64_t{-1} : base_offset + index;
  });
}

void record_accumulator::on_failed(batch_id id, std::error_code error, failure_kind kind,
                                   std::int64_t now_ms) {
  auto it = batches_.find(id.value());
  CAIRN_ASSERT(it != batches_.end(), "failure for unknown batch {}", id);
  batch& b = *it->second;
  CAIRN_ASSERT(b.state == batch_state::in_flight, "failure for batch {} not in flight", id);
  const bool timed_out = now_ms - b.created_ms >= config_.delivery_timeout_ms;
  if (kind == failure_kind::fatal || timed_out) {
    if (config_.idempotence) restamp(idempotence_.on_final_failure(b.tp, b.id));
    fail_for_good(b, kind == failure_kind::fatal ? error : make_error_code(errc::delivery_timeout));
    return;
  }
  // A gap reported for a send made under the sequence before a reset says nothing about the new
  // one: retry it as is (Kafka's sequenceHasBeenReset).
  if (kind == failure_kind::out_of_order_sequence && b.resequenced_since_send) {
    kind = failure_kind::retriable;
  }
  if (config_.idempotence) restamp(idempotence_.on_retry(b.tp, b.id, kind));
  b.retry_at_ms = now_ms + config_.retry_backoff_ms;
  requeue(b);
}

void record_accumulator::requeue(batch& b) {
  b.state = batch_state::retry;
  // Batch ids grow in creation order, which within a partition is also send and sequence order:
  // a retry goes after older retries and before everything never sent (Kafka's
  // insertInSequenceOrder).
  auto& waiting = partitions_.at(b.tp).waiting;
  auto pos = std::find_if(waiting.begin(), waiting.end(), [&](const batch* other) {
    return other->state != batch_state::retry || other->id > b.id;
  });
  waiting.insert(pos, &b);
}

void record_accumulator::restamp(const std::vector<resequenced_batch>& batches) {
  for (const resequenced_batch& r : batches) {
    batch& b = *batches_.at(r.id.value());
    CAIRN_ASSERT(!b.builder, "re-sequencing batch {} that was never sent", b.id);
    b.base_sequence = r.base_sequence;
    b.bytes = rebuild_with_producer(b.bytes, r.producer, r.base_sequence);
    if (b.state == batch_state::in_flight) b.resequenced_since_send = true;
  }
}

void record_accumulator::complete(
    batch& b, const std::function<result<std::int64_t>(std::int32_t)>& offset_of) {
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    reports_.push_back({.id = b.records[i],
                        .partition = b.tp.partition,
                        .offset = offset_of(static_cast<std::int32_t>(i))});
  }
  buffer_bytes_used_ -= b.size_bytes();
  CAIRN_ASSERT(buffer_bytes_used_ >= 0, "buffer accounting went negative: {}", buffer_bytes_used_);
  if (b.state != batch_state::in_flight) {
    auto& waiting = partitions_.at(b.tp).waiting;
    waiting.erase(std::find(waiting.begin(), waiting.end(), &b));
  }
  batches_.erase(b.id.value());  // destroys b
}

void record_accumulator::fail_for_good(batch& b, std::error_code error) {
  complete(b, [&error](std::int32_t) -> result<std::int64_t> { return error; });
}

void record_accumulator::expire(std::int64_t now_ms) {
  std::vector<batch*> expired;
  for (auto& [tp, q] : partitions_) {
    for (batch* b : q.waiting) {
      if (now_ms - b->created_ms >= config_.delivery_timeout_ms) expired.push_back(b);
    }
  }
  for (batch* b : expired) {
    // A queued retry holds a sequence: failing it for good re-sequences the rest.
    if (config_.idempotence && b->base_sequence >= 0) {
      restamp(idempotence_.on_final_failure(b->tp, b->id));
    }
    fail_for_good(*b, errc::delivery_timeout);
  }
}

std::vector<delivery_report> record_accumulator::take_delivery_reports() {
  return std::exchange(reports_, {});
}

void record_accumulator::end_flush() {
  CAIRN_ASSERT(flushes_in_progress_ > 0, "end_flush without begin_flush");
  --flushes_in_progress_;
}

void record_accumulator::abort(std::error_code error) {
  aborted_ = true;
  std::vector<batch*> all;
  all.reserve(batches_.size());
  for (auto& [id, b] : batches_)
    all.push_back(b.get());
  // Oldest first, so delivery reports come out in append order per partition.
  std::sort(all.begin(), all.end(), [](const batch* a, const batch* b) { return a->id < b->id; });
  for (batch* b : all)
    fail_for_good(*b, error);
  idempotence_.clear();
  partitions_.clear();
}

std::optional<std::int64_t> record_accumulator::next_ready_ms() const {
  std::optional<std::int64_t> earliest;
  for (const auto& [tp, q] : partitions_) {
    if (q.waiting.empty()) continue;
    const batch& b = *q.waiting.front();
    std::int64_t at = b.state == batch_state::open    ? b.created_ms + config_.linger_ms
                      : b.state == batch_state::retry ? b.retry_at_ms
                                                      : b.created_ms;
    if (!earliest || at < *earliest) earliest = at;
  }
  return earliest;
}

void record_accumulator::check_invariants() const {
  std::int64_t total = 0;
  for (const auto& [id, b] : batches_) {
    total += b->size_bytes();
    CAIRN_ASSERT(!b->records.empty(), "batch {} without records", b->id);
    CAIRN_ASSERT((b->state == batch_state::open || b->state == batch_state::closed) ==
                     b->builder.has_value(),
                 "batch {} state {} and builder disagree", b->id, static_cast<int>(b->state));
  }
  CAIRN_ASSERT(total == buffer_bytes_used_, "buffer bytes {} but batches hold {}",
               buffer_bytes_used_, total);
  CAIRN_ASSERT(buffer_bytes_used_ <= config_.buffer_bytes_max, "buffer bytes {} over {}",
               buffer_bytes_used_, config_.buffer_bytes_max);
  for (const auto& [tp, q] : partitions_) {
    bool seen_unsent = false;
    for (std::size_t i = 0; i < q.waiting.size(); ++i) {
      const batch& b = *q.waiting[i];
      CAIRN_ASSERT(b.tp == tp, "batch {} of {} queued on {}", b.id, b.tp, tp);
      CAIRN_ASSERT(b.state != batch_state::in_flight, "batch {} in flight is queued", b.id);
      CAIRN_ASSERT(b.state != batch_state::open || i + 1 == q.waiting.size(),
                   "open batch {} is not last on {}", b.id, tp);
      if (b.state != batch_state::retry) seen_unsent = true;
      CAIRN_ASSERT(!(seen_unsent && b.state == batch_state::retry),
                   "retry batch {} behind unsent ones on {}", b.id, tp);
    }
  }
  if (config_.idempotence) idempotence_.check_invariants();
}

}  // namespace cairn::sdk
