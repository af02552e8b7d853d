// cairn::admin's consumer-group calls: ListGroups (every broker), DescribeGroups with committed
// offsets and lag, DeleteGroups, and offset resets (ListOffsets, then an OffsetCommit from
// outside the group). Group requests go to the group's coordinator (coordinator_lookup).
#include <map>
#include <set>

#include "cairn/admin.h"
#include "sdk/client/coordinator_lookup.h"
#include "sdk/group/membership_codec.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;
using std::chrono::steady_clock;

namespace {

constexpr std::string_view kConsumerProtocolType = "consumer";

std::string bytes_of(capnp::Data::Reader data) {
  return {reinterpret_cast<const char*>(data.begin()), data.size()};
}

// Where offset_target `to` puts one partition.
asio::awaitable<result<std::int64_t>> target_offset(client_impl& c, topic_partition tp,
                                                    offset_target to) {
  switch (to.what) {
    case offset_target::kind::earliest: {
      std::int64_t ts = wire::EARLIEST_TIMESTAMP;
      co_return co_await c.list_offset(std::move(tp), ts);
    }
    case offset_target::kind::latest: {
      std::int64_t ts = wire::LATEST_TIMESTAMP;
      co_return co_await c.list_offset(std::move(tp), ts);
    }
    case offset_target::kind::timestamp: {
      if (to.value < 0) co_return protocol::errc::invalid_request;
      co_return co_await c.list_offset(std::move(tp), to.value);
    }
    case offset_target::kind::offset: {
      std::int64_t earliest_ts = wire::EARLIEST_TIMESTAMP;
      std::int64_t latest_ts = wire::LATEST_TIMESTAMP;
      BOOST_OUTCOME_CO_TRY(auto first, co_await c.list_offset(tp, earliest_ts));
      BOOST_OUTCOME_CO_TRY(auto end, co_await c.list_offset(tp, latest_ts));
      co_return std::clamp(to.value, first, end);
    }
  }
  co_return protocol::errc::invalid_request;
}

}  // namespace

asio::awaitable<result<std::vector<group_listing>>> admin::async_list_groups() {
  auto& c = client_.impl();
  std::vector<std::string> all;
  BOOST_OUTCOME_CO_TRY(auto cluster, co_await c.refresh_metadata(std::move(all)));
  std::map<std::string, group_listing> groups;  // by id: a group is listed by its coordinator
  for (const broker_info& b : cluster.brokers) {
    BOOST_OUTCOME_CO_TRY(auto response,
                         co_await c.call(
                             b, [](wire::Request::Builder req) { req.initListGroups(); },
                             wire::Response::LIST_GROUPS, c.request_timeout()));
    for (auto g : response.root().getListGroups().getGroups()) {
      group_listing listing{g.getGroupId(), g.getProtocolType(), g.getState()};
      groups.insert_or_assign(listing.group_id, std::move(listing));
    }
  }
  std::vector<group_listing> out;
  for (auto& [id, listing] : groups)
    out.push_back(std::move(listing));
  co_return out;
}

result<std::vector<group_listing>> admin::list_groups() {
  return client_.impl().block_on<result<std::vector<group_listing>>>(
      [&] { return async_list_groups(); });
}

asio::awaitable<result<group_description>> admin::async_describe_group(std::string group) {
  auto& c = client_.impl();
  sdk::group_coordinator coordinator(c, group);
  auto deadline = steady_clock::now() + c.request_timeout();
  BOOST_OUTCOME_CO_TRY(auto described,
                       co_await coordinator.call(
                           [&](wire::Request::Builder req) {
                             req.initDescribeGroups().initGroupIds(1).set(0, group);
                           },
                           wire::Response::DESCRIBE_GROUPS, c.request_timeout(), deadline));
  auto groups = described.root().getDescribeGroups().getGroups();
  if (groups.size() != 1) co_return sdk::errc::unexpected_response;
  auto g = groups[0];
  if (g.getErrorCode() != wire::ErrorCode::NONE) co_return protocol::from_wire(g.getErrorCode());
  group_description d;
  d.group_id = g.getGroupId();
  d.state = g.getState();
  d.protocol_type = g.getProtocolType();
  d.protocol_name = g.getProtocolName();
  d.generation = g.getGenerationId();
  d.leader = g.getLeader();
  std::map<topic_partition, group_partition_offsets> rows;
  for (auto m : g.getMembers()) {
    group_member_description member;
    member.member_id = m.getMemberId();
    if (m.hasGroupInstanceId()) member.group_instance_id = std::string(m.getGroupInstanceId());
    member.client_id = m.getClientId();
    member.client_host = m.getClientHost();
    std::string assignment = bytes_of(m.getAssignment());
    if (d.protocol_type == kConsumerProtocolType && !assignment.empty()) {
      // Another client's bytes: a member whose assignment does not decode is shown without one.
      if (auto decoded = sdk::decode_assignment(assignment)) {
        member.assignment = std::move(decoded.value().partitions);
      }
    }
    for (const auto& tp : member.assignment) {
      rows[tp].partition = tp;
      rows[tp].member_id = member.member_id;
    }
    d.members.push_back(std::move(member));
  }

  BOOST_OUTCOME_CO_TRY(auto fetched,
                       co_await coordinator.call(
                           [&](wire::Request::Builder req) {
                             auto f = req.initOffsetFetch();
                             f.setGroupId(group);
                             f.setAllTopics(true);
                           },
                           wire::Response::OFFSET_FETCH, c.request_timeout(), deadline));
  for (auto t : fetched.root().getOffsetFetch().getTopics()) {
    std::string topic = t.getName();
    for (auto p : t.getPartitions()) {
      if (p.getErrorCode() != wire::ErrorCode::NONE) {
        co_return protocol::from_wire(p.getErrorCode());
      }
      if (p.getOffset() < 0) continue;
      topic_partition tp{topic, p.getPartition()};
      rows[tp].partition = tp;
      rows[tp].committed = p.getOffset();
      rows[tp].metadata = p.getMetadata();
    }
  }
  if (d.state == "Dead" && d.members.empty() && rows.empty()) {
    co_return protocol::errc::group_id_not_found;
  }
  for (auto& [tp, row] : rows) {
    // The high watermark: what a consumer can read up to. Unknown (-1) if the partition's
    // leader cannot say (a deleted topic, a leader election): the rest still describes.
    std::int64_t latest = wire::LATEST_TIMESTAMP;
    auto end = co_await c.list_offset(tp, latest);
    if (end) row.log_end_offset = end.value();
    if (row.committed && row.log_end_offset >= 0) {
      row.lag = std::max<std::int64_t>(0, row.log_end_offset - *row.committed);
    }
    d.partitions.push_back(std::move(row));
  }
  co_return d;
}

result<group_description> admin::describe_group(std::string group) {
  return client_.impl().block_on<result<group_description>>(
      [&] { return async_describe_group(std::move(group)); });
}

asio::awaitable<result<void>> admin::async_delete_group(std::string group) {
  auto& c = client_.impl();
  sdk::group_coordinator coordinator(c, group);
  BOOST_OUTCOME_CO_TRY(auto response, co_await coordinator.call(
                                          [&](wire::Request::Builder req) {
                                            req.initDeleteGroups().initGroupIds(1).set(0, group);
                                          },
                                          wire::Response::DELETE_GROUPS, c.request_timeout(),
                                          steady_clock::now() + c.request_timeout()));
  auto results = response.root().getDeleteGroups().getResults();
  if (results.size() != 1) co_return sdk::errc::unexpected_response;
  if (results[0].getErrorCode() != wire::ErrorCode::NONE) {
    co_return protocol::from_wire(results[0].getErrorCode());
  }
  co_return success();
}

result<void> admin::delete_group(std::string group) {
  return client_.impl().block_on<result<void>>(
      [&] { return async_delete_group(std::move(group)); });
}

asio::awaitable<result<std::map<topic_partition, std::int64_t>>> admin::async_reset_offsets(
    std::string group, std::string topic, offset_target to) {
  auto& c = client_.impl();
  std::vector<std::string> wanted{topic};
  BOOST_OUTCOME_CO_TRY(auto cluster, co_await c.refresh_metadata(std::move(wanted)));
  std::int32_t count = -1;
  for (const auto& t : cluster.topics) {
    if (t.name != topic) continue;
    if (t.error) co_return t.error;
    count = static_cast<std::int32_t>(t.partitions.size());
  }
  if (count < 0) co_return protocol::errc::unknown_topic;
  std::map<topic_partition, std::int64_t> offsets;
  for (std::int32_t p = 0; p < count; ++p) {
    topic_partition tp{topic, p};
    BOOST_OUTCOME_CO_TRY(auto offset, co_await target_offset(c, tp, to));
    offsets.emplace(std::move(tp), offset);
  }
  // Kafka's kafka-consumer-groups checks the state first, and so do we: the coordinator refuses
  // a commit from outside the group while it has members, but with unknown_member_id (the
  // commit names no member), which would not tell the user what to do.
  auto described = co_await async_describe_group(group);
  if (described) {
    const std::string& state = described.value().state;
    if (state != "Empty" && state != "Dead") co_return protocol::errc::non_empty_group;
  } else if (described.error() != protocol::errc::group_id_not_found) {
    co_return described.error();
  }
  sdk::group_coordinator coordinator(c, group);
  // From outside the group (generation -1, no member id): the coordinator takes it only while
  // the group has no members.
  BOOST_OUTCOME_CO_TRY(auto response,
                       co_await coordinator.call(
                           [&](wire::Request::Builder req) {
                             auto r = req.initOffsetCommit();
                             r.setGroupId(group);
                             r.setGenerationId(-1);
                             r.setMemberId("");
                             auto t = r.initTopics(1)[0];
                             t.setName(topic);
                             auto parts = t.initPartitions(static_cast<unsigned>(offsets.size()));
                             unsigned i = 0;
                             for (const auto& [tp, offset] : offsets) {
                               parts[i].setPartition(tp.partition);
                               parts[i].setOffset(offset);
                               ++i;
                             }
                           },
                           wire::Response::OFFSET_COMMIT, c.request_timeout(),
                           steady_clock::now() + c.request_timeout()));
  for (auto t : response.root().getOffsetCommit().getTopics()) {
    for (auto p : t.getPartitions()) {
      if (p.getErrorCode() != wire::ErrorCode::NONE)
        co_return protocol::from_wire(p.getErrorCode());
    }
  }
  co_return offsets;
}

result<std::map<topic_partition, std::int64_t>> admin::reset_offsets(std::string group,
                                                                     std::string topic,
                                                                     offset_target to) {
  return client_.impl().block_on<result<std::map<topic_partition, std::int64_t>>>(
      [&] { return async_reset_offsets(std::move(group), std::move(topic), to); });
}

}  // namespace cairn
