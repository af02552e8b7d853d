// cairn::streams: AppendToStream and ReadStream, sent to the leader of the stream's partition.
#include "cairn/streams.h"

#include <chrono>

#include "eventstore/record/record_batch.h"
#include "protocol/key_partitioner.h"
#include "sdk/client/client_impl.h"
#include "sdk/client/record_decoder.h"

namespace cairn {

namespace asio = boost::asio;
namespace wire = protocol::wire;

namespace {

constexpr std::string_view kTypeHeader = "type";
// Retries of a request whose answer says the client's metadata is stale: one refresh is
// normally enough; the bound keeps a flapping cluster from looping forever.
constexpr int kStaleMetadataRetriesMax = 3;

capnp::Data::Reader data_of(std::string_view s) {
  return {reinterpret_cast<const capnp::byte*>(s.data()), s.size()};
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string encode_events(const std::string& key, const std::vector<event_data>& events) {
  eventstore::record_batch_builder builder;
  std::int64_t ts = now_ms();
  std::vector<eventstore::header_view> headers;
  for (const auto& e : events) {
    headers.clear();
    if (!e.type.empty()) headers.push_back({kTypeHeader, e.type});
    for (const auto& h : e.headers) {
      headers.push_back({h.key, h.value ? std::optional<std::string_view>(*h.value)
                                        : std::optional<std::string_view>()});
    }
    builder.add({.key = key, .value = e.data, .headers = headers, .timestamp_ms = ts});
  }
  return builder.finish();
}

}  // namespace

asio::awaitable<result<append_outcome>> streams::async_append(std::string topic, std::string key,
                                                              std::int64_t expected,
                                                              std::vector<event_data> events) {
  auto& c = client_.impl();
  if (key.empty() || events.empty()) co_return protocol::errc::invalid_request;
  std::string batch = encode_events(key, events);
  std::error_code last;
  for (int attempt = 0; attempt <= kStaleMetadataRetriesMax; ++attempt) {
    BOOST_OUTCOME_CO_TRY(auto t, co_await c.topic(topic));
    if (t.partitions.empty()) co_return protocol::errc::unknown_partition;
    std::int32_t partition =
        protocol::partition_for_key(key, static_cast<std::int32_t>(t.partitions.size()));
    // A named value: g++ 12 destroys a braced temporary inside co_await twice.
    sdk::topic_partition tp{topic, partition};
    BOOST_OUTCOME_CO_TRY(auto leader, co_await c.leader_for(std::move(tp)));
    auto response = co_await c.call(
        leader,
        [&](wire::Request::Builder req) {
          auto a = req.initAppendToStream();
          a.setTopic(topic);
          a.setKey(data_of(key));
          a.setExpectedVersion(expected);
          a.setRecords(data_of(batch));
          a.setAcks(wire::Acks::ALL);
          a.setTimeoutMs(static_cast<std::int32_t>(c.request_timeout().count()));
        },
        wire::Response::APPEND_TO_STREAM, c.request_timeout(), /*keep_error=*/true);
    if (!response) {
      last = response.error();
      if (last.category() == protocol::protocol_category() &&
          protocol::needs_metadata_refresh(static_cast<protocol::errc>(last.value()))) {
        c.metadata().mark_stale(topic);
        continue;
      }
      co_return last;
    }
    auto root = response.value().root();
    auto body = root.getAppendToStream();
    auto code = root.getErrorCode();
    if (code == wire::ErrorCode::WRONG_EXPECTED_VERSION) {
      co_return append_outcome{wrong_expected_version{expected, body.getActualVersion()}};
    }
    if (code != wire::ErrorCode::NONE) {
      last = protocol::from_wire(code);
      if (protocol::needs_metadata_refresh(protocol::from_wire(code))) {
        c.metadata().mark_stale(topic);
        continue;
      }
      co_return last;
    }
    co_return append_outcome{appended{body.getPartition(), body.getFirstVersion(),
                                      body.getLastVersion(), body.getBaseOffset()}};
  }
  co_return last;
}

result<append_outcome> streams::append(std::string topic, std::string key, std::int64_t expected,
                                       std::vector<event_data> events) {
  return client_.impl().block_on<result<append_outcome>>(
      [&] { return async_append(std::move(topic), std::move(key), expected, std::move(events)); });
}

asio::awaitable<result<stream_slice>> streams::async_read(std::string topic, std::string key,
                                                          std::int64_t from_version,
                                                          std::int32_t max_count) {
  auto& c = client_.impl();
  if (key.empty() || from_version < 0) co_return protocol::errc::invalid_request;
  BOOST_OUTCOME_CO_TRY(auto t, co_await c.topic(topic));
  if (t.partitions.empty()) co_return protocol::errc::unknown_partition;
  std::int32_t partition =
      protocol::partition_for_key(key, static_cast<std::int32_t>(t.partitions.size()));
  sdk::topic_partition tp{topic, partition};  // named: see async_append
  BOOST_OUTCOME_CO_TRY(auto leader, co_await c.leader_for(std::move(tp)));
  auto response = co_await c.call(
      leader,
      [&](wire::Request::Builder req) {
        auto r = req.initReadStream();
        r.setTopic(topic);
        r.setKey(data_of(key));
        r.setFromVersion(from_version);
        r.setMaxCount(max_count);
      },
      wire::Response::READ_STREAM, c.request_timeout());
  if (!response) {
    if (response.error().category() == protocol::protocol_category() &&
        protocol::needs_metadata_refresh(static_cast<protocol::errc>(response.error().value()))) {
      c.metadata().mark_stale(topic);
    }
    co_return response.error();
  }
  auto body = response.value().root().getReadStream();
  stream_slice slice;
  slice.partition = body.getPartition();
  slice.last_version = body.getLastVersion();
  // The batches may hold other streams' records too: keep exactly the listed offsets.
  std::vector<consumer_record> records;
  auto bytes = body.getRecords();
  BOOST_OUTCOME_CO_TRYV(sdk::decode_records(
      topic, slice.partition,
      std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), 0,
      std::numeric_limits<std::size_t>::max(), records));
  std::size_t at = 0;
  for (auto e : body.getEvents()) {
    // Both lists are in offset order: one forward walk matches them.
    while (at < records.size() && records[at].offset < e.getOffset())
      ++at;
    if (at == records.size() || records[at].offset != e.getOffset()) {
      co_return protocol::errc::corrupt_batch;  // the broker listed an offset it did not send
    }
    consumer_record& r = records[at];
    recorded_event ev{.version = e.getVersion(),
                      .offset = r.offset,
                      .timestamp_ms = r.timestamp_ms,
                      .type = {},
                      .data = r.value.value_or(""),
                      .headers = {}};
    for (auto& h : r.headers) {
      if (h.key == kTypeHeader && ev.type.empty()) {
        ev.type = h.value.value_or("");
      } else {
        ev.headers.push_back({std::move(h.key), std::move(h.value)});
      }
    }
    slice.events.push_back(std::move(ev));
  }
  co_return slice;
}

result<stream_slice> streams::read(std::string topic, std::string key, std::int64_t from_version,
                                   std::int32_t max_count) {
  return client_.impl().block_on<result<stream_slice>>(
      [&] { return async_read(std::move(topic), std::move(key), from_version, max_count); });
}

}  // namespace cairn
