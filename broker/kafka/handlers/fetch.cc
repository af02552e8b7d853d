#include "broker/kafka/handlers/fetch.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include "broker/handlers/fetch_read.h"
#include "broker/handlers/topic_admin.h"
#include "broker/kafka/requests/fetch.h"
#include "broker/net/partition_waits.h"
#include "cairn/protocol/errc.h"

namespace cairn::broker::kafka {
namespace asio = boost::asio;
namespace {

// A fetch never waits longer than this, whatever max_wait_ms says.
constexpr std::int32_t kMaxWaitCapMs = 60'000;

using partition_in = fetch_request::partition;
using topic_in = fetch_request::topic;

struct fetch_answer {
  response answer;
  std::int64_t bytes = 0;
  bool any_error = false;
};

void write_partition_head(writer& w, const request& r, std::int32_t index, error_code error,
                          std::int64_t high_watermark, std::int64_t log_start_offset,
                          bool read_committed) {
  w.int32(index);
  w.int16(value_of(error));
  w.int64(high_watermark);
  w.int64(high_watermark);  // last_stable_offset: no transactions, so the high watermark
  if (r.version() >= 5) w.int64(log_start_offset);
  if (read_committed) {
    w.array_length(0);  // aborted_transactions: none can exist
  } else {
    w.null_array();
  }
  if (r.version() >= 11) w.int32(-1);  // preferred_read_replica: the leader serves
}

// Standalone, this broker leads everything it has; in a cluster, what the cluster view says.
bool leads(const services& s, std::string_view topic, std::int32_t partition) {
  if (s.core.cluster == nullptr) return true;
  auto state = s.core.cluster->partition(topic, partition);
  return state && state->has_leader() && state->leader.value() == s.core.self.node_id;
}

// One pass over every partition; the long poll calls it again when a commit wakes it.
fetch_answer read_all(services& s, const request& r, const fetch_request& f) {
  fetch_answer out;
  std::int64_t budget = fetch_budget(f.max_bytes);
  const bool read_committed = f.isolation_level == 1;
  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  if (r.version() >= 7) {
    w.int16(0);  // error_code
    w.int32(0);  // session_id: no session (KIP-227), full requests every time
  }
  w.array_length(f.topics.size());
  for (const topic_in& t : f.topics) {
    if (r.version() >= 13) {
      w.uuid_value(t.id);
    } else {
      w.string(t.name);
    }
    w.array_length(t.partitions.size());
    for (const partition_in& part : t.partitions) {
      std::size_t start = w.size();
      if (r.version() >= 13 && t.name.empty()) {
        write_partition_head(w, r, part.index, error_code::unknown_topic_id, -1, -1,
                             read_committed);
        w.bytes({});
        w.tagged_fields();
        out.any_error = true;
        continue;
      }
      auto target = s.core.topics.get(t.name, part.index);
      partition_fetch planned;
      if (!target) {
        planned.error = target.error();
      } else if (!leads(s, t.name, part.index)) {
        // Consumers read from the leader (no KIP-392 follower fetching): a client that fetches
        // here after a change of leader refreshes its metadata and moves on.
        planned.error = protocol::errc::not_leader;
      } else {
        planned = plan_partition_fetch(*target.value(), part.fetch_offset, part.max_bytes, budget);
      }
      kafka_error error = to_kafka_error(planned.error);
      write_partition_head(w, r, part.index, error.code, planned.high_watermark,
                           planned.log_start_offset, read_committed);
      if (error.code != error_code::none || planned.range.size == 0) {
        out.any_error |= error.code != error_code::none;
        w.bytes({});  // empty records (not null: clients read a size of -1 as corrupt)
        w.tagged_fields();
        continue;
      }
      auto into = w.bytes_in_place(static_cast<std::size_t>(planned.range.size));
      if (auto failed = read_planned(planned, into)) {
        // Rewrite this partition's entry as the error, without the bytes that were not read.
        w.data().resize(start);
        write_partition_head(w, r, part.index, to_kafka_error(failed).code, -1, -1, read_committed);
        w.bytes({});  // empty records (not null: clients read a size of -1 as corrupt)
        w.tagged_fields();
        out.any_error = true;
        continue;
      }
      budget -= planned.range.size;
      out.bytes += planned.range.size;
      w.tagged_fields();
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  out.answer = finish(w);
  return out;
}

}  // namespace

asio::awaitable<response> handle_fetch(services& s, const request& r) {
  decoded<fetch_request> decoded = decode_fetch(r);
  if (!decoded.ok()) {
    // v7+ has a top-level error code; earlier versions have nowhere to say it.
    if (r.version() < 7) co_return close_for(r, decoded.failure);
    writer w = begin_response(r);
    w.int32(0);
    w.int16(value_of(error_code::invalid_request));
    w.int32(0);
    w.array_length(0);
    w.tagged_fields();
    co_return finish(w);
  }
  fetch_request f = std::move(decoded.request);
  if (r.version() >= 13) {
    // v13+ names topics by id: resolve each once (an unknown id answers UNKNOWN_TOPIC_ID).
    for (topic_in& t : f.topics) {
      if (auto config = describe_topic(s.core, t.id)) t.name = config.value().name;
    }
  }
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(std::clamp(f.max_wait_ms, 0, kMaxWaitCapMs));
  std::vector<raft::group_id> keys;
  for (const topic_in& t : f.topics) {
    for (const partition_in& p : t.partitions)
      keys.push_back({t.name, p.index});
  }
  partition_waits::watch commits(s.waits, std::move(keys));
  // The first read may reach far back (cold pages): a worker does it. A fetch woken by a commit
  // reads what was just written, from the page cache, on the I/O thread.
  bool tail_read = false;
  while (true) {
    // Armed before reading, so a commit between the read and the wait still wakes us.
    commits.arm(deadline);
    std::optional<fetch_answer> read;
    if (tail_read) {
      read = read_all(s, r, f);
    } else {
      co_await asio::post(asio::bind_executor(s.workers, asio::use_awaitable));
      std::exception_ptr failed;
      try {
        read = read_all(s, r, f);
      } catch (...) {
        failed = std::current_exception();
      }
      co_await asio::post(s.io, asio::use_awaitable);
      // Thrown on the I/O thread, where the connection handles it.
      if (failed) std::rethrow_exception(failed);
    }
    tail_read = true;
    bool enough = read->any_error || read->bytes >= std::max(f.min_bytes, 1) ||
                  std::chrono::steady_clock::now() >= deadline || s.waits.stopped();
    if (enough) co_return std::move(read->answer);
    co_await commits.wait();
  }
}

}  // namespace cairn::broker::kafka
