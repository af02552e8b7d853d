// The dead-letter topic's record format: what an event handler writes to `<topic>.dlq` when it
// parks a record, and the marker it writes when a parked record was handled after a replay.
// Reader (the handler's rebuild, `cairn dlq list|replay`) and writer share this one header.
// Pure: no I/O. sdk/README.md ("Event handlers and the dead-letter topic") has the design.
//
// A parked record keeps the original key, value, timestamp and headers; its `dlq-*` headers say
// why and where from. Header values are decimal text; error codes are "category:value".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "cairn/consumer.h"
#include "cairn/producer.h"

namespace cairn::es {

inline constexpr std::string_view kDeadLetterSuffix = ".dlq";
// Every header the DLQ adds starts with this; a replay strips them all (and adds its own).
inline constexpr std::string_view kDlqHeaderPrefix = "dlq-";

inline constexpr std::string_view kDlqKind = "dlq-kind";  // parked | resolved
inline constexpr std::string_view kDlqGroup = "dlq-group";
inline constexpr std::string_view kDlqSourceTopic = "dlq-source-topic";
inline constexpr std::string_view kDlqSourcePartition = "dlq-source-partition";
inline constexpr std::string_view kDlqSourceOffset = "dlq-source-offset";
inline constexpr std::string_view kDlqError = "dlq-error";
inline constexpr std::string_view kDlqErrorCode = "dlq-error-code";
inline constexpr std::string_view kDlqAttempts = "dlq-attempts";
inline constexpr std::string_view kDlqReason = "dlq-reason";  // failed | parked-behind
inline constexpr std::string_view kDlqParkedAtMs = "dlq-parked-at-ms";
// On a parked record: the DLQ offset (same partition) of the entry it takes the place of,
// when a replayed copy failed again.
inline constexpr std::string_view kDlqReplaces = "dlq-replaces";
// On a resolved marker: the DLQ offset (same partition) of the entry that was handled.
inline constexpr std::string_view kDlqResolves = "dlq-resolves";
// On a replayed copy in the source topic: "<dlq partition>:<dlq offset>" of its DLQ entry.
inline constexpr std::string_view kDlqReplayOf = "dlq-replay-of";

enum class park_reason {
  failed,         // the handler failed attempts_max times
  parked_behind,  // an earlier record of the same key is parked: order is kept by parking this
};

std::string_view to_string(park_reason r);

// A parked record as read back from the DLQ.
struct dead_letter_entry {
  std::string group{};
  std::string source_topic{};
  std::int32_t source_partition = -1;
  std::int64_t source_offset = -1;
  park_reason reason = park_reason::failed;
  std::string error{};       // the message
  std::string error_code{};  // "category:value"; empty for parked_behind
  std::int32_t attempts = 0;
  std::int64_t parked_at_ms = 0;
  std::optional<std::int64_t> replaces{};  // a DLQ offset in the same partition
  // The original record.
  std::optional<std::string> key{};
  std::optional<std::string> value{};
  std::int64_t timestamp_ms = 0;
  std::vector<record_header> headers{};  // without the dlq-* ones
  // Where it sits in the DLQ (set from the DLQ record, or from the produce acknowledgement).
  std::int32_t dlq_partition = -1;
  std::int64_t dlq_offset = -1;
};

// "This parked entry was handled": the handler writes it after a replayed copy succeeded.
struct dead_letter_resolution {
  std::string group{};
  std::optional<std::string> key{};
  std::int32_t dlq_partition = -1;
  std::int64_t resolves = -1;  // the entry's DLQ offset
  std::int64_t dlq_offset = -1;
};

// A record of the DLQ topic that is neither (written by something else, or malformed): skipped.
struct not_dead_letter {
  std::string why{};
};

using dead_letter_record = std::variant<dead_letter_entry, dead_letter_resolution, not_dead_letter>;

// Reads one record of a DLQ topic.
dead_letter_record decode_dead_letter(const consumer_record& r);

// What the handler produces to park `source` (to `dlq_topic`, partition = source partition).
producer_record encode_parked(const consumer_record& source, const dead_letter_entry& why,
                              const std::string& dlq_topic);
// The entry encode_parked describes, as decode_dead_letter will read it back once written at
// `dlq_offset`.
dead_letter_entry parked_entry(const consumer_record& source, std::string group, park_reason reason,
                               std::error_code ec, std::string error, std::int32_t attempts,
                               std::int64_t parked_at_ms, std::optional<std::int64_t> replaces);
producer_record encode_resolved(const dead_letter_resolution& r, const std::string& dlq_topic);

// A copy of a parked record for the source topic (`cairn dlq replay`): same key, value and
// original headers, plus dlq-replay-of; sent to the partition the entry was parked from.
producer_record encode_replay(const dead_letter_entry& e);

// The (dlq partition, dlq offset) a replayed copy names; nullopt for any other record.
struct replay_ref {
  std::int32_t dlq_partition = -1;
  std::int64_t dlq_offset = -1;
};
std::optional<replay_ref> replay_of(const consumer_record& r);

// "category:value", e.g. "cairn.es:2".
std::string error_code_text(std::error_code ec);

}  // namespace cairn::es
