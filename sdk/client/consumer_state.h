// consumer::state: what a consumer keeps on the client's io thread (positions, the fetch buffer,
// the fetch sent ahead, pauses, and its group membership), shared by consumer.cc (positions and
// fetching) and consumer_group.cc (subscribe, commits, pause, close). Touched on the io thread
// only; the listener runs on the application's thread between two turns of poll().
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "cairn/consumer.h"
#include "sdk/client/client_impl.h"
#include "sdk/client/group_membership.h"

namespace cairn {

namespace consumer_detail {

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

// One turn of poll(): a group event for the listener (handled before the next turn), or the
// records (none at the deadline).
struct poll_turn {
  std::optional<sdk::group_event> event;
  std::vector<consumer_record> records;
};

// Runs the listener's callback for one event (on the caller's thread). An unset on_lost falls
// back to on_revoked, as Kafka's ConsumerRebalanceListener does.
void deliver(const rebalance_listener& listener, const sdk::group_event& event);

}  // namespace consumer_detail

struct consumer::state {
  using time_point = std::chrono::steady_clock::time_point;

  // nullopt: no position yet (the committed offset, else options.reset, decides at the next poll).
  std::map<topic_partition, std::optional<std::int64_t>> positions;
  std::deque<consumer_detail::buffered_part> buffered;
  std::shared_ptr<consumer_detail::fetch_ahead> ahead;
  std::set<topic_partition> paused;  // not fetched until resumed

  bool manual = false;  // assign() gave partitions: subscribe() is refused
  bool closed = false;
  std::shared_ptr<sdk::group_membership> group;  // set by subscribe()
  std::set<topic_partition> needs_committed;     // newly assigned: ask for the committed offset
  std::vector<topic_partition> pending_removal;  // revoked or lost; removed after the callback
  time_point next_auto_commit{};

  // Offsets changed under the buffer and the fetch ahead: forget both.
  void invalidate() {
    buffered.clear();
    ahead.reset();
  }

  // consumer.cc
  boost::asio::awaitable<result<consumer_detail::poll_turn>> poll_once(
      client_impl& c, const consumer_options& options, time_point deadline);
  boost::asio::awaitable<result<void>> resolve_positions(client_impl& c,
                                                         const consumer_options& options);
  result<void> absorb(client_impl& c, const consumer_options& options,
                      protocol::parsed_response response,
                      const std::map<topic_partition, std::int64_t>& asked);
  result<void> take_buffered(const consumer_options& options, std::vector<consumer_record>& out);
  void start_fetch_ahead(client_impl& c, const consumer_options& options);

  // consumer_group.cc
  // The group's next event, applied to the positions (assigned: added without a position;
  // revoked/lost: queued for removal after the callback), or nullopt. Auto-commits when due.
  boost::asio::awaitable<result<std::optional<sdk::group_event>>> group_turn(
      const consumer_options& options);
  void apply_removals();
  // The positions of every partition read that has one: what commit() stores.
  std::map<topic_partition, std::int64_t> commit_positions() const;
};

}  // namespace cairn
