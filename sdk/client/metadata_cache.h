// metadata_cache: the client's view of the cluster (brokers, topic partitions, leaders), built
// from Metadata responses. Pure (no I/O, no clock): the client decides when to refresh.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/metadata.h"
#include "cairn/types.h"
#include "protocol/cairn.capnp.h"

namespace cairn::sdk {

// "host:port" -> (host, port); errc::bad_address otherwise. "[::1]:9092" is accepted for IPv6.
result<broker_info> parse_address(std::string_view address);

// A wire MetadataResponse as plain values (error codes mapped to protocol::errc).
cluster_info to_cluster_info(protocol::wire::MetadataResponse::Reader response);
partition_info to_partition_info(protocol::wire::PartitionMetadata::Reader p);

class metadata_cache {
 public:
  // Merges a response: its brokers replace the known ones, its topics replace theirs; a topic
  // answered with an error (unknown_topic) is forgotten. Topics not in it are kept.
  void update(const cluster_info& info);
  // Forgets brokers and topics (the cluster's addresses changed).
  void clear();

  // The topic's partitions; nullopt when unknown or marked stale.
  const topic_info* topic(std::string_view name) const;
  std::optional<std::int32_t> partition_count(std::string_view topic) const;
  // The leader's node id and address; nullopt when unknown, stale, or leaderless.
  std::optional<broker_info> leader_for(const topic_partition& tp) const;
  std::optional<broker_info> broker(std::int32_t node_id) const;
  const std::vector<broker_info>& brokers() const { return brokers_; }
  // The broker that takes topic changes (CreateTopics, DeleteTopics); nullopt when no metadata
  // named one, or it is not among the known brokers.
  std::optional<broker_info> controller() const;

  // A broker said the view of this topic is stale: the next lookup misses and refreshes.
  void mark_stale(std::string_view topic);

 private:
  std::vector<broker_info> brokers_;
  std::int32_t controller_id_ = -1;
  std::map<std::string, topic_info, std::less<>> topics_;
};

}  // namespace cairn::sdk
