// cairn::producer: the Asio shell around record_accumulator, partitioner and idempotence.
//
// send() hands records over in bulk: callers append to a locked hand-off queue, and only the
// first record of an empty queue posts a drain to the io thread (one wake-up per burst, not per
// record). A caller blocks while the records handed over but not yet in the accumulator exceed
// buffer_bytes_max, as Kafka's send() blocks on a full buffer.
//
// On the client's io thread:
//   - intake: appends handed-over records to the accumulator in order. The common case (topic
//     in the metadata cache, room in the buffer) runs straight through without a coroutine; a
//     record that must wait (a metadata lookup, back-pressure) starts the intake coroutine, and
//     every later record queues behind it, so records keep the order they were sent in.
//   - sender: drains ready batches into produce requests, sleeps until the next linger or
//     backoff deadline or until woken, and refreshes metadata for partitions without a leader.
//   - one request coroutine per produce request in flight: sends, then reports each batch's
//     outcome back to the accumulator and hands out delivery results.
#include "cairn/producer.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <set>
#include <unordered_map>

#include "cairn/base/assert.h"
#include "sdk/client/by_topic.h"
#include "sdk/client/client_impl.h"
#include "sdk/client/partitioner.h"
#include "sdk/client/record_accumulator.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             steady_clock::now().time_since_epoch())
      .count();
}

steady_clock::time_point steady_at(std::int64_t ms) {
  return steady_clock::time_point(std::chrono::milliseconds(ms));
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sdk::failure_kind classify(std::error_code ec) {
  if (ec == protocol::errc::out_of_order_sequence) return sdk::failure_kind::out_of_order_sequence;
  return sdk::is_retriable(ec) ? sdk::failure_kind::retriable : sdk::failure_kind::fatal;
}

// Errors after which the leader may have moved (or the broker's address changed).
bool stale_after(std::error_code ec) {
  if (ec.category() == protocol::protocol_category()) {
    return protocol::needs_metadata_refresh(static_cast<protocol::errc>(ec.value()));
  }
  return ec == sdk::errc::connect_failed || ec == sdk::errc::connection_lost;
}

}  // namespace

class producer_impl : public std::enable_shared_from_this<producer_impl> {
 public:
  producer_impl(client_impl& c, producer_options options, sdk::accumulator_config config)
      : client_(c),
        options_(std::move(options)),
        accumulator_(config),
        partitioner_(std::random_device{}()),
        prng_(std::random_device{}()),
        wake_(c.io()) {}

  // For a broker older than InitProducerId only: a random positive 63-bit id, epoch 0
  // (collisions between producers improbable, 2^-63 per pair, but not excluded).
  sdk::producer_identity random_identity() {
    std::uniform_int_distribution<std::int64_t> ids(1, std::numeric_limits<std::int64_t>::max());
    return sdk::producer_identity{ids(prng_), 0};
  }

  // InitProducerId: the broker allocates the id, unique for the cluster's life. Until it
  // answers, batches wait (the tracker lets none be sent without an identity); a failure is
  // retried after retry_backoff_ms, and the batches' delivery timeout still runs meanwhile.
  asio::awaitable<void> init_identity([[maybe_unused]] std::shared_ptr<producer_impl> self) {
    auto response =
        co_await client_.call_any([](wire::Request::Builder req) { req.initInitProducerId(); },
                                  wire::Response::INIT_PRODUCER_ID, client_.request_timeout());
    std::optional<sdk::producer_identity> identity;
    if (response) {
      auto r = response.value().root().getInitProducerId();
      identity = sdk::producer_identity{r.getProducerId(), r.getProducerEpoch()};
    } else if (response.error() == protocol::errc::unknown_request) {
      identity = random_identity();
    }
    if (!identity || !identity->valid()) {
      asio::steady_timer backoff(client_.io());
      backoff.expires_after(std::chrono::milliseconds(options_.retry_backoff_ms));
      co_await backoff.async_wait(use_tuple);
    } else if (!closed_) {
      producer_id_ = identity->id;
      accumulator_.set_producer(*identity);
    }
    identity_pending_ = false;
    wake();
  }

  void start() { asio::co_spawn(client_.io(), sender_loop(shared_from_this()), asio::detached); }

  // On any thread. Blocks while the handed-over records exceed buffer_bytes_max, except on the
  // io thread (a delivery callback sending again), which never waits for itself.
  void submit(producer_record record, delivery_callback cb) {
    const std::int64_t bytes = handover_bytes(record);
    const std::int64_t now = steady_ms();
    std::unique_lock lock(handover_mu_);
    if (!client_.on_io_thread()) {
      auto deadline = steady_clock::now() + std::chrono::milliseconds(options_.delivery_timeout_ms);
      bool room = handover_room_.wait_until(lock, deadline, [&] {
        return handover_closed_ || handover_bytes_ == 0 ||
               handover_bytes_ + bytes <= options_.buffer_bytes_max;
      });
      if (!room) {
        lock.unlock();
        cb(sdk::errc::timed_out);
        return;
      }
    }
    if (handover_closed_) {
      lock.unlock();
      cb(sdk::errc::aborted);
      return;
    }
    handover_.push_back({std::move(record), std::move(cb), now, bytes});
    handover_bytes_ += bytes;
    if (handover_posted_) return;
    handover_posted_ = true;
    lock.unlock();
    asio::post(client_.io(), [self = shared_from_this()] { self->take_handover(); });
  }

  // REQUIRES: on the io thread (as every member below).
  void take_handover() {
    {
      std::lock_guard lock(handover_mu_);
      handover_posted_ = false;
      taken_.swap(handover_);
    }
    for (auto& w : taken_)
      intake_.push_back(std::move(w));
    taken_.clear();  // keeps its capacity for the next swap
    run_intake();
  }

  asio::awaitable<result<void>> flush(std::int64_t timeout_ms) {
    auto deadline = steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    accumulator_.begin_flush();
    take_handover();  // records handed over by other threads before this flush
    wake();
    result<void> out = success();
    // Bounded by the deadline: each turn waits for progress or for the deadline.
    while (!intake_.empty() || accumulator_.incomplete_batches_count() > 0) {
      if (steady_clock::now() >= deadline) {
        out = sdk::errc::timed_out;
        break;
      }
      co_await wait_progress(deadline);
    }
    accumulator_.end_flush();
    co_return out;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    {
      std::lock_guard lock(handover_mu_);
      handover_closed_ = true;
      taken_.swap(handover_);
      handover_bytes_ = 0;
    }
    handover_room_.notify_all();
    for (auto& w : taken_)
      intake_.push_back(std::move(w));
    taken_.clear();
    for (auto& w : intake_)
      w.cb(sdk::errc::aborted);
    intake_.clear();
    accumulator_.abort(sdk::errc::aborted);
    deliver_reports();
    wake();
  }

  // Readable from any thread: the accumulator itself belongs to the io thread.
  std::int64_t producer_id() const { return producer_id_.load(); }
  client_impl& client_ref() { return client_; }
  std::int64_t delivery_timeout_ms() const { return options_.delivery_timeout_ms; }

 private:
  struct waiting_record {
    producer_record record;
    delivery_callback cb;
    std::int64_t enqueued_ms;
    std::int64_t bytes;  // counted in handover_bytes_ until it leaves the intake
  };
  // Indexed by record id (the accumulator numbers appended records densely from 0).
  struct pending_delivery {
    const std::string* topic = nullptr;  // interned in topic_names_
    delivery_callback cb;
  };
  enum class intake_outcome { appended, failed, buffer_full };
  struct sent_batch {
    sdk::batch_id id;
    sdk::topic_partition tp;
    std::string bytes;
  };

  void wake() {
    wake_pending_ = true;
    wake_.cancel();
  }

  void notify_progress() {
    for (asio::steady_timer* t : progress_waiters_)
      t->cancel();
  }

  asio::awaitable<void> wait_progress(steady_clock::time_point deadline) {
    asio::steady_timer t(client_.io(), deadline);
    progress_waiters_.insert(&t);
    co_await t.async_wait(use_tuple);
    progress_waiters_.erase(&t);
  }

  void report_retriable(const sdk::topic_partition& tp, std::error_code ec) {
    if (options_.on_retriable_error) options_.on_retriable_error(tp, ec);
  }

  void deliver_reports() {
    auto reports = accumulator_.take_delivery_reports();
    for (auto& r : reports) {
      std::uint64_t index = r.id.value() - deliveries_base_;
      CAIRN_ASSERT(r.id.value() >= deliveries_base_ && index < deliveries_.size(),
                   "delivery report for unknown record {}", r.id.value());
      pending_delivery& d = deliveries_[index];
      delivery_callback cb = std::move(d.cb);
      d.cb = nullptr;
      if (r.offset) {
        cb(record_metadata{{*d.topic, r.partition}, r.offset.value()});
      } else {
        cb(r.offset.error());
      }
    }
    while (!deliveries_.empty() && !deliveries_.front().cb) {
      deliveries_.pop_front();
      ++deliveries_base_;
    }
    if (!reports.empty()) notify_progress();
  }

  static std::int64_t handover_bytes(const producer_record& r) {
    std::int64_t n = static_cast<std::int64_t>(sizeof(waiting_record) + r.topic.size());
    if (r.key) n += static_cast<std::int64_t>(r.key->size());
    if (r.value) n += static_cast<std::int64_t>(r.value->size());
    for (const auto& h : r.headers)
      n += static_cast<std::int64_t>(h.key.size() + (h.value ? h.value->size() : 0));
    return n;
  }

  // Appends the intake's records in order until one must wait, which the intake coroutine then
  // takes over; it calls this again when that record is in.
  void run_intake() {
    if (intake_running_) return;  // the coroutine owns the front record
    const std::int64_t now = steady_ms();
    std::int64_t released = 0;
    bool appended = false;
    while (!intake_.empty()) {
      waiting_record& w = intake_.front();
      const topic_info* topic = client_.metadata().topic(w.record.topic);
      intake_outcome outcome = intake_outcome::buffer_full;
      if (topic != nullptr && !closed_) {
        outcome = append_now(w, static_cast<std::int32_t>(topic->partitions.size()), now);
      }
      if (outcome == intake_outcome::buffer_full) {
        intake_running_ = true;
        asio::co_spawn(client_.io(), intake_loop(shared_from_this()), asio::detached);
        break;
      }
      appended = appended || outcome == intake_outcome::appended;
      released += w.bytes;
      intake_.pop_front();
    }
    release_handover(released);
    if (appended) wake();
  }

  void release_handover(std::int64_t bytes) {
    if (bytes == 0) return;
    {
      std::lock_guard lock(handover_mu_);
      handover_bytes_ -= bytes;
    }
    handover_room_.notify_all();
  }

  // Partitions and appends one record to a topic of `count` partitions; a failure for good is
  // handed to its callback here.
  intake_outcome append_now(waiting_record& w, std::int32_t count, std::int64_t now_ms) {
    const producer_record& rec = w.record;
    if (count <= 0) {
      w.cb(protocol::errc::unknown_partition);
      return intake_outcome::failed;
    }
    std::vector<eventstore::header_view> headers;  // no allocation without headers
    for (const auto& h : rec.headers) {
      headers.push_back({h.key, h.value ? std::optional<std::string_view>(*h.value)
                                        : std::optional<std::string_view>()});
    }
    sdk::producer_record input{
        .key = rec.key ? std::optional<std::string_view>(*rec.key) : std::nullopt,
        .value = rec.value ? std::optional<std::string_view>(*rec.value) : std::nullopt,
        .headers = headers,
        .timestamp_ms = rec.timestamp_ms >= 0 ? rec.timestamp_ms : wall_ms()};
    std::int32_t partition = 0;
    if (rec.partition) {
      partition = *rec.partition;
      if (partition < 0 || partition >= count) {
        w.cb(sdk::errc::invalid_partition);
        return intake_outcome::failed;
      }
    } else {
      std::optional<std::string_view> key = input.key;
      partition = partitioner_.partition(rec.topic, key, count);
      if (!key && accumulator_.would_open_batch({rec.topic, partition}, input)) {
        partitioner_.on_new_batch(rec.topic, partition, count);
        partition = partitioner_.partition(rec.topic, key, count);
      }
    }
    auto id = accumulator_.append({rec.topic, partition}, input, now_ms);
    if (!id && id.error() == sdk::errc::buffer_full) return intake_outcome::buffer_full;
    if (!id) {
      w.cb(id.error());
      return intake_outcome::failed;
    }
    CAIRN_ASSERT(id.value().value() == deliveries_base_ + deliveries_.size(),
                 "record id {} is not the next one", id.value().value());
    auto name = topic_names_.find(rec.topic);
    if (name == topic_names_.end()) name = topic_names_.insert(rec.topic).first;
    deliveries_.push_back({&*name, std::move(w.cb)});
    return intake_outcome::appended;
  }

  // The front record, when it could not go straight in: looks its topic up (retriable failures
  // wait with backoff, up to delivery_timeout_ms from send()) and waits out back-pressure.
  asio::awaitable<void> intake_one(waiting_record& w) {
    const auto& rec = w.record;
    std::int64_t give_up_ms = w.enqueued_ms + options_.delivery_timeout_ms;
    std::int32_t failures = 0;
    // Bounded by give_up_ms: every turn that does not return waits at least a backoff.
    while (true) {
      if (closed_) {
        w.cb(sdk::errc::aborted);
        co_return;
      }
      auto topic = co_await client_.topic(rec.topic);
      if (closed_) continue;
      if (!topic) {
        // A broker's answer (unknown_topic) came from a fresh lookup: topics are created
        // explicitly, so waiting would only delay the error. Unreachable brokers are waited for.
        if (!sdk::is_retriable(topic.error()) ||
            topic.error().category() == protocol::protocol_category() ||
            steady_ms() >= give_up_ms) {
          w.cb(topic.error());
          co_return;
        }
        report_retriable({rec.topic, -1}, topic.error());
        sdk::backoff_policy backoff{options_.retry_backoff_ms, 10 * options_.retry_backoff_ms};
        co_await wait_progress(steady_clock::now() +
                               std::chrono::milliseconds(backoff.delay_ms(++failures, prng_)));
        continue;
      }
      auto count = static_cast<std::int32_t>(topic.value().partitions.size());
      auto outcome = append_now(w, count, steady_ms());
      if (outcome == intake_outcome::buffer_full) {
        if (steady_ms() >= give_up_ms) {
          w.cb(sdk::errc::buffer_full);
          co_return;
        }
        wake();  // a full buffer makes every batch ready: send them to make room
        co_await wait_progress(steady_at(give_up_ms));
        continue;
      }
      if (outcome == intake_outcome::appended) wake();
      co_return;
    }
  }

  // Owns the front record while it waits, so close() meanwhile cannot pull it away.
  asio::awaitable<void> intake_loop([[maybe_unused]] std::shared_ptr<producer_impl> self) {
    if (!intake_.empty()) {
      waiting_record w = std::move(intake_.front());
      intake_.pop_front();
      co_await intake_one(w);
      release_handover(w.bytes);
      notify_progress();
    }
    intake_running_ = false;
    run_intake();
  }

  asio::awaitable<void> sender_loop([[maybe_unused]] std::shared_ptr<producer_impl> self) {
    while (!closed_ || !inflight_requests_.empty()) {
      wake_pending_ = false;
      if (accumulator_.needs_producer() && !identity_pending_ && !closed_) {
        identity_pending_ = true;
        asio::co_spawn(client_.io(), init_identity(self), asio::detached);
      }
      std::set<std::string> leaderless;
      auto& metadata = client_.metadata();
      auto requests = accumulator_.drain(
          steady_ms(), 0, [&](const sdk::topic_partition& tp) -> std::optional<std::int32_t> {
            if (auto leader = metadata.leader_for(tp)) return leader->node_id;
            leaderless.insert(tp.topic);
            return std::nullopt;
          });
      for (auto& r : requests) {
        std::vector<sent_batch> batches;
        for (auto& b : r.batches)
          batches.push_back({b.id, b.tp, std::string(b.bytes)});
        std::uint64_t request_id = next_request_id_++;
        inflight_requests_.insert(request_id);
        asio::co_spawn(client_.io(), send_request(self, request_id, r.node_id, std::move(batches)),
                       asio::detached);
      }
      deliver_reports();  // drain() may have expired batches
      if (!leaderless.empty() && !refreshing_) {
        refreshing_ = true;
        asio::co_spawn(client_.io(), refresh(self, {leaderless.begin(), leaderless.end()}),
                       asio::detached);
      }
      if (wake_pending_) continue;
      if (closed_ && inflight_requests_.empty()) break;
      auto next = accumulator_.next_ready_ms();
      wake_.expires_at(next ? steady_at(*next) : steady_clock::time_point::max());
      if (!leaderless.empty()) {
        // Leaderless batches are not on the linger clock: look again after a backoff.
        wake_.expires_at(
            std::min(wake_.expiry(),
                     steady_clock::now() + std::chrono::milliseconds(options_.retry_backoff_ms)));
      }
      co_await wake_.async_wait(use_tuple);
    }
  }

  asio::awaitable<void> refresh([[maybe_unused]] std::shared_ptr<producer_impl> self,
                                std::vector<std::string> topics) {
    auto refreshed = co_await client_.refresh_metadata(topics);
    if (!refreshed) {
      for (const auto& t : topics)
        report_retriable({t, -1}, refreshed.error());
    }
    refreshing_ = false;
    wake();
  }

  asio::awaitable<void> send_request([[maybe_unused]] std::shared_ptr<producer_impl> self,
                                     std::uint64_t request_id, std::int32_t node_id,
                                     std::vector<sent_batch> batches) {
    auto fill = [&](wire::Request::Builder req) {
      auto p = req.initProduce();
      p.setAcks(options_.required_acks == acks::none     ? wire::Acks::NONE
                : options_.required_acks == acks::leader ? wire::Acks::LEADER
                                                         : wire::Acks::ALL);
      p.setTimeoutMs(options_.broker_timeout_ms);
      sdk::fill_by_topic(
          batches, [](const sent_batch& b) -> std::string_view { return b.tp.topic; },
          [&](unsigned n) { return p.initTopics(n); },
          [](auto& parts, unsigned i, const sent_batch& b) {
            parts[i].setPartition(b.tp.partition);
            parts[i].setRecords(capnp::Data::Reader(
                reinterpret_cast<const capnp::byte*>(b.bytes.data()), b.bytes.size()));
          });
    };
    auto timeout =
        client_.request_timeout() + std::chrono::milliseconds(options_.broker_timeout_ms);
    auto fail_all = [&](std::error_code ec) {
      for (const auto& b : batches) {
        if (stale_after(ec)) client_.metadata().mark_stale(b.tp.topic);
        if (sdk::is_retriable(ec)) report_retriable(b.tp, ec);
        accumulator_.on_failed(b.id, ec, classify(ec), steady_ms());
      }
    };
    auto broker = client_.metadata().broker(node_id);
    if (!broker) {
      fail_all(sdk::errc::connect_failed);
    } else if (options_.required_acks == acks::none) {
      auto conn = co_await client_.connection_to(*broker);
      result<void> sent =
          conn ? co_await conn.value()->send_only(fill, timeout) : result<void>(conn.error());
      if (sent) {
        for (const auto& b : batches)
          accumulator_.on_acked(b.id, -1);
      } else {
        fail_all(sent.error());
      }
    } else {
      auto response = co_await client_.call(*broker, fill, wire::Response::PRODUCE, timeout);
      if (!response) {
        fail_all(response.error());
      } else {
        std::map<std::pair<std::string, std::int32_t>, std::pair<std::error_code, std::int64_t>>
            results;
        for (auto topic : response.value().root().getProduce().getTopics()) {
          for (auto part : topic.getPartitions()) {
            std::error_code ec;
            if (part.getErrorCode() != wire::ErrorCode::NONE) {
              ec = protocol::from_wire(part.getErrorCode());
            }
            results[{topic.getName(), part.getPartition()}] = {ec, part.getBaseOffset()};
          }
        }
        for (const auto& b : batches) {
          auto it = results.find({b.tp.topic, b.tp.partition});
          std::error_code ec = it == results.end() ? std::error_code(sdk::errc::unexpected_response)
                                                   : it->second.first;
          // A duplicate was written by an earlier attempt: that is this batch's success.
          if (!ec || ec == protocol::errc::duplicate_sequence) {
            accumulator_.on_acked(b.id, it->second.second);
            continue;
          }
          if (stale_after(ec)) client_.metadata().mark_stale(b.tp.topic);
          if (classify(ec) != sdk::failure_kind::fatal) report_retriable(b.tp, ec);
          accumulator_.on_failed(b.id, ec, classify(ec), steady_ms());
        }
      }
    }
    inflight_requests_.erase(request_id);
    deliver_reports();
    wake();
  }

  client_impl& client_;
  producer_options options_;
  sdk::record_accumulator accumulator_;
  sdk::partitioner partitioner_;
  std::mt19937_64 prng_;
  asio::steady_timer wake_;
  bool wake_pending_ = false;
  std::set<asio::steady_timer*> progress_waiters_;
  // The hand-off from send() callers (any thread) to the io thread.
  std::mutex handover_mu_;
  std::condition_variable handover_room_;
  std::vector<waiting_record> handover_;  // guarded by handover_mu_
  std::int64_t handover_bytes_ = 0;       // guarded; records handed over, not yet appended
  bool handover_posted_ = false;          // guarded; a take_handover() is on its way
  bool handover_closed_ = false;          // guarded
  std::vector<waiting_record> taken_;     // io thread: swapped with handover_

  std::deque<waiting_record> intake_;  // bounded by buffer_bytes_max through handover_bytes_
  bool intake_running_ = false;
  std::deque<pending_delivery> deliveries_;  // from record id deliveries_base_ on
  std::uint64_t deliveries_base_ = 0;
  std::set<std::string, std::less<>> topic_names_;
  std::set<std::uint64_t> inflight_requests_;
  std::uint64_t next_request_id_ = 0;
  bool refreshing_ = false;
  bool identity_pending_ = false;  // an InitProducerId is on its way
  bool closed_ = false;
  std::atomic<std::int64_t> producer_id_{-1};
};

// ---------------------------------------------------------------------------------------------

namespace {

eventstore::compression_codec codec_of(compression_type type) {
  switch (type) {
    case compression_type::none:
      return eventstore::compression_codec::none;
    case compression_type::gzip:
      return eventstore::compression_codec::gzip;
    case compression_type::snappy:
      return eventstore::compression_codec::snappy;
    case compression_type::lz4:
      return eventstore::compression_codec::lz4;
    case compression_type::zstd:
      return eventstore::compression_codec::zstd;
  }
  CAIRN_ASSERT(false, "compression_type {}", static_cast<int>(type));
  return eventstore::compression_codec::none;
}

}  // namespace

std::optional<compression_type> compression_type_from_name(std::string_view name) {
  for (auto type : {compression_type::none, compression_type::gzip, compression_type::snappy,
                    compression_type::lz4, compression_type::zstd}) {
    if (eventstore::codec_name(codec_of(type)) == name) return type;
  }
  return std::nullopt;
}

result<std::unique_ptr<producer>> producer::create(client& c, producer_options options) {
  sdk::accumulator_config config{
      .batch_bytes_max = options.batch_bytes_max,
      .linger_ms = options.linger_ms,
      .buffer_bytes_max = options.buffer_bytes_max,
      .request_bytes_max = options.request_bytes_max,
      .retry_backoff_ms = options.retry_backoff_ms,
      .delivery_timeout_ms = options.delivery_timeout_ms,
      // Kafka: idempotence needs acks=all.
      .idempotence = options.idempotence && options.required_acks == acks::all,
      .compression = codec_of(options.compression)};
  CAIRN_TRY(sdk::validate(config));
  if (options.broker_timeout_ms <= 0) return sdk::errc::invalid_config;
  auto impl = std::make_shared<producer_impl>(c.impl(), std::move(options), config);
  impl->start();
  return std::unique_ptr<producer>(new producer(std::move(impl)));
}

producer::producer(std::shared_ptr<producer_impl> impl) : impl_(std::move(impl)) {}

producer::~producer() {
  auto& c = impl_->client_ref();
  (void)flush(impl_->delivery_timeout_ms());
  c.run_blocking([impl = impl_]() -> asio::awaitable<void> {
    impl->close();
    co_return;
  });
}

void producer::send(producer_record record, delivery_callback callback) {
  impl_->submit(std::move(record), std::move(callback));
}

std::future<delivery_result> producer::send(producer_record record) {
  auto promise = std::make_shared<std::promise<delivery_result>>();
  auto future = promise->get_future();
  send(std::move(record), [promise](const delivery_result& r) { promise->set_value(r); });
  return future;
}

asio::awaitable<result<void>> producer::async_flush(std::int64_t timeout_ms) {
  co_return co_await impl_->flush(timeout_ms);
}

result<void> producer::flush(std::int64_t timeout_ms) {
  return impl_->client_ref().block_on<result<void>>([&] { return async_flush(timeout_ms); });
}

std::int64_t producer::producer_id() const {
  return impl_->producer_id();
}

}  // namespace cairn
