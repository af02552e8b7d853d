#include "broker/controller/assignment.h"

#include <algorithm>
#include <numeric>

#include "cairn/base/assert.h"
#include "protocol/wire_errc.h"

namespace cairn::broker::controller {
namespace {

// The strides coprime with n: each walks the whole ring, and each pairs different neighbours.
std::vector<std::size_t> strides(std::size_t n) {
  std::vector<std::size_t> out;
  for (std::size_t k = 1; k < n; ++k) {
    if (std::gcd(k, n) == 1) out.push_back(k);
  }
  if (out.empty()) out.push_back(1);
  return out;
}

// The placement state of one assign_replicas() call: brokers by ascending id and their loads,
// updated as partitions are placed.
struct placement {
  std::vector<std::int32_t> ids;
  std::vector<broker_load> load;

  std::int32_t fewest_leaders() const {
    std::int32_t low = load[0].leaders;
    for (const auto& l : load)
      low = std::min(low, l.leaders);
    return low;
  }

  // The ring of this round of leaders (the lowest leader count is the round): broker indexes
  // by a stride that changes every round, so that a broker's neighbours, and with them its
  // followers, change from round to round (Kafka shifts followers for the same reason). It
  // stays fixed within a round, which the leader balance below relies on.
  std::vector<std::size_t> ring(std::int32_t round) const {
    const std::size_t n = ids.size();
    const auto choices = strides(n);
    const std::size_t stride = choices[static_cast<std::size_t>(round) % choices.size()];
    std::vector<std::size_t> out(n);
    for (std::size_t i = 0; i < n; ++i)
      out[i] = (i * stride) % n;
    return out;
  }

  // Where the next partition's replicas start on the ring: just after the last broker of the
  // run that holds one replica more than the least loaded (0 when all are equal), so that
  // consecutive partitions take consecutive windows of it.
  std::size_t replica_start(const std::vector<std::size_t>& r) const {
    std::int32_t low = load[0].replicas;
    for (const auto& l : load)
      low = std::min(low, l.replicas);
    const std::size_t n = r.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t before = (i + n - 1) % n;
      if (load[r[i]].replicas == low && load[r[before]].replicas > low) return i;
    }
    return 0;
  }

  std::vector<std::int32_t> place(std::int16_t replication_factor) {
    const std::size_t n = ids.size();
    const std::int32_t round = fewest_leaders();
    const auto r = ring(round);
    const std::size_t start = replica_start(r);
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i)
      order[i] = r[(start + i) % n];
    // The fewest replicas first (which alone keeps replica counts within one); stable, so
    // equal counts keep the ring order from `start`.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return load[a].replicas < load[b].replicas;
    });
    order.resize(static_cast<std::size_t>(replication_factor));
    // The leader: the fewest leaderships among the chosen; ties go to the position that
    // rotates with the round.
    std::int32_t fewest = load[order[0]].leaders;
    for (std::size_t i : order)
      fewest = std::min(fewest, load[i].leaders);
    const std::size_t shift = static_cast<std::size_t>(round) % order.size();
    std::size_t leader_at = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const std::size_t at = (shift + k) % order.size();
      if (load[order[at]].leaders == fewest) {
        leader_at = at;
        break;
      }
    }
    std::vector<std::int32_t> replicas;
    replicas.reserve(order.size());
    for (std::size_t k = 0; k < order.size(); ++k)
      replicas.push_back(ids[order[(leader_at + k) % order.size()]]);
    ++load[order[leader_at]].leaders;
    for (std::size_t i : order)
      ++load[i].replicas;
    return replicas;
  }
};

}  // namespace

result<topic_assignment> assign_replicas(const std::vector<std::int32_t>& brokers,
                                         std::int32_t partitions, std::int16_t replication_factor,
                                         const load_map& current_load) {
  if (partitions < 1 || partitions > kPartitionsMax) return protocol::errc::invalid_partitions;
  placement r;
  r.ids = brokers;
  std::sort(r.ids.begin(), r.ids.end());
  r.ids.erase(std::unique(r.ids.begin(), r.ids.end()), r.ids.end());
  if (replication_factor < 1 || static_cast<std::size_t>(replication_factor) > r.ids.size()) {
    return protocol::errc::invalid_replication_factor;
  }
  for (auto id : r.ids) {
    auto it = current_load.find(id);
    r.load.push_back(it == current_load.end() ? broker_load{} : it->second);
  }
  topic_assignment out;
  out.reserve(static_cast<std::size_t>(partitions));
  for (std::int32_t p = 0; p < partitions; ++p) {
    out.push_back(r.place(replication_factor));
    CAIRN_ASSERT(out.back().size() == static_cast<std::size_t>(replication_factor),
                 "partition {} got {} replicas", p, out.back().size());
  }
  return out;
}

}  // namespace cairn::broker::controller
