// cairn::admin: topic administration requests. Creation and deletion go to the controller;
// the rest is answered by any broker.
#include "cairn/admin.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "sdk/client/client_impl.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;

namespace {

std::error_code error_of(wire::ErrorCode code) {
  if (code == wire::ErrorCode::NONE) return {};
  return protocol::from_wire(code);
}

std::chrono::milliseconds admin_timeout(client_impl& c, std::int32_t broker_timeout_ms) {
  // The broker may take broker_timeout_ms itself; the request must outlive that.
  return c.request_timeout() + std::chrono::milliseconds(std::max(broker_timeout_ms, 0));
}

// Metadata with no topics: brokers and the controller only.
asio::awaitable<result<void>> refresh_controller(client_impl& c) {
  BOOST_OUTCOME_CO_TRY(auto response,
                       co_await c.call_any([](wire::Request::Builder req) { req.initMetadata(); },
                                           wire::Response::METADATA, c.request_timeout()));
  c.metadata().update(sdk::to_cluster_info(response.root().getMetadata()));
  co_return success();
}

// Sends a topic change to the controller and returns the error of its one topic result. On
// not_controller, or when the controller cannot be reached, refreshes the metadata and tries
// the controller it names again, with a growing pause between tries, until `timeout` has passed
// since the first: while the controller's group elects a new leader, every broker answers
// not_controller for an election timeout or two (Kafka's AdminClient retries the same way,
// retry.backoff.ms until its api timeout). Before any metadata names a controller, any broker
// is asked (a standalone broker is its own controller).
asio::awaitable<result<void>> to_controller(
    client_impl& c, const sdk::request_filler& fill, wire::Response::Which expected,
    std::chrono::milliseconds timeout,
    std::error_code (*topic_error)(const protocol::parsed_response&)) {
  using clock = std::chrono::steady_clock;
  const clock::time_point deadline = clock::now() + timeout;
  std::chrono::milliseconds pause = admin::kControllerRetryBackoffMin;
  std::error_code last = protocol::errc::not_controller;
  for (bool first = true;; first = false) {
    if (!first) {
      if (clock::now() + pause >= deadline) co_return last;
      asio::steady_timer timer(co_await asio::this_coro::executor, pause);
      co_await timer.async_wait(asio::use_awaitable);
      pause = std::min(pause * 2, admin::kControllerRetryBackoffMax);
      auto refreshed = co_await refresh_controller(c);
      if (!refreshed) co_return refreshed.error();
    }
    std::optional<broker_info> controller = c.metadata().controller();
    result<protocol::parsed_response> response = sdk::errc::no_brokers;
    if (controller) {
      response = co_await c.call(*controller, fill, expected, timeout);
    } else {
      response = co_await c.call_any(fill, expected, timeout);
    }
    if (!response) {
      last = response.error();
      // Only a controller we could not reach is worth another look; other errors are answers.
      if (controller && response.error().category() == sdk::sdk_category()) continue;
      co_return response.error();
    }
    std::error_code ec = topic_error(response.value());
    if (!ec) co_return success();
    if (ec != protocol::errc::not_controller) co_return ec;
    last = ec;
  }
}

std::error_code create_topic_error(const protocol::parsed_response& response) {
  auto topics = response.root().getCreateTopics().getTopics();
  if (topics.size() != 1) return sdk::errc::unexpected_response;
  return error_of(topics[0].getErrorCode());
}

std::error_code delete_topic_error(const protocol::parsed_response& response) {
  auto topics = response.root().getDeleteTopics().getTopics();
  if (topics.size() != 1) return sdk::errc::unexpected_response;
  return error_of(topics[0].getErrorCode());
}

}  // namespace

asio::awaitable<result<void>> admin::async_create_topic(std::string name, topic_settings settings,
                                                        std::int32_t timeout_ms) {
  auto& c = client_.impl();
  result<void> sent = co_await to_controller(
      c,
      [&](wire::Request::Builder req) {
        auto r = req.initCreateTopics();
        r.setTimeoutMs(timeout_ms);
        auto t = r.initTopics(1)[0];
        t.setName(name);
        auto config = t.initConfig();
        config.setPartitions(settings.partitions);
        config.setReplicationFactor(settings.replication_factor);
        config.setRetentionMs(settings.retention_ms);
        config.setRetentionBytes(settings.retention_bytes);
        config.setCleanupPolicy(settings.cleanup == cleanup_policy::compact
                                    ? wire::CleanupPolicy::COMPACT
                                    : wire::CleanupPolicy::DELETE);
        config.setTimestampType(settings.timestamp == timestamp_type::log_append_time
                                    ? wire::TimestampType::LOG_APPEND_TIME
                                    : wire::TimestampType::CREATE_TIME);
      },
      wire::Response::CREATE_TOPICS, admin_timeout(c, timeout_ms), &create_topic_error);
  if (!sent) co_return sent.error();
  c.metadata().mark_stale(name);
  co_return success();
}

result<void> admin::create_topic(std::string name, topic_settings settings,
                                 std::int32_t timeout_ms) {
  return client_.impl().block_on<result<void>>(
      [&] { return async_create_topic(std::move(name), settings, timeout_ms); });
}

asio::awaitable<result<void>> admin::async_delete_topic(std::string name, std::int32_t timeout_ms) {
  auto& c = client_.impl();
  result<void> sent = co_await to_controller(
      c,
      [&](wire::Request::Builder req) {
        auto r = req.initDeleteTopics();
        r.setTimeoutMs(timeout_ms);
        r.initNames(1).set(0, name);
      },
      wire::Response::DELETE_TOPICS, admin_timeout(c, timeout_ms), &delete_topic_error);
  c.metadata().mark_stale(name);
  if (!sent) co_return sent.error();
  co_return success();
}

result<void> admin::delete_topic(std::string name, std::int32_t timeout_ms) {
  return client_.impl().block_on<result<void>>(
      [&] { return async_delete_topic(std::move(name), timeout_ms); });
}

asio::awaitable<result<std::vector<topic_listing>>> admin::async_list_topics(
    bool include_internal) {
  auto& c = client_.impl();
  BOOST_OUTCOME_CO_TRY(auto response,
                       co_await c.call_any(
                           [&](wire::Request::Builder req) {
                             req.initListTopics().setIncludeInternal(include_internal);
                           },
                           wire::Response::LIST_TOPICS, c.request_timeout()));
  std::vector<topic_listing> out;
  for (auto t : response.root().getListTopics().getTopics()) {
    out.push_back({t.getName(), t.getPartitions(), t.getInternal()});
  }
  co_return out;
}

result<std::vector<topic_listing>> admin::list_topics(bool include_internal) {
  return client_.impl().block_on<result<std::vector<topic_listing>>>(
      [&] { return async_list_topics(include_internal); });
}

asio::awaitable<result<topic_description>> admin::async_describe_topic(std::string name) {
  auto& c = client_.impl();
  BOOST_OUTCOME_CO_TRY(auto response, co_await c.call_any(
                                          [&](wire::Request::Builder req) {
                                            req.initDescribeTopics().initNames(1).set(0, name);
                                          },
                                          wire::Response::DESCRIBE_TOPICS, c.request_timeout()));
  auto topics = response.root().getDescribeTopics().getTopics();
  if (topics.size() != 1) co_return sdk::errc::unexpected_response;
  auto t = topics[0];
  if (auto ec = error_of(t.getErrorCode())) co_return ec;
  topic_description d;
  d.name = t.getName();
  auto config = t.getConfig();
  d.settings.partitions = config.getPartitions();
  d.settings.replication_factor = config.getReplicationFactor();
  d.settings.retention_ms = config.getRetentionMs();
  d.settings.retention_bytes = config.getRetentionBytes();
  d.settings.cleanup = config.getCleanupPolicy() == wire::CleanupPolicy::COMPACT
                           ? cleanup_policy::compact
                           : cleanup_policy::remove;
  d.settings.timestamp = config.getTimestampType() == wire::TimestampType::LOG_APPEND_TIME
                             ? timestamp_type::log_append_time
                             : timestamp_type::create_time;
  for (auto p : t.getPartitions())
    d.partitions.push_back(sdk::to_partition_info(p));
  co_return d;
}

result<topic_description> admin::describe_topic(std::string name) {
  return client_.impl().block_on<result<topic_description>>(
      [&] { return async_describe_topic(std::move(name)); });
}

asio::awaitable<result<cluster_description>> admin::async_describe_cluster() {
  auto& c = client_.impl();
  BOOST_OUTCOME_CO_TRY(
      auto response,
      co_await c.call_any([](wire::Request::Builder req) { req.initDescribeCluster(); },
                          wire::Response::DESCRIBE_CLUSTER, c.request_timeout()));
  auto r = response.root().getDescribeCluster();
  cluster_description d;
  d.cluster_id = r.getClusterId();
  d.controller_id = r.getControllerId();
  for (auto b : r.getBrokers()) {
    const auto role = b.getControllerRole() == wire::ControllerRole::VOTER ? controller_role::voter
                      : b.getControllerRole() == wire::ControllerRole::LEARNER
                          ? controller_role::learner
                          : controller_role::none;
    d.brokers.push_back(
        {b.getNodeId(), b.getHost(), b.getPort(), b.getAlive(), b.getLastSeenMsAgo(), role});
  }
  for (auto t : r.getTopics()) {
    topic_info topic{.name = t.getName(), .error = error_of(t.getErrorCode()), .partitions = {}};
    for (auto p : t.getPartitions())
      topic.partitions.push_back(sdk::to_partition_info(p));
    d.topics.push_back(std::move(topic));
  }
  co_return d;
}

result<cluster_description> admin::describe_cluster() {
  return client_.impl().block_on<result<cluster_description>>(
      [&] { return async_describe_cluster(); });
}

}  // namespace cairn
