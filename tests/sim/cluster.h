// cluster: the deterministic world of the Raft simulator. N replicas (raft::node over a sim_log),
// a network that delays, drops, duplicates and reorders messages and can be partitioned, crashes
// that lose what was not flushed, restarts, clients, retention, leadership transfers and
// configuration changes; all randomness from one seed, time in ticks. The checker runs after
// every event (a tick of one node, one delivered message, one flush, one proposal...) and throws
// sim_failure on the first violation.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "broker/raft/node.h"
#include "tests/sim/sim_log.h"

namespace cairn::raft::sim {

// Deliberate bugs, to show that the checker catches them.
enum class mutant : std::uint8_t {
  none,
  ack_unflushed,      // the storage reports data durable before it is: crashes lose "committed"
  forget_hard_state,  // a restarted replica forgets its term and vote: two votes in one term
};

struct sim_options {
  std::uint64_t seed = 1;
  int voters = 3;  // the initial configuration: nodes 1..voters
  int spares = 2;  // nodes voters+1.., up but outside the configuration until added
  int fault_ticks = 1500;
  int liveness_ticks_max = 3000;  // after healing: a leader and a commit on every voter by then

  // Network (per message).
  double drop = 0.05;
  double duplicate = 0.02;
  int delay_ticks_max = 4;  // delivery after 1..max ticks; reordered by the random draw

  // Faults and workload (per tick, during the fault phase).
  double crash = 0.004;
  double crash_leader = 0.003;  // the leader: its unflushed tail is the dangerous one
  double power_loss = 0.001;    // every node at once: only what was flushed survives anywhere
  double restart = 0.05;
  double partition = 0.004;
  double one_way = 0.002;  // a link that drops one direction only, until the next heal
  double heal = 0.02;
  double flush = 0.3;  // per node
  double propose = 0.3;
  double retention = 0.01;
  double transfer = 0.003;
  double config_change = 0.004;
  double learner_ops = 0.5;  // share of config changes drawn among all ops (learners included)
  // A random up node campaigns at once (node::campaign_now, as a new partition's preferred
  // replica does). 0 draws nothing, so seeds recorded before it replay unchanged.
  double campaign = 0.0;

  raft::options node;  // id and seed set per node
  mutant bug = mutant::none;
  bool trace_live = false;  // print each trace line as it happens (to see up to an abort)
  bool trace = false;  // keep a trace of every event (the runner turns it on to replay a failure)
};

struct sim_stats {
  std::int64_t leaders = 0;
  std::int64_t committed_batches = 0;
  std::int64_t crashes = 0;
  std::int64_t installs = 0;
  std::int64_t transfers = 0;
  std::int64_t campaigns = 0;
  std::int64_t config_changes = 0;
  std::int64_t retentions = 0;
  std::int64_t messages = 0;
  std::int64_t max_term = 0;
};

class cluster {
 public:
  explicit cluster(sim_options opts);

  // One tick: faults and clients (when faults are on), then every up node ticks, flushes by
  // chance, and the messages due are delivered.
  void tick();
  void run(int ticks) {
    for (int i = 0; i < ticks; ++i)
      tick();
  }
  void set_faults(bool on) { faults_ = on; }

  // Direct control, for scenarios.
  void crash(node_id id);
  void restart(node_id id);
  void isolate(node_id id);  // a partition of its own
  void heal();
  result<offset_range> propose(node_id at, std::string records, std::int64_t count = 1);
  result<void> transfer_leadership(node_id at, node_id to);
  result<offset_range> change_config(node_id at, config_op op, node_id member);
  // Retention on one node: drops the batches wholly below `start` that are committed, applied
  // and flushed there. Returns the new log start.
  log_offset retain(node_id id, log_offset start);

  // The up node in the leader role with the highest term, if any.
  std::optional<node_id> leader() const;
  const node* get(node_id id) const;
  bool up(node_id id) const;
  const sim_log& log_of(node_id id) const;
  std::vector<node_id> ids() const;
  std::int64_t now() const { return now_; }
  const sim_stats& stats() const { return stats_; }
  const std::vector<std::string>& trace() const { return trace_; }
  log_offset committed_end() const { return committed_end_; }
  // Empty when a leader exists and every member (voter or learner) of its configuration is up,
  // holds the whole committed log and has the leader's log end and commit end; else what is
  // missing.
  std::string convergence_gap() const;

 private:
  struct replica {
    node_id id;
    std::unique_ptr<sim_log> log;
    std::unique_ptr<node> raft;
    bool up = true;
    int group = 0;  // partition group
    log_offset applied_end{0};
    log_offset commit_seen{0};
    role last_role = role::follower;
    term_id last_term{0};
    std::uint64_t incarnation = 0;
  };
  struct in_flight {
    std::int64_t deliver_at;
    std::uint64_t seq;
    message m;
  };

  replica& at(node_id id);
  const replica& at(node_id id) const;
  void start_node(replica& r);
  void inject_faults();
  void deliver_due();
  void flush(replica& r);
  // After every input to r: its outputs go out, committed batches are applied, and the checks run.
  void after(replica& r);
  void apply(replica& r, log_offset commit_end);
  void check_commit_durable(const replica& r) const;
  void check_leader(replica& r);
  void send(const message& m);
  void note(const std::string& line);
  std::uint64_t draw(std::uint64_t n) { return rng_() % n; }
  bool chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }

  sim_options opts_;
  std::mt19937_64 rng_;
  std::unique_ptr<ledger> ledger_ = std::make_unique<ledger>();  // stable when moved
  std::vector<replica> replicas_;
  std::vector<in_flight> network_;
  std::vector<std::pair<node_id, node_id>> cut_links_;  // (from, to) one-way cuts
  std::uint64_t seq_ = 0;
  std::int64_t now_ = 0;
  bool faults_ = true;
  std::int64_t next_value_ = 0;

  // The checker's memory: every committed batch by base offset, and the leader of each term.
  std::map<std::int64_t, entry> committed_;
  log_offset committed_end_{0};
  std::map<std::int64_t, node_id> leaders_;

  sim_stats stats_;
  std::vector<std::string> trace_;
};

struct seed_result {
  bool ok = true;
  std::string failure;
  std::vector<std::string> trace_tail;  // from a replay of the seed with tracing on
  sim_stats stats;
  std::int64_t ticks = 0;
};

// A fault phase of opts.fault_ticks, then healing (all nodes up, no partition, no loss, flushes
// every tick, no more crashes) and a liveness phase: within opts.liveness_ticks_max a leader
// commits a new batch and every voter holds the committed log. On failure, replays the seed with
// tracing to fill trace_tail.
seed_result run_seed(sim_options opts);

// The options of a seed in a sweep: the fault mix is drawn from the seed (swarm testing).
sim_options swarm_options(std::uint64_t seed);

std::string describe(const message& m);

}  // namespace cairn::raft::sim
