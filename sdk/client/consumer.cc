// cairn::consumer: positions per assigned partition, ListOffsets for seeks and resets, and
// long-poll Fetch grouped by leader.
//
// Throughput: a fetch answer is kept whole and handed out records_max at a time (the rest is not
// fetched again), and when one broker leads every assigned partition, the next fetch is sent as
// soon as a poll has taken the last buffered records, so the network and the broker work while
// the application handles them (Kafka's consumer pipelines its fetches the same way). Any
// assign(), seek, pause or rebalance drops the buffer and the fetch ahead: their offsets or
// partitions no longer apply.
//
// poll() runs in turns (state::poll_once): a turn ends with records, at the deadline, or with a
// group event, whose listener callback poll() runs on the caller's thread before the next turn.
// The group side (subscribe, commit, pause, close) is in consumer_group.cc.
#include "cairn/consumer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sdk/client/by_topic.h"
#include "sdk/client/consumer_state.h"
#include "sdk/client/record_decoder.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using consumer_detail::buffered_part;
using consumer_detail::fetch_ahead;
using consumer_detail::poll_turn;
using std::chrono::steady_clock;

namespace {

// How long a fetch sent ahead may wait at the broker (Kafka's fetch.max.wait.ms default).
constexpr std::int32_t kFetchAheadWaitMs = 500;

// A group member's long poll is cut to this, so that a rebalance the heartbeats asked for starts
// within it rather than after the caller's whole timeout.
constexpr std::int64_t kGroupFetchWaitMsMax = 500;

// Group events one poll() hands to the listener: a rebalance makes at most a few (revoked,
// assigned, maybe lost); the bound keeps a flapping group from holding poll() forever.
constexpr int kGroupEventsPerPollMax = 32;

// Turns a poll may take: each waits for records (long poll) or resolves positions; the
// deadline ends it earlier. The bound keeps a broker that answers instantly with nothing
// (errors) from spinning the loop.
constexpr int kPollTurnsMax = 64;

}  // namespace

consumer::consumer(client& c, consumer_options options)
    : client_(c), options_(options), state_(std::make_unique<state>()) {}

result<void> consumer::try_assign(std::vector<topic_partition> partitions) {
  return client_.impl().block_on<result<void>>([&] { return async_assign(std::move(partitions)); });
}

asio::awaitable<result<void>> consumer::async_assign(std::vector<topic_partition> partitions) {
  if (state_->closed) co_return sdk::errc::consumer_closed;
  if (state_->group) co_return sdk::errc::subscription_conflict;
  std::map<topic_partition, std::optional<std::int64_t>> next;
  for (auto& tp : partitions) {
    auto it = state_->positions.find(tp);
    next[tp] = it == state_->positions.end() ? std::nullopt : it->second;
  }
  state_->positions = std::move(next);
  std::erase_if(state_->paused, [&](const auto& tp) { return !state_->positions.contains(tp); });
  state_->manual = !state_->positions.empty();
  state_->invalidate();
  co_return success();
}

void consumer::assign(std::vector<topic_partition> partitions) {
  auto assigned = try_assign(std::move(partitions));
  CAIRN_ASSERT(assigned.has_value(), "consumer::assign: {}", assigned.error().message());
}

std::vector<topic_partition> consumer::assignment() const {
  std::vector<topic_partition> out;
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    std::set<topic_partition> leaving(state_->pending_removal.begin(),
                                      state_->pending_removal.end());
    for (const auto& [tp, pos] : state_->positions) {
      if (!leaving.contains(tp)) out.push_back(tp);
    }
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
  return client_.impl().block_on<result<void>>([&] { return async_seek(tp, offset); });
}

asio::awaitable<result<void>> consumer::async_seek(topic_partition tp, std::int64_t offset) {
  auto it = state_->positions.find(tp);
  if (it == state_->positions.end()) co_return sdk::errc::not_assigned;
  if (offset < 0) co_return protocol::errc::offset_out_of_range;
  it->second = offset;
  state_->needs_committed.erase(tp);
  state_->invalidate();
  co_return success();
}

asio::awaitable<result<void>> consumer::async_seek_to_beginning(std::vector<topic_partition> tps) {
  for (auto& tp : tps) {
    if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
    BOOST_OUTCOME_CO_TRY(auto offset,
                         co_await client_.impl().list_offset(tp, wire::EARLIEST_TIMESTAMP));
    state_->positions[tp] = offset;
    state_->needs_committed.erase(tp);
    state_->invalidate();
  }
  co_return success();
}

asio::awaitable<result<void>> consumer::async_seek_to_end(std::vector<topic_partition> tps) {
  for (auto& tp : tps) {
    if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
    BOOST_OUTCOME_CO_TRY(auto offset,
                         co_await client_.impl().list_offset(tp, wire::LATEST_TIMESTAMP));
    state_->positions[tp] = offset;
    state_->needs_committed.erase(tp);
    state_->invalidate();
  }
  co_return success();
}

asio::awaitable<result<void>> consumer::async_seek_to_timestamp(topic_partition tp,
                                                                std::int64_t timestamp_ms) {
  if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
  if (timestamp_ms < 0) co_return protocol::errc::invalid_request;
  BOOST_OUTCOME_CO_TRY(auto offset, co_await client_.impl().list_offset(tp, timestamp_ms));
  state_->positions[tp] = offset;
  state_->needs_committed.erase(tp);
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
        sdk::fill_by_topic(
            offsets, [](const auto& at) -> std::string_view { return at.first.topic; },
            [&](unsigned n) { return f.initTopics(n); },
            [&](auto& parts, unsigned i, const auto& at) {
              parts[i].setPartition(at.first.partition);
              parts[i].setFetchOffset(at.second);
              parts[i].setPartitionMaxBytes(options.partition_fetch_bytes_max);
            });
      },
      wire::Response::FETCH, c.request_timeout() + std::chrono::milliseconds(wait_ms));
  if (!response && client_impl::is_stale_error(response.error())) {
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
        if (client_impl::is_stale_error(ec)) {
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

// Positions for partitions without one: the group's committed offset for newly assigned ones,
// else options.reset.
asio::awaitable<result<void>> consumer::state::resolve_positions(client_impl& c,
                                                                 const consumer_options& options) {
  if (group && !needs_committed.empty()) {
    std::vector<topic_partition> wanted;
    for (const auto& tp : needs_committed) {
      auto it = positions.find(tp);
      if (it != positions.end() && !it->second) wanted.push_back(tp);
    }
    auto g = group;
    BOOST_OUTCOME_CO_TRY(auto committed, co_await g->fetch_committed(wanted));
    for (const auto& tp : wanted) {
      needs_committed.erase(tp);
      auto it = positions.find(tp);
      auto found = committed.find(tp);
      if (it != positions.end() && !it->second && found != committed.end()) {
        it->second = found->second;
      }
    }
    needs_committed.clear();
  }
  for (auto& [tp, pos] : positions) {
    if (pos) continue;
    if (options.reset == offset_reset::none) co_return sdk::errc::no_position;
    std::int64_t ts =
        options.reset == offset_reset::earliest ? wire::EARLIEST_TIMESTAMP : wire::LATEST_TIMESTAMP;
    BOOST_OUTCOME_CO_TRY(auto offset, co_await c.list_offset(tp, ts));
    pos = offset;
  }
  co_return success();
}

asio::awaitable<result<poll_turn>> consumer::state::poll_once(client_impl& c,
                                                              const consumer_options& options,
                                                              time_point deadline) {
  poll_turn out;
  for (int turn = 0; turn < kPollTurnsMax; ++turn) {
    if (group) {
      BOOST_OUTCOME_CO_TRY(auto event, co_await group_turn(options));
      if (event) {
        out.event = std::move(event);
        co_return out;
      }
    }
    BOOST_OUTCOME_CO_TRY(take_buffered(options, out.records));
    if (!out.records.empty()) break;
    BOOST_OUTCOME_CO_TRY(co_await resolve_positions(c, options));
    // A fetch sent ahead: wait for it (until the deadline), then take its answer.
    if (auto pending = ahead) {
      if (!pending->answer) {
        pending->ready.expires_at(deadline);
        co_await pending->ready.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (ahead != pending) continue;  // dropped meanwhile
      if (!pending->answer) break;     // the deadline came first; it stays in flight
      ahead.reset();
      auto answer = std::move(*pending->answer);
      if (!answer) co_return answer.error();
      BOOST_OUTCOME_CO_TRY(absorb(c, options, std::move(answer).value(), pending->offsets));
      continue;
    }
    // Group by leader: one Fetch per broker. Paused partitions are left out.
    std::map<std::string, std::pair<broker_info, std::map<topic_partition, std::int64_t>>>
        by_leader;
    for (const auto& [tp, pos] : positions) {
      if (paused.contains(tp)) continue;
      BOOST_OUTCOME_CO_TRY(auto leader, co_await c.leader_for(tp));
      auto& slot = by_leader[leader.host + ":" + std::to_string(leader.port)];
      slot.first = leader;
      slot.second.emplace(tp, *pos);
    }
    if (by_leader.empty()) {
      // Nothing to read: a group member waits for its group (a rebalance may bring partitions).
      if (!group || steady_clock::now() >= deadline) break;
      auto g = group;
      co_await g->wait_for_change(deadline);
      continue;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    std::int64_t wait_max_ms = group ? kGroupFetchWaitMsMax : 60'000;
    // Long-poll only when one broker is asked: waiting on one would delay the others' records.
    std::int32_t wait_ms =
        by_leader.size() == 1
            ? static_cast<std::int32_t>(std::clamp<std::int64_t>(left.count(), 0, wait_max_ms))
            : 0;
    for (auto& [address, batch] : by_leader) {
      auto& [leader, offsets] = batch;
      BOOST_OUTCOME_CO_TRY(auto answer, co_await send_fetch(c, leader, offsets, wait_ms, options));
      BOOST_OUTCOME_CO_TRY(absorb(c, options, std::move(answer), offsets));
    }
    BOOST_OUTCOME_CO_TRY(take_buffered(options, out.records));
    if (!out.records.empty() || steady_clock::now() >= deadline) break;
  }
  if (!out.records.empty() && buffered.empty() && !ahead) start_fetch_ahead(c, options);
  co_return out;
}

asio::awaitable<result<std::vector<consumer_record>>> consumer::async_poll(
    std::int64_t timeout_ms) {
  auto& c = client_.impl();
  if (state_->closed) co_return sdk::errc::consumer_closed;
  auto deadline =
      steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, timeout_ms));
  auto group = state_->group;
  if (group) group->poll_started();
  result<std::vector<consumer_record>> out = std::vector<consumer_record>{};
  for (int turn = 0; turn < kGroupEventsPerPollMax; ++turn) {
    auto once = co_await state_->poll_once(c, options_, deadline);
    if (!once) {
      out = once.error();
      break;
    }
    if (once.value().event) {
      consumer_detail::deliver(listener_, *once.value().event);  // on the io thread, here
      continue;
    }
    out = std::move(once.value().records);
    break;
  }
  if (group) group->poll_ended();
  co_return out;
}

result<std::vector<consumer_record>> consumer::poll(std::int64_t timeout_ms) {
  auto& c = client_.impl();
  auto deadline =
      steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, timeout_ms));
  std::shared_ptr<sdk::group_membership> group;
  bool closed = false;
  c.run_blocking([&]() -> asio::awaitable<void> {
    closed = state_->closed;
    group = state_->group;
    if (group) group->poll_started();
    co_return;
  });
  if (closed) return sdk::errc::consumer_closed;
  // The max poll interval counts from here; it restarts when poll() returns (or throws out of a
  // listener callback).
  struct poll_end {
    client_impl& c;
    std::shared_ptr<sdk::group_membership> group;
    ~poll_end() {
      if (!group) return;
      c.run_blocking([g = group]() -> asio::awaitable<void> {
        g->poll_ended();
        co_return;
      });
    }
  } ending{c, group};
  for (int turn = 0; turn < kGroupEventsPerPollMax; ++turn) {
    auto once =
        c.block_on<result<poll_turn>>([&] { return state_->poll_once(c, options_, deadline); });
    if (!once) return once.error();
    if (once.value().event) {
      consumer_detail::deliver(listener_, *once.value().event);  // on the caller's thread
      continue;
    }
    return std::move(once.value().records);
  }
  return std::vector<consumer_record>{};
}

// When one broker leads every assigned partition (the common case), sends the next Fetch now.
void consumer::state::start_fetch_ahead(client_impl& c, const consumer_options& options) {
  std::optional<broker_info> leader;
  auto next = std::make_shared<fetch_ahead>(c.io());
  for (const auto& [tp, pos] : positions) {
    if (paused.contains(tp)) continue;
    auto l = c.metadata().leader_for(tp);
    if (!pos || !l || (leader && (l->host != leader->host || l->port != leader->port))) return;
    leader = l;
    next->offsets.emplace(tp, *pos);
  }
  if (!leader) return;
  ahead = next;
  asio::co_spawn(c.io(), run_fetch_ahead(c, next, *leader, options), asio::detached);
}

}  // namespace cairn
