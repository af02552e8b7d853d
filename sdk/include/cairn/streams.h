// cairn::streams: per-aggregate event streams (AppendToStream / ReadStream). A stream is a key
// of a topic; the broker numbers its events (versions 0, 1, ...) and checks the expected
// version atomically with the append.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cairn/client.h"

namespace cairn {

// Expected versions (EventStoreDB's): a version N >= 0 means "the stream is at exactly N".
namespace expected_version {
inline constexpr std::int64_t any = -2;        // no concurrency check
inline constexpr std::int64_t no_stream = -1;  // the stream must not exist yet
inline constexpr std::int64_t exists = -4;     // the stream must have at least one event
}  // namespace expected_version

struct event_header {
  std::string key{};
  std::optional<std::string> value{};
};

struct event_data {
  std::string type{};  // sent as the `type` header when not empty, e.g. "payments.Captured.v1"
  std::string data{};
  std::vector<event_header> headers{};
};

struct appended {
  std::int32_t partition = -1;
  std::int64_t first_version = -1;
  std::int64_t last_version = -1;  // the stream's version after the append
  std::int64_t base_offset = -1;
};

// A domain refusal, not a failure: the stream is not at the expected version.
struct wrong_expected_version {
  std::int64_t expected = 0;
  std::int64_t actual = -1;  // the stream's current version; -1 when it does not exist
};

using append_outcome = std::variant<appended, wrong_expected_version>;

struct recorded_event {
  std::int64_t version = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::string type{};
  std::string data{};
  std::vector<event_header> headers{};
};

struct stream_slice {
  std::int32_t partition = -1;
  std::int64_t last_version = -1;  // the stream's current version; -1 when it does not exist
  std::vector<recorded_event> events{};
};

class streams {
 public:
  explicit streams(client& c) : client_(c) {}

  // Appends `events` atomically. The outcome is `appended` or `wrong_expected_version`;
  // errors are transport / broker failures (unknown_topic, connection_lost, ...).
  awaitable<result<append_outcome>> async_append(std::string topic, std::string key,
                                                 std::int64_t expected,
                                                 std::vector<event_data> events);
  result<append_outcome> append(std::string topic, std::string key, std::int64_t expected,
                                std::vector<event_data> events);

  // Events from from_version on, at most max_count (0: the broker's page size).
  awaitable<result<stream_slice>> async_read(std::string topic, std::string key,
                                             std::int64_t from_version = 0,
                                             std::int32_t max_count = 0);
  result<stream_slice> read(std::string topic, std::string key, std::int64_t from_version = 0,
                            std::int32_t max_count = 0);

 private:
  client& client_;
};

}  // namespace cairn
