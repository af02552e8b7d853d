#include "sdk/group/membership_codec.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "cairn/errc.h"

namespace cairn::sdk {
namespace {

using limits = membership_limits;

// The highest version whose fields this build knows; both messages have versions 0-3 so far.
constexpr std::int16_t known_version_max = 3;

// Smallest encodings, for checking a count against the bytes left before trusting it.
constexpr std::size_t topic_bytes_min = 2 + 1;                          // length + one byte
constexpr std::size_t partition_group_bytes_min = topic_bytes_min + 4;  // + an empty count
constexpr std::size_t partition_bytes = 4;

constexpr std::size_t nullable_string_bytes_max = std::numeric_limits<std::int16_t>::max();

// --- writing (big-endian, as every Kafka primitive) ---

void put_i16(std::string& out, std::int16_t v) {
  const auto u = static_cast<std::uint16_t>(v);
  out.push_back(static_cast<char>(u >> 8));
  out.push_back(static_cast<char>(u & 0xff));
}

void put_i32(std::string& out, std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((u >> shift) & 0xff));
  }
}

bool valid_topic(std::string_view topic) {
  return !topic.empty() && topic.size() <= limits::topic_bytes_max;
}

result<void> put_topic(std::string& out, std::string_view topic) {
  if (!valid_topic(topic)) return errc::malformed_group_data;
  put_i16(out, static_cast<std::int16_t>(topic.size()));
  out.append(topic);
  return success();
}

result<void> put_nullable_string(std::string& out, const std::optional<std::string>& s) {
  if (!s) {
    put_i16(out, -1);
    return success();
  }
  if (s->size() > nullable_string_bytes_max) return errc::malformed_group_data;
  put_i16(out, static_cast<std::int16_t>(s->size()));
  out.append(*s);
  return success();
}

result<void> put_bytes(std::string& out, const std::optional<std::string>& bytes) {
  if (!bytes) {
    put_i32(out, -1);
    return success();
  }
  if (bytes->size() > limits::user_data_bytes_max) return errc::malformed_group_data;
  put_i32(out, static_cast<std::int32_t>(bytes->size()));
  out.append(*bytes);
  return success();
}

result<void> put_partitions(std::string& out, const std::vector<topic_partition>& partitions) {
  std::map<std::string_view, std::set<std::int32_t>> by_topic;  // sorted, no repeats
  for (const auto& tp : partitions) {
    if (tp.partition < 0) return errc::malformed_group_data;
    by_topic[tp.topic].insert(tp.partition);
  }
  std::size_t total = 0;
  for (const auto& [topic, ps] : by_topic) {
    total += ps.size();
  }
  if (by_topic.size() > limits::topics_max || total > limits::partitions_max) {
    return errc::malformed_group_data;
  }
  put_i32(out, static_cast<std::int32_t>(by_topic.size()));
  for (const auto& [topic, ps] : by_topic) {
    CAIRN_TRY(put_topic(out, topic));
    put_i32(out, static_cast<std::int32_t>(ps.size()));
    for (std::int32_t p : ps) {
      put_i32(out, p);
    }
  }
  return success();
}

// --- reading ---

// A cursor over untrusted bytes: every read checks what is left and fails instead of reading
// past the end.
class reader {
 public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}

  std::size_t remaining() const { return rest_.size(); }

  bool i16(std::int16_t& v) {
    if (rest_.size() < 2) return false;
    v = static_cast<std::int16_t>(static_cast<std::uint16_t>((byte(0) << 8) | byte(1)));
    rest_.remove_prefix(2);
    return true;
  }

  bool i32(std::int32_t& v) {
    if (rest_.size() < 4) return false;
    v = static_cast<std::int32_t>((byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3));
    rest_.remove_prefix(4);
    return true;
  }

  bool take(std::size_t n, std::string_view& out) {
    if (rest_.size() < n) return false;
    out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }

 private:
  std::uint32_t byte(std::size_t i) const { return static_cast<unsigned char>(rest_[i]); }

  std::string_view rest_;
};

result<std::string_view> read_topic(reader& r) {
  std::int16_t length = 0;
  std::string_view s;
  if (!r.i16(length)) return errc::malformed_group_data;
  // Negative (a null string where none may be), empty, or longer than any topic name.
  if (length <= 0 || static_cast<std::size_t>(length) > limits::topic_bytes_max) {
    return errc::malformed_group_data;
  }
  if (!r.take(static_cast<std::size_t>(length), s)) return errc::malformed_group_data;
  return s;
}

result<std::optional<std::string>> read_nullable_string(reader& r) {
  std::int16_t length = 0;
  if (!r.i16(length)) return errc::malformed_group_data;
  if (length == -1) return std::optional<std::string>{};
  if (length < 0) return errc::malformed_group_data;
  std::string_view s;
  if (!r.take(static_cast<std::size_t>(length), s)) return errc::malformed_group_data;
  return std::optional<std::string>{std::string(s)};
}

result<std::optional<std::string>> read_bytes(reader& r) {
  std::int32_t length = 0;
  if (!r.i32(length)) return errc::malformed_group_data;
  if (length == -1) return std::optional<std::string>{};
  if (length < 0) return errc::malformed_group_data;
  const auto n = static_cast<std::size_t>(length);
  if (n > limits::user_data_bytes_max) return errc::malformed_group_data;
  std::string_view s;
  if (!r.take(n, s)) return errc::malformed_group_data;  // checked before the copy allocates
  return std::optional<std::string>{std::string(s)};
}

// An int32 count of elements of at least `element_bytes_min` each, at most `count_max`: fails
// when negative (no list here is nullable) or unless that many could fit in the bytes left, so a
// reserve() after it is bounded by the input.
result<std::size_t> read_count(reader& r, std::size_t element_bytes_min, std::size_t count_max) {
  std::int32_t count = 0;
  if (!r.i32(count) || count < 0) return errc::malformed_group_data;
  const auto n = static_cast<std::size_t>(count);
  if (n > count_max) return errc::malformed_group_data;
  if (n > r.remaining() / element_bytes_min) return errc::malformed_group_data;
  return n;
}

template <class T>
void sort_unique(std::vector<T>& list) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
}

result<std::vector<topic_partition>> read_partitions(reader& r) {
  std::vector<topic_partition> out;
  CAIRN_TRY(auto topics, read_count(r, partition_group_bytes_min, limits::topics_max));
  for (std::size_t t = 0; t < topics; ++t) {
    CAIRN_TRY(auto topic, read_topic(r));
    CAIRN_TRY(auto count, read_count(r, partition_bytes, limits::partitions_max - out.size()));
    out.reserve(out.size() + count);
    for (std::size_t i = 0; i < count; ++i) {
      std::int32_t p = 0;
      if (!r.i32(p) || p < 0) return errc::malformed_group_data;
      out.push_back({std::string(topic), p});
    }
  }
  sort_unique(out);
  return out;
}

result<std::int16_t> read_version(reader& r) {
  std::int16_t version = 0;
  if (!r.i16(version) || version < 0) return errc::malformed_group_data;
  return version;
}

// A known version ends exactly here; a later one appends fields this build does not know.
result<void> read_end(const reader& r, std::int16_t version) {
  if (version <= known_version_max && r.remaining() != 0) return errc::malformed_group_data;
  return success();
}

}  // namespace

result<std::string> encode_subscription(const subscription_metadata& subscription,
                                        std::int16_t version) {
  if (version < 0 || version > known_version_max) return errc::malformed_group_data;
  if (version < 1 && !subscription.owned.empty()) return errc::malformed_group_data;
  if (version < 2 && subscription.generation != -1) return errc::malformed_group_data;
  if (version < 3 && subscription.rack_id) return errc::malformed_group_data;
  std::set<std::string_view> topics(subscription.topics.begin(), subscription.topics.end());
  if (topics.size() > limits::topics_max) return errc::malformed_group_data;
  if (subscription.generation < -1) return errc::malformed_group_data;
  std::string out;
  put_i16(out, version);
  put_i32(out, static_cast<std::int32_t>(topics.size()));
  for (std::string_view topic : topics) {
    CAIRN_TRY(put_topic(out, topic));
  }
  CAIRN_TRY(put_bytes(out, subscription.user_data));
  // CAIRN_TRY is several statements: each needs its braces.
  if (version >= 1) {
    CAIRN_TRY(put_partitions(out, subscription.owned));
  }
  if (version >= 2) put_i32(out, subscription.generation);
  if (version >= 3) {
    CAIRN_TRY(put_nullable_string(out, subscription.rack_id));
  }
  return out;
}

result<std::string> encode_assignment(const assignment_metadata& assignment, std::int16_t version) {
  if (version < 0 || version > known_version_max) return errc::malformed_group_data;
  std::string out;
  put_i16(out, version);
  CAIRN_TRY(put_partitions(out, assignment.partitions));
  CAIRN_TRY(put_bytes(out, assignment.user_data));
  return out;
}

result<subscription_metadata> decode_subscription(std::string_view bytes) {
  reader r(bytes);
  CAIRN_TRY(auto version, read_version(r));
  subscription_metadata out;
  CAIRN_TRY(auto topics, read_count(r, topic_bytes_min, limits::topics_max));
  out.topics.reserve(topics);
  for (std::size_t t = 0; t < topics; ++t) {
    CAIRN_TRY(auto topic, read_topic(r));
    out.topics.emplace_back(topic);
  }
  sort_unique(out.topics);
  CAIRN_TRY(auto user_data, read_bytes(r));
  out.user_data = std::move(user_data);
  if (version >= 1) {
    CAIRN_TRY(auto owned, read_partitions(r));
    out.owned = std::move(owned);
  }
  if (version >= 2) {
    if (!r.i32(out.generation) || out.generation < -1) return errc::malformed_group_data;
  }
  if (version >= 3) {
    CAIRN_TRY(auto rack, read_nullable_string(r));
    out.rack_id = std::move(rack);
  }
  CAIRN_TRY(read_end(r, version));
  return out;
}

result<assignment_metadata> decode_assignment(std::string_view bytes) {
  reader r(bytes);
  CAIRN_TRY(auto version, read_version(r));
  assignment_metadata out;
  CAIRN_TRY(auto partitions, read_partitions(r));
  out.partitions = std::move(partitions);
  CAIRN_TRY(auto user_data, read_bytes(r));
  out.user_data = std::move(user_data);
  CAIRN_TRY(read_end(r, version));
  return out;
}

}  // namespace cairn::sdk
