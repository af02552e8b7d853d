// cairn::consumer: positions per assigned partition, ListOffsets for seeks and resets, and
// long-poll Fetch grouped by leader.
//
// Throughput: a fetch answer is kept whole and handed out records_max at a time (the rest is not
// fetched again), and when one broker leads every assigned partition, the next fetch is sent as
// soon as a poll has taken the last buffered records, so the network and the broker work while
// the application handles them (Kafka's consumer pipelines its fetches the same way). Any
// assign() or seek drops the buffer and the fetch ahead: their offsets no longer apply.
#include "cairn/consumer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>

#include "sdk/client/client_impl.h"
#include "sdk/client/record_decoder.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

namespace {

// A fetched partition's records not yet handed out: whole batches, from `offset` on.
struct buffered_part {
  topic_partition tp;
  std::int64_t offset = 0;  // the position these bytes continue from
  std::string_view bytes;   // into *owner
  std::shared_ptr<const protocol::parsed_response> owner;
};

// A fetch sent ahead of the poll that will want it. The coroutine that sends it fills `answer`
// and cancels `ready`; the consumer may have dropped its interest meanwhile.
struct fetch_ahead {
  explicit fetch_ahead(boost::asio::io_context& io)
      : ready(io, boost::asio::steady_timer::time_point::max()) {}
  boost::asio::steady_timer ready;
  std::optional<result<protocol::parsed_response>> answer;
  std::map<topic_partition, std::int64_t> offsets;  // what it asked for
};

// How long a fetch sent ahead may wait at the broker (Kafka's fetch.max.wait.ms default).
constexpr std::int32_t kFetchAheadWaitMs = 500;

}  // namespace

struct consumer::state {
  // nullopt: no position yet (options.reset decides at the next poll).
  std::map<topic_partition, std::optional<std::int64_t>> positions;
  std::deque<buffered_part> buffered;
  std::shared_ptr<fetch_ahead> ahead;

  // Offsets changed under the buffer and the fetch ahead: forget both.
  void invalidate() {
    buffered.clear();
    ahead.reset();
  }

  result<void> absorb(client_impl& c, const consumer_options& options,
                      protocol::parsed_response response,
                      const std::map<topic_partition, std::int64_t>& asked);
  result<void> take_buffered(const consumer_options& options, std::vector<consumer_record>& out);
  void start_fetch_ahead(client_impl& c, const consumer_options& options);
};

namespace {

// Turns a poll may take: each waits for records (long poll) or resolves positions; the
// deadline ends it earlier. The bound keeps a broker that answers instantly with nothing
// (errors) from spinning the loop.
constexpr int kPollTurnsMax = 64;

bool stale_error(std::error_code ec) {
  if (ec.category() == protocol::protocol_category()) {
    return protocol::needs_metadata_refresh(static_cast<protocol::errc>(ec.value()));
  }
  return ec == sdk::errc::connect_failed || ec == sdk::errc::connection_lost;
}

// ListOffsets for one partition: the offset for `timestamp` (or a sentinel). An answer of -1
// (no record at or after the timestamp) becomes the high watermark, as Kafka's consumers do.
asio::awaitable<result<std::int64_t>> list_offset(client_impl& c, topic_partition tp,
                                                  std::int64_t timestamp) {
  BOOST_OUTCOME_CO_TRY(auto leader, co_await c.leader_for(tp));
  auto response = co_await c.call(
      leader,
      [&](wire::Request::Builder req) {
        auto t = req.initListOffsets().initTopics(1)[0];
        t.setName(tp.topic);
        auto p = t.initPartitions(1)[0];
        p.setPartition(tp.partition);
        p.setTimestamp(timestamp);
      },
      wire::Response::LIST_OFFSETS, c.request_timeout());
  if (!response) {
    if (stale_error(response.error())) c.metadata().mark_stale(tp.topic);
    co_return response.error();
  }
  auto topics = response.value().root().getListOffsets().getTopics();
  if (topics.size() != 1 || topics[0].getPartitions().size() != 1) {
    co_return sdk::errc::unexpected_response;
  }
  auto p = topics[0].getPartitions()[0];
  if (p.getErrorCode() != wire::ErrorCode::NONE) {
    auto ec = protocol::from_wire(p.getErrorCode());
    if (stale_error(ec)) c.metadata().mark_stale(tp.topic);
    co_return ec;
  }
  if (p.getOffset() < 0 && timestamp >= 0) {
    std::int64_t end = wire::LATEST_TIMESTAMP;
    co_return co_await list_offset(c, std::move(tp), end);
  }
  co_return p.getOffset();
}

}  // namespace

consumer::consumer(client& c, consumer_options options)
    : client_(c), options_(options), state_(std::make_unique<state>()) {}

consumer::~consumer() = default;

void consumer::assign(std::vector<topic_partition> partitions) {
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    std::map<topic_partition, std::optional<std::int64_t>> next;
    for (auto& tp : partitions) {
      auto it = state_->positions.find(tp);
      next[tp] = it == state_->positions.end() ? std::nullopt : it->second;
    }
    state_->positions = std::move(next);
    state_->invalidate();
    co_return;
  });
}

std::vector<topic_partition> consumer::assignment() const {
  std::vector<topic_partition> out;
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    for (const auto& [tp, pos] : state_->positions)
      out.push_back(tp);
    co_return;
  });
  return out;
}

std::optional<std::int64_t> consumer::position(const topic_partition& tp) const {
  std::optional<std::int64_t> out;
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    if (auto it = state_->positions.find(tp); it != state_->positions.end()) out = it->second;
    co_return;
  });
  return out;
}

result<void> consumer::seek(const topic_partition& tp, std::int64_t offset) {
  result<void> out = success();
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    auto it = state_->positions.find(tp);
    if (it == state_->positions.end()) {
      out = sdk::errc::not_assigned;
    } else if (offset < 0) {
      out = protocol::errc::offset_out_of_range;
    } else {
      it->second = offset;
      state_->invalidate();
    }
    co_return;
  });
  return out;
}

asio::awaitable<result<void>> consumer::async_seek_to_beginning(std::vector<topic_partition> tps) {
  for (auto& tp : tps) {
    if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
    BOOST_OUTCOME_CO_TRY(auto offset,
                         co_await list_offset(client_.impl(), tp, wire::EARLIEST_TIMESTAMP));
    state_->positions[tp] = offset;
    state_->invalidate();
  }
  co_return success();
}

asio::awaitable<result<void>> consumer::async_seek_to_end(std::vector<topic_partition> tps) {
  for (auto& tp : tps) {
    if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
    BOOST_OUTCOME_CO_TRY(auto offset,
                         co_await list_offset(client_.impl(), tp, wire::LATEST_TIMESTAMP));
    state_->positions[tp] = offset;
    state_->invalidate();
  }
  co_return success();
}

asio::awaitable<result<void>> consumer::async_seek_to_timestamp(topic_partition tp,
                                                                std::int64_t timestamp_ms) {
  if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
  if (timestamp_ms < 0) co_return protocol::errc::invalid_request;
  BOOST_OUTCOME_CO_TRY(auto offset, co_await list_offset(client_.impl(), tp, timestamp_ms));
  state_->positions[tp] = offset;
  state_->invalidate();
  co_return success();
}

result<void> consumer::seek_to_beginning(const std::vector<topic_partition>& tps) {
  return client_.impl().block_on<result<void>>([&] { return async_seek_to_beginning(tps); });
}

result<void> consumer::seek_to_end(const std::vector<topic_partition>& tps) {
  return client_.impl().block_on<result<void>>([&] { return async_seek_to_end(tps); });
}

result<void> consumer::seek_to_timestamp(const topic_partition& tp, std::int64_t timestamp_ms) {
  return client_.impl().block_on<result<void>>(
      [&] { return async_seek_to_timestamp(tp, timestamp_ms); });
}

namespace {

// One Fetch to `leader` for these partitions at these offsets.
asio::awaitable<result<protocol::parsed_response>> send_fetch(
    client_impl& c, broker_info leader, std::map<topic_partition, std::int64_t> offsets,
    std::int32_t wait_ms, consumer_options options) {
  auto response = co_await c.call(
      leader,
      [&](wire::Request::Builder req) {
        auto f = req.initFetch();
        f.setMaxWaitMs(wait_ms);
        f.setMinBytes(1);
        f.setMaxBytes(options.fetch_bytes_max);
        std::map<std::string_view, std::vector<std::pair<std::int32_t, std::int64_t>>> by_topic;
        for (const auto& [tp, offset] : offsets)
          by_topic[tp.topic].emplace_back(tp.partition, offset);
        auto topics = f.initTopics(static_cast<unsigned>(by_topic.size()));
        unsigned t = 0;
        for (const auto& [name, list] : by_topic) {
          auto topic = topics[t++];
          topic.setName(std::string(name));
          auto parts = topic.initPartitions(static_cast<unsigned>(list.size()));
          for (unsigned i = 0; i < list.size(); ++i) {
            parts[i].setPartition(list[i].first);
            parts[i].setFetchOffset(list[i].second);
            parts[i].setPartitionMaxBytes(options.partition_fetch_bytes_max);
          }
        }
      },
      wire::Response::FETCH, c.request_timeout() + std::chrono::milliseconds(wait_ms));
  if (!response && stale_error(response.error())) {
    for (const auto& [tp, offset] : offsets)
      c.metadata().mark_stale(tp.topic);
  }
  co_return response;
}

asio::awaitable<void> run_fetch_ahead(client_impl& c, std::shared_ptr<fetch_ahead> ahead,
                                      broker_info leader, consumer_options options) {
  auto answer =
      co_await send_fetch(c, std::move(leader), ahead->offsets, kFetchAheadWaitMs, options);
  ahead->answer.emplace(std::move(answer));
  ahead->ready.cancel();
}

}  // namespace

// Takes a Fetch answer into the buffer: the records of every partition still at the offset it
// was fetched from. Partition errors reset the position, mark metadata stale, or fail the poll.
result<void> consumer::state::absorb(client_impl& c, const consumer_options& options,
                                     protocol::parsed_response response,
                                     const std::map<topic_partition, std::int64_t>& asked) {
  auto owner = std::make_shared<const protocol::parsed_response>(std::move(response));
  for (auto topic : owner->root().getFetch().getTopics()) {
    std::string name = topic.getName();
    for (auto part : topic.getPartitions()) {
      topic_partition tp{name, part.getPartition()};
      auto it = positions.find(tp);
      auto fetched_at = asked.find(tp);
      if (it == positions.end() || !it->second || fetched_at == asked.end() ||
          *it->second != fetched_at->second) {
        continue;  // no longer assigned, or moved since: this answer is not for it
      }
      if (part.getErrorCode() != wire::ErrorCode::NONE) {
        auto ec = protocol::from_wire(part.getErrorCode());
        if (ec == protocol::errc::offset_out_of_range && options.reset != offset_reset::none) {
          it->second.reset();  // reset per policy on the next turn
          continue;
        }
        if (stale_error(ec)) {
          c.metadata().mark_stale(name);
          continue;  // the next turn asks the new leader
        }
        return ec;
      }
      auto bytes = part.getRecords();
      if (bytes.size() == 0) continue;
      buffered.push_back(
          {tp, *it->second,
           std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), owner});
    }
  }
  return success();
}

// Hands out buffered records, up to records_max in `out`, moving the positions.
result<void> consumer::state::take_buffered(const consumer_options& options,
                                            std::vector<consumer_record>& out) {
  while (!buffered.empty() && out.size() < options.records_max) {
    buffered_part& part = buffered.front();
    auto it = positions.find(part.tp);
    if (it == positions.end() || !it->second || *it->second != part.offset) {
      buffered.pop_front();
      continue;
    }
    std::size_t consumed = 0;
    auto next = sdk::decode_records(part.tp.topic, part.tp.partition, part.bytes, part.offset,
                                    options.records_max, out, &consumed);
    if (!next) {
      buffered.pop_front();
      return next.error();
    }
    it->second = next.value();
    part.offset = next.value();
    part.bytes.remove_prefix(consumed);
    if (part.bytes.empty() || out.size() < options.records_max) buffered.pop_front();
  }
  return success();
}

asio::awaitable<result<std::vector<consumer_record>>> consumer::async_poll(
    std::int64_t timeout_ms) {
  auto& c = client_.impl();
  auto deadline =
      steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, timeout_ms));
  std::vector<consumer_record> out;
  for (int turn = 0; turn < kPollTurnsMax; ++turn) {
    BOOST_OUTCOME_CO_TRY(state_->take_buffered(options_, out));
    if (!out.empty()) break;
    // Positions first: reset the partitions that have none.
    for (auto& [tp, pos] : state_->positions) {
      if (pos) continue;
      if (options_.reset == offset_reset::none) co_return sdk::errc::no_position;
      std::int64_t ts = options_.reset == offset_reset::earliest ? wire::EARLIEST_TIMESTAMP
                                                                 : wire::LATEST_TIMESTAMP;
      BOOST_OUTCOME_CO_TRY(auto offset, co_await list_offset(c, tp, ts));
      pos = offset;
    }
    // A fetch sent ahead: wait for it (until the deadline), then take its answer.
    if (auto ahead = state_->ahead) {
      if (!ahead->answer) {
        ahead->ready.expires_at(deadline);
        co_await ahead->ready.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (state_->ahead != ahead) continue;  // dropped meanwhile
      if (!ahead->answer) break;             // the deadline came first; it stays in flight
      state_->ahead.reset();
      auto answer = std::move(*ahead->answer);
      if (!answer) co_return answer.error();
      BOOST_OUTCOME_CO_TRY(state_->absorb(c, options_, std::move(answer).value(), ahead->offsets));
      continue;
    }
    // Group by leader: one Fetch per broker.
    std::map<std::string, std::pair<broker_info, std::map<topic_partition, std::int64_t>>>
        by_leader;
    for (const auto& [tp, pos] : state_->positions) {
      BOOST_OUTCOME_CO_TRY(auto leader, co_await c.leader_for(tp));
      auto& slot = by_leader[leader.host + ":" + std::to_string(leader.port)];
      slot.first = leader;
      slot.second.emplace(tp, *pos);
    }
    if (by_leader.empty()) co_return out;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    // Long-poll only when one broker is asked: waiting on one would delay the others' records.
    std::int32_t wait_ms =
        by_leader.size() == 1
            ? static_cast<std::int32_t>(std::clamp<std::int64_t>(left.count(), 0, 60'000))
            : 0;
    for (auto& [address, group] : by_leader) {
      auto& [leader, offsets] = group;
      BOOST_OUTCOME_CO_TRY(auto answer, co_await send_fetch(c, leader, offsets, wait_ms, options_));
      BOOST_OUTCOME_CO_TRY(state_->absorb(c, options_, std::move(answer), offsets));
    }
    BOOST_OUTCOME_CO_TRY(state_->take_buffered(options_, out));
    if (!out.empty() || steady_clock::now() >= deadline) break;
  }
  if (!out.empty() && state_->buffered.empty() && !state_->ahead)
    state_->start_fetch_ahead(c, options_);
  co_return out;
}

// When one broker leads every assigned partition (the common case), sends the next Fetch now.
void consumer::state::start_fetch_ahead(client_impl& c, const consumer_options& options) {
  std::optional<broker_info> leader;
  auto next = std::make_shared<fetch_ahead>(c.io());
  for (const auto& [tp, pos] : positions) {
    auto l = c.metadata().leader_for(tp);
    if (!pos || !l || (leader && (l->host != leader->host || l->port != leader->port))) return;
    leader = l;
    next->offsets.emplace(tp, *pos);
  }
  if (!leader) return;
  ahead = next;
  asio::co_spawn(c.io(), run_fetch_ahead(c, next, *leader, options), asio::detached);
}

result<std::vector<consumer_record>> consumer::poll(std::int64_t timeout_ms) {
  return client_.impl().block_on<result<std::vector<consumer_record>>>(
      [&] { return async_poll(timeout_ms); });
}

}  // namespace cairn
