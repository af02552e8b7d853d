#include "broker/replication/replica_manager.h"

#include <boost/asio/post.hpp>
#include <functional>

namespace cairn::broker::replication {
namespace asio = boost::asio;

namespace {

// splitmix64's finaliser: spreads the node id and group name over the seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

replica_manager::replica_manager(asio::io_context& io, manager_options options, send_function send)
    : io_(io), options_(std::move(options)), send_(std::move(send)), ticker_(io) {}

replica_manager::~replica_manager() {
  stop();
  *alive_ = false;
}

void replica_manager::start() {
  running_ = true;
  schedule_tick();
}

void replica_manager::stop() {
  running_ = false;
  ticker_.cancel();
}

void replica_manager::schedule_tick() {
  ticker_.expires_after(options_.tick_interval);
  ticker_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired() || !running_) return;
    for (auto& [group, r] : replicas_)
      r->tick();
    schedule_tick();
  });
}

replica& replica_manager::add(raft::group_id group, std::unique_ptr<raft::log> log,
                              raft::hard_state hs, replica::hooks h) {
  raft::options opts = options_.raft_template;
  opts.id = options_.self;
  opts.rng_seed =
      mix(static_cast<std::uint64_t>(options_.self.value()) ^
          mix(std::hash<std::string>{}(group.topic) ^ static_cast<std::uint64_t>(group.partition)));
  h.send = [this, group](raft::message m) { send_(group, std::move(m)); };
  h.wake = [this, group] { wake(group); };
  remove(group);
  auto created = std::make_unique<replica>(group, opts, std::move(log), hs, std::move(h));
  replica& r = *created;
  replicas_.emplace(group, std::move(created));
  wake(group);
  return r;
}

void replica_manager::remove(const raft::group_id& group) {
  auto it = replicas_.find(group);
  if (it == replicas_.end()) return;
  dirty_.erase(group);
  replicas_.erase(it);
}

replica* replica_manager::find(const raft::group_id& group) {
  auto it = replicas_.find(group);
  return it == replicas_.end() ? nullptr : it->second.get();
}

void replica_manager::deliver(const raft::group_id& group, const raft::message& m) {
  replica* r = find(group);
  if (r == nullptr || m.to != options_.self) {
    ++dropped_unknown_group_;
    return;
  }
  r->step(m);
}

void replica_manager::wake(const raft::group_id& group) {
  dirty_.insert(group);
  if (drain_posted_) return;
  drain_posted_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    drain_posted_ = false;
    // A drain may wake its replica again (a flush done at once): those wait for the next pass.
    std::set<raft::group_id> batch;
    batch.swap(dirty_);
    for (const raft::group_id& group : batch) {
      if (replica* r = find(group)) r->drain();
    }
  });
}

}  // namespace cairn::broker::replication
