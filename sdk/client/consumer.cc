// cairn::consumer: positions per assigned partition, ListOffsets for seeks and resets, and
// long-poll Fetch grouped by leader.
#include "cairn/consumer.h"

#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "sdk/client/client_impl.h"
#include "sdk/client/record_decoder.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

struct consumer::state {
  // nullopt: no position yet (options.reset decides at the next poll).
  std::map<topic_partition, std::optional<std::int64_t>> positions;
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
  }
  co_return success();
}

asio::awaitable<result<void>> consumer::async_seek_to_end(std::vector<topic_partition> tps) {
  for (auto& tp : tps) {
    if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
    BOOST_OUTCOME_CO_TRY(auto offset,
                         co_await list_offset(client_.impl(), tp, wire::LATEST_TIMESTAMP));
    state_->positions[tp] = offset;
  }
  co_return success();
}

asio::awaitable<result<void>> consumer::async_seek_to_timestamp(topic_partition tp,
                                                                std::int64_t timestamp_ms) {
  if (!state_->positions.contains(tp)) co_return sdk::errc::not_assigned;
  if (timestamp_ms < 0) co_return protocol::errc::invalid_request;
  BOOST_OUTCOME_CO_TRY(auto offset, co_await list_offset(client_.impl(), tp, timestamp_ms));
  state_->positions[tp] = offset;
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

asio::awaitable<result<std::vector<consumer_record>>> consumer::async_poll(
    std::int64_t timeout_ms) {
  auto& c = client_.impl();
  auto deadline =
      steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, timeout_ms));
  std::vector<consumer_record> out;
  for (int turn = 0; turn < kPollTurnsMax; ++turn) {
    // Positions first: reset the partitions that have none.
    for (auto& [tp, pos] : state_->positions) {
      if (pos) continue;
      if (options_.reset == offset_reset::none) co_return sdk::errc::no_position;
      std::int64_t ts = options_.reset == offset_reset::earliest ? wire::EARLIEST_TIMESTAMP
                                                                 : wire::LATEST_TIMESTAMP;
      BOOST_OUTCOME_CO_TRY(auto offset, co_await list_offset(c, tp, ts));
      pos = offset;
    }
    // Group by leader: one Fetch per broker.
    std::map<std::string, std::pair<broker_info, std::vector<topic_partition>>> by_leader;
    for (const auto& [tp, pos] : state_->positions) {
      BOOST_OUTCOME_CO_TRY(auto leader, co_await c.leader_for(tp));
      auto& slot = by_leader[leader.host + ":" + std::to_string(leader.port)];
      slot.first = leader;
      slot.second.push_back(tp);
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
      auto& [leader, tps] = group;
      auto response = co_await c.call(
          leader,
          [&](wire::Request::Builder req) {
            auto f = req.initFetch();
            f.setMaxWaitMs(wait_ms);
            f.setMinBytes(1);
            f.setMaxBytes(options_.fetch_bytes_max);
            std::map<std::string_view, std::vector<const topic_partition*>> by_topic;
            for (const auto& tp : tps)
              by_topic[tp.topic].push_back(&tp);
            auto topics = f.initTopics(static_cast<unsigned>(by_topic.size()));
            unsigned t = 0;
            for (const auto& [name, list] : by_topic) {
              auto topic = topics[t++];
              topic.setName(std::string(name));
              auto parts = topic.initPartitions(static_cast<unsigned>(list.size()));
              for (unsigned i = 0; i < list.size(); ++i) {
                parts[i].setPartition(list[i]->partition);
                parts[i].setFetchOffset(*state_->positions[*list[i]]);
                parts[i].setPartitionMaxBytes(options_.partition_fetch_bytes_max);
              }
            }
          },
          wire::Response::FETCH, c.request_timeout() + std::chrono::milliseconds(wait_ms));
      if (!response) {
        if (stale_error(response.error())) {
          for (const auto& tp : tps)
            c.metadata().mark_stale(tp.topic);
        }
        co_return response.error();
      }
      for (auto topic : response.value().root().getFetch().getTopics()) {
        std::string name = topic.getName();
        for (auto part : topic.getPartitions()) {
          topic_partition tp{name, part.getPartition()};
          auto it = state_->positions.find(tp);
          if (it == state_->positions.end() || !it->second) continue;
          if (part.getErrorCode() != wire::ErrorCode::NONE) {
            auto ec = protocol::from_wire(part.getErrorCode());
            if (ec == protocol::errc::offset_out_of_range && options_.reset != offset_reset::none) {
              it->second.reset();  // reset per policy on the next turn
              continue;
            }
            if (stale_error(ec)) {
              c.metadata().mark_stale(name);
              continue;  // the next turn asks the new leader
            }
            co_return ec;
          }
          auto bytes = part.getRecords();
          BOOST_OUTCOME_CO_TRY(
              auto next,
              sdk::decode_records(
                  name, tp.partition,
                  std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()),
                  *it->second, options_.records_max, out));
          it->second = next;
        }
      }
    }
    if (!out.empty() || steady_clock::now() >= deadline) break;
  }
  co_return out;
}

result<std::vector<consumer_record>> consumer::poll(std::int64_t timeout_ms) {
  return client_.impl().block_on<result<std::vector<consumer_record>>>(
      [&] { return async_poll(timeout_ms); });
}

}  // namespace cairn
