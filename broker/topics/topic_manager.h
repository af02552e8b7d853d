// topic_manager: the topics of this broker and their partitions, persisted under
// `<data-dir>/topics/<name>/` (topic.json + one directory per partition). Topic metadata survives
// restarts; creation, alteration and deletion are crash-safe (see topic_manager.cc). Any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/partition/partition.h"
#include "broker/topics/topic_config.h"
#include "cairn/base/result.h"

namespace cairn::broker {

class topic_manager {
 public:
  struct options {
    std::string data_dir;
    partition::options partition_options;  // flush policy, segment sizes: broker defaults
    std::int32_t brokers = 1;              // replication factors above this are refused
    // Cluster mode: this broker's node id. A topic's partitions whose replicas (topic_config::
    // replicas) do not include it are not opened here: get() answers not_leader for them.
    // 0 on a standalone broker.
    std::int32_t self = 0;
  };
  using commit_callback =
      std::function<void(const std::string& topic, std::int32_t partition, std::int64_t hw)>;

  // Loads every topic under data_dir, opening (recovering) all their partitions.
  static result<std::unique_ptr<topic_manager>> open(options opts, commit_callback on_commit = {});

  // Gives the topic a random id unless `config` names one (in a cluster, the controller's).
  result<void> create(topic_config config);
  result<void> remove(std::string_view name);
  // Replaces a topic's config with `next`, applied at once (the next housekeeping pass reads
  // the new retention and cleanup policy), and opens the partitions it adds. Partitions may
  // only be added, and existing replicas are kept; the id and replication factor never change
  // (a nil id in `next` means "the same"). errc::unknown_topic, invalid_topic_config, disk
  // errors (then nothing changed).
  result<void> alter(topic_config next);
  // The same with `next` computed from the current config by `change`, atomically with respect
  // to other alters (a read-modify-write that loses no concurrent change). change's errors are
  // returned as they are.
  using change_function = std::function<result<topic_config>(const topic_config& current)>;
  result<void> alter(std::string_view name, const change_function& change);
  // The broker-wide partition settings (segment size, batch size limit, flush policy).
  const partition::options& partition_options() const { return options_.partition_options; }
  std::vector<topic_config> list() const;
  result<topic_config> describe(std::string_view name) const;
  // errc::unknown_topic / errc::unknown_partition; protocol::errc::not_leader for a partition
  // that is not hosted here (cluster mode).
  result<std::shared_ptr<partition>> get(std::string_view topic, std::int32_t partition) const;
  // Whether this broker holds a replica of the partition (always, on a standalone broker).
  bool hosts(const topic_config& config, std::int32_t partition) const;

  // Retention for `delete` topics, compaction for `compact` ones, on every partition: the broker
  // calls this periodically off its I/O threads.
  result<void> run_housekeeping();

  result<void> close();

 private:
  struct topic {
    topic_config config;
    std::vector<std::shared_ptr<partition>> partitions;  // null where not hosted
  };
  explicit topic_manager(options opts, commit_callback on_commit)
      : options_(std::move(opts)), on_commit_(std::move(on_commit)) {}
  result<topic> open_topic(const topic_config& config) const;
  // Null where this broker hosts no replica of the partition.
  result<std::shared_ptr<partition>> open_partition(const topic_config& config,
                                                    std::int32_t id) const;
  std::string topic_dir(std::string_view name) const;

  const options options_;
  const commit_callback on_commit_;
  // Guards topics_ and creating_. Held for lookups; create() and remove() do their disk work
  // without it (close() at shutdown is the exception).
  mutable std::mutex mu_;
  // Serializes alter() and remove(), which do disk work under one topic's directory (taken
  // before mu_, never inside it).
  std::mutex alter_mu_;
  std::map<std::string, topic, std::less<>> topics_;
  std::set<std::string, std::less<>> creating_;  // names whose create() is on disk right now
};

}  // namespace cairn::broker
