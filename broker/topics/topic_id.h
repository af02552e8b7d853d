// topic_id: a topic's UUID, as Kafka's topic ids (KIP-516): it tells a topic from an earlier one
// of the same name that was deleted and created again. Kept in topic.json and, in a cluster, in
// the controller's topic record, so every broker and every restart answer the same id.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::broker {

// 16 bytes, most significant first (Kafka's Uuid: two big-endian longs on the wire).
using topic_id = std::array<std::uint8_t, 16>;

// All zero: "no id" (Kafka's Uuid.ZERO_UUID, which it never assigns).
inline bool is_nil(const topic_id& id) {
  for (std::uint8_t b : id) {
    if (b != 0) return false;
  }
  return true;
}

// A random version-4 UUID (never nil, never Kafka's reserved METADATA_TOPIC_ID 0...01).
topic_id random_topic_id();
// The id of a controller topic record written before topics had ids: a function of what every
// broker has alike (the name and the controller offset of its create), shaped as a version-4
// UUID, so that every broker derives the same one without a new record.
topic_id derived_topic_id(std::string_view name, std::int64_t created_offset);

// The canonical form, 8-4-4-4-12 lowercase hex digits (topic.json, the CLI, logs).
std::string to_string(const topic_id& id);
// nullopt for anything to_string could not have written.
std::optional<topic_id> topic_id_from_string(std::string_view text);

}  // namespace cairn::broker
