#include "sdk/group/membership_codec.h"

#include <map>
#include <set>
#include <utility>

#include "cairn/errc.h"

namespace cairn::sdk {
namespace {

using limits = membership_limits;

// Smallest encodings, for checking a count against the bytes left before trusting it.
constexpr std::size_t string_bytes_min = 2 + 1;                              // length + one byte
constexpr std::size_t partition_group_bytes_min = string_bytes_min + 4 + 4;  // + count + one

// --- writing ---

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void put_i32(std::string& out, std::int32_t v) {
  put_u32(out, static_cast<std::uint32_t>(v));
}

bool valid_topic(std::string_view topic) {
  return !topic.empty() && topic.size() <= limits::topic_bytes_max;
}

result<void> put_string(std::string& out, std::string_view s) {
  if (!valid_topic(s)) return errc::malformed_group_data;
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
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
  std::map<std::string_view, std::set<std::int32_t>> by_topic;  // canonical order, no duplicates
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
  put_u32(out, static_cast<std::uint32_t>(by_topic.size()));
  for (const auto& [topic, ps] : by_topic) {
    CAIRN_TRY(put_string(out, topic));
    put_u32(out, static_cast<std::uint32_t>(ps.size()));
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

  bool u16(std::uint16_t& v) {
    if (rest_.size() < 2) return false;
    v = static_cast<std::uint16_t>(byte(0) | (byte(1) << 8));
    rest_.remove_prefix(2);
    return true;
  }

  bool u32(std::uint32_t& v) {
    if (rest_.size() < 4) return false;
    v = byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24);
    rest_.remove_prefix(4);
    return true;
  }

  bool i32(std::int32_t& v) {
    std::uint32_t u = 0;
    if (!u32(u)) return false;
    v = static_cast<std::int32_t>(u);  // two's complement (C++20)
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

result<std::string_view> read_string(reader& r) {
  std::uint16_t length = 0;
  std::string_view s;
  if (!r.u16(length)) return errc::malformed_group_data;
  if (length == 0 || length > limits::topic_bytes_max) return errc::malformed_group_data;
  if (!r.take(length, s)) return errc::malformed_group_data;
  return s;
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

// A u32 count of elements of at least `element_bytes_min` each, at most `count_max`: fails
// unless that many could fit in the bytes left, so a reserve() after it is bounded by the input.
result<std::size_t> read_count(reader& r, std::size_t element_bytes_min, std::size_t count_max) {
  std::uint32_t count = 0;
  if (!r.u32(count)) return errc::malformed_group_data;
  if (count > count_max) return errc::malformed_group_data;
  if (count > r.remaining() / element_bytes_min) return errc::malformed_group_data;
  return static_cast<std::size_t>(count);
}

result<std::vector<topic_partition>> read_partitions(reader& r) {
  std::vector<topic_partition> out;
  CAIRN_TRY(auto topics, read_count(r, partition_group_bytes_min, limits::topics_max));
  std::string_view previous_topic;
  for (std::size_t t = 0; t < topics; ++t) {
    CAIRN_TRY(auto topic, read_string(r));
    if (t > 0 && topic <= previous_topic) return errc::malformed_group_data;
    previous_topic = topic;
    CAIRN_TRY(auto count, read_count(r, 4, limits::partitions_max - out.size()));
    if (count == 0) return errc::malformed_group_data;
    out.reserve(out.size() + count);
    std::int32_t previous = -1;
    for (std::size_t i = 0; i < count; ++i) {
      std::int32_t p = 0;
      if (!r.i32(p)) return errc::malformed_group_data;
      if (p <= previous) return errc::malformed_group_data;  // negative, repeated or unsorted
      previous = p;
      out.push_back({std::string(topic), p});
    }
  }
  return out;
}

result<void> read_version(reader& r, std::uint16_t& version) {
  if (!r.u16(version) || version == 0) return errc::malformed_group_data;
  return success();
}

// Version 1 ends exactly here; a later version appends fields this build does not know.
result<void> read_end(const reader& r, std::uint16_t version) {
  if (version == 1 && r.remaining() != 0) return errc::malformed_group_data;
  return success();
}

}  // namespace

result<std::string> encode_subscription(const subscription_metadata& subscription) {
  std::set<std::string_view> topics(subscription.topics.begin(), subscription.topics.end());
  if (topics.size() > limits::topics_max) return errc::malformed_group_data;
  if (subscription.generation < -1) return errc::malformed_group_data;
  std::string out;
  put_u16(out, membership_version);
  put_u32(out, static_cast<std::uint32_t>(topics.size()));
  for (std::string_view topic : topics) {
    CAIRN_TRY(put_string(out, topic));
  }
  CAIRN_TRY(put_partitions(out, subscription.owned));
  put_i32(out, subscription.generation);
  CAIRN_TRY(put_bytes(out, subscription.user_data));
  return out;
}

result<std::string> encode_assignment(const assignment_metadata& assignment) {
  std::string out;
  put_u16(out, membership_version);
  CAIRN_TRY(put_partitions(out, assignment.partitions));
  CAIRN_TRY(put_bytes(out, assignment.user_data));
  return out;
}

result<subscription_metadata> decode_subscription(std::string_view bytes) {
  reader r(bytes);
  std::uint16_t version = 0;
  CAIRN_TRY(read_version(r, version));
  subscription_metadata out;
  CAIRN_TRY(auto topics, read_count(r, string_bytes_min, limits::topics_max));
  out.topics.reserve(topics);
  for (std::size_t t = 0; t < topics; ++t) {
    CAIRN_TRY(auto topic, read_string(r));
    if (t > 0 && topic <= std::string_view(out.topics.back())) return errc::malformed_group_data;
    out.topics.emplace_back(topic);
  }
  CAIRN_TRY(auto owned, read_partitions(r));
  out.owned = std::move(owned);
  if (!r.i32(out.generation) || out.generation < -1) return errc::malformed_group_data;
  CAIRN_TRY(auto user_data, read_bytes(r));
  out.user_data = std::move(user_data);
  CAIRN_TRY(read_end(r, version));
  return out;
}

result<assignment_metadata> decode_assignment(std::string_view bytes) {
  reader r(bytes);
  std::uint16_t version = 0;
  CAIRN_TRY(read_version(r, version));
  assignment_metadata out;
  CAIRN_TRY(auto partitions, read_partitions(r));
  out.partitions = std::move(partitions);
  CAIRN_TRY(auto user_data, read_bytes(r));
  out.user_data = std::move(user_data);
  CAIRN_TRY(read_end(r, version));
  return out;
}

}  // namespace cairn::sdk
