// Crash safety of topic creation and deletion:
//  - create: the partition directories are made first and `topic.json` is written last,
//    atomically; a topic directory without topic.json is an interrupted creation and is removed
//    on open.
//  - remove: the topic directory is first renamed into `<data-dir>/trash/`, atomically, so a
//    crash never leaves half a topic under topics/; trash is emptied on open.
//  - alter: added partitions' directories are made first and `topic.json` is rewritten last,
//    atomically; directories beyond the partition count it names are never opened, and are made
//    afresh when partitions are added again.
#include "broker/topics/topic_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "broker/errc.h"
#include "cairn/base/assert.h"
#include "eventstore/log/file.h"
#include "protocol/wire_errc.h"

namespace cairn::broker {
namespace fs = std::filesystem;

namespace {

result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::make_error_code(std::errc::no_such_file_or_directory);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string topic_manager::topic_dir(std::string_view name) const {
  return (fs::path(options_.data_dir) / "topics" / std::string(name)).string();
}

result<std::shared_ptr<partition>> topic_manager::open_partition(const topic_config& config,
                                                                 std::int32_t id) const {
  if (!hosts(config, id)) return std::shared_ptr<partition>();
  std::string dir = topic_dir(config.name) + "/" + std::to_string(id);
  CAIRN_TRY(auto p, partition::open(dir, options_.partition_options));
  p->set_timestamp_type(config.timestamp_type);
  if (on_commit_) {
    p->on_commit([cb = on_commit_, name = config.name, id](std::int64_t hw) { cb(name, id, hw); });
  }
  return std::shared_ptr<partition>(std::move(p));
}

result<topic_manager::topic> topic_manager::open_topic(const topic_config& config) const {
  topic t{config, {}};
  for (std::int32_t id = 0; id < config.partitions; ++id) {
    CAIRN_TRY(auto p, open_partition(config, id));
    t.partitions.push_back(std::move(p));
  }
  return t;
}

bool topic_manager::hosts(const topic_config& config, std::int32_t partition) const {
  if (options_.self == 0 || config.replicas.empty()) return true;
  const auto& replicas = config.replicas.at(static_cast<std::size_t>(partition));
  return std::find(replicas.begin(), replicas.end(), options_.self) != replicas.end();
}

result<std::unique_ptr<topic_manager>> topic_manager::open(options opts,
                                                           commit_callback on_commit) {
  std::error_code ec;
  fs::path root(opts.data_dir);
  fs::create_directories(root / "topics", ec);
  if (ec) return ec;
  fs::remove_all(root / "trash", ec);  // deletions a crash interrupted
  if (ec) return ec;
  std::unique_ptr<topic_manager> manager(new topic_manager(std::move(opts), std::move(on_commit)));
  for (const auto& entry : fs::directory_iterator(root / "topics", ec)) {
    fs::path json = entry.path() / "topic.json";
    if (!fs::exists(json)) {
      spdlog::warn("{}: no topic.json (an interrupted create): removing", entry.path().string());
      fs::remove_all(entry.path(), ec);
      continue;
    }
    CAIRN_TRY(auto text, read_text(json));
    auto config = topic_config_from_json(text);
    if (!config || config.value().name != entry.path().filename().string()) {
      spdlog::error("{}: unreadable topic.json; the topic is not served", json.string());
      continue;
    }
    if (is_nil(config.value().id) && manager->options_.self == 0) {
      // Written before topics had ids: give it one now, kept from here on. (In a cluster the
      // controller's record names the id, alike on every broker: no broker invents its own.)
      config.value().id = random_topic_id();
      CAIRN_TRY(eventstore::write_file_atomically(json.string(), to_json(config.value())));
      spdlog::info("topic {}: given the id {}", config.value().name, to_string(config.value().id));
    }
    CAIRN_TRY(auto t, manager->open_topic(config.value()));
    manager->topics_.emplace(config.value().name, std::move(t));
  }
  if (ec) return ec;
  return manager;
}

result<void> topic_manager::create(topic_config config) {
  CAIRN_TRY(validate(config, options_.brokers));
  if (is_nil(config.id)) config.id = random_topic_id();
  {
    // Reserve the name, then do the disk work unlocked: creating thousands of partitions must
    // not stall every produce and fetch that looks a partition up meanwhile.
    std::lock_guard lock(mu_);
    if (topics_.contains(config.name) || creating_.contains(config.name)) {
      return errc::topic_already_exists;
    }
    creating_.insert(config.name);
  }
  auto opened = [&]() -> result<topic> {
    std::string dir = topic_dir(config.name);
    std::error_code ec;
    fs::remove_all(dir, ec);  // leftovers of an interrupted create
    fs::create_directories(dir, ec);
    if (ec) return ec;
    auto t = open_topic(config);
    if (t) {
      auto written = eventstore::write_file_atomically(dir + "/topic.json", to_json(config));
      if (!written) t = written.error();
    }
    if (!t) fs::remove_all(dir, ec);
    return t;
  }();
  std::lock_guard lock(mu_);
  creating_.erase(config.name);
  if (!opened) return opened.error();
  topics_.emplace(config.name, std::move(opened).value());
  spdlog::info("created topic {} ({} partitions, cleanup {})", config.name, config.partitions,
               to_string(config.cleanup));
  return success();
}

result<void> topic_manager::remove(std::string_view name) {
  std::lock_guard changing(alter_mu_);  // not while an alter adds partitions under its directory
  topic t;
  {
    std::lock_guard lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return errc::unknown_topic;
    t = std::move(it->second);
    topics_.erase(it);
  }
  for (auto& p : t.partitions) {
    if (p) (void)p->close();
  }
  t.partitions.clear();  // readers holding a partition keep it until they drop it
  std::error_code ec;
  fs::path trash = fs::path(options_.data_dir) / "trash";
  fs::create_directories(trash, ec);
  auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  fs::path doomed = trash / fmt::format("{}-{}", name, stamp);
  fs::rename(topic_dir(name), doomed, ec);
  if (ec) return ec;
  fs::remove_all(doomed, ec);
  spdlog::info("deleted topic {}", name);
  return success();
}

result<void> topic_manager::alter(topic_config next) {
  const std::string name = next.name;
  return alter(
      name, [next = std::move(next)](const topic_config&) -> result<topic_config> { return next; });
}

result<void> topic_manager::alter(std::string_view name, const change_function& change) {
  std::lock_guard changing(alter_mu_);
  topic_config current;
  {
    std::lock_guard lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return errc::unknown_topic;
    current = it->second.config;
  }
  CAIRN_TRY(topic_config next, change(current));
  CAIRN_TRY(validate(next, options_.brokers));
  if (next.name != current.name) return errc::invalid_topic_config;
  if (is_nil(next.id)) next.id = current.id;
  // What an alter may not change: which topic it is, and the partitions it has.
  // A topic.json older than topic ids takes the id the controller gives it.
  if ((!is_nil(current.id) && next.id != current.id) ||
      next.replication_factor != current.replication_factor ||
      next.partitions < current.partitions) {
    return errc::invalid_topic_config;
  }
  if (!current.replicas.empty() &&
      (next.replicas.size() < current.replicas.size() ||
       !std::equal(current.replicas.begin(), current.replicas.end(), next.replicas.begin()))) {
    return errc::invalid_topic_config;
  }
  // New partitions first, topic.json last: a crash in between leaves the old count on disk, and
  // the unlisted directories are made afresh by the next alter (never served meanwhile).
  std::vector<std::shared_ptr<partition>> added;
  auto undo = [&] {
    for (auto& p : added) {
      if (p) (void)p->close();
    }
    std::error_code ec;
    for (std::int32_t id = current.partitions; id < next.partitions; ++id) {
      fs::remove_all(fs::path(topic_dir(next.name)) / std::to_string(id), ec);
    }
  };
  for (std::int32_t id = current.partitions; id < next.partitions; ++id) {
    std::error_code ec;
    fs::remove_all(fs::path(topic_dir(next.name)) / std::to_string(id), ec);
    auto p = open_partition(next, id);
    if (!p) {
      undo();
      return p.error();
    }
    added.push_back(std::move(p).value());
  }
  if (auto written =
          eventstore::write_file_atomically(topic_dir(next.name) + "/topic.json", to_json(next));
      !written) {
    undo();
    return written.error();
  }
  std::lock_guard lock(mu_);
  auto it = topics_.find(next.name);
  CAIRN_ASSERT(it != topics_.end(), "topic {} went away during an alter", next.name);
  for (auto& p : added)
    it->second.partitions.push_back(std::move(p));
  // A new timestamp type applies to the batches appended from now on (Kafka's rule too).
  for (auto& p : it->second.partitions) {
    if (p) p->set_timestamp_type(next.timestamp_type);
  }
  it->second.config = std::move(next);
  spdlog::info(
      "altered topic {} ({} partitions, cleanup {}, retention {} ms / {} bytes, timestamps {})",
      it->second.config.name, it->second.config.partitions, to_string(it->second.config.cleanup),
      it->second.config.retention_ms, it->second.config.retention_bytes,
      eventstore::to_string(it->second.config.timestamp_type));
  return success();
}

std::vector<topic_config> topic_manager::list() const {
  std::lock_guard lock(mu_);
  std::vector<topic_config> out;
  for (const auto& [name, t] : topics_)
    out.push_back(t.config);
  return out;
}

result<topic_config> topic_manager::describe(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return errc::unknown_topic;
  return it->second.config;
}

result<std::shared_ptr<partition>> topic_manager::get(std::string_view name,
                                                      std::int32_t id) const {
  std::lock_guard lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return errc::unknown_topic;
  if (id < 0 || id >= static_cast<std::int32_t>(it->second.partitions.size())) {
    return errc::unknown_partition;
  }
  const auto& hosted = it->second.partitions[static_cast<std::size_t>(id)];
  if (!hosted) return protocol::errc::not_leader;
  return hosted;
}

result<void> topic_manager::run_housekeeping() {
  std::vector<std::pair<topic_config, std::shared_ptr<partition>>> work;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, t] : topics_) {
      for (const auto& p : t.partitions) {
        // A replicated partition's log is trimmed through its Raft log, on the I/O thread, and
        // only below its commit (broker/cluster): never from here.
        if (p && !p->replicated()) work.emplace_back(t.config, p);
      }
    }
  }
  for (auto& [config, p] : work) {
    if (config.cleanup == cleanup_policy::compact) {
      CAIRN_TRY(p->log().compact({.delete_retention_ms = config.delete_retention_ms}));
    } else {
      CAIRN_TRY(p->log().apply_retention(
          {.retention_bytes = config.retention_bytes, .retention_ms = config.retention_ms}));
    }
  }
  return success();
}

result<void> topic_manager::close() {
  std::lock_guard lock(mu_);
  for (auto& [name, t] : topics_) {
    for (auto& p : t.partitions) {
      if (p) {
        CAIRN_TRY(p->close());
      }
    }
  }
  return success();
}

}  // namespace cairn::broker
