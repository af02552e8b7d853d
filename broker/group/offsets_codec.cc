#include "broker/group/offsets_codec.h"

#include <algorithm>
#include <set>

#include "broker/group/group_errc.h"
#include "cairn/base/assert.h"
#include "eventstore/record/endian.h"
#include "protocol/key_partitioner.h"

namespace cairn::broker::group {
namespace {

using eventstore::load_be;
using eventstore::store_be;

constexpr std::int16_t kOffsetCommitKeyVersionOld = 0;  // same layout as 1; read, never written
constexpr std::int16_t kOffsetCommitKeyVersion = 1;
constexpr std::int16_t kGroupMetadataKeyVersion = 2;
constexpr std::int16_t kOffsetCommitValueVersion = 3;
constexpr std::int16_t kGroupMetadataValueVersion = 3;

// The smallest encoding of one member: four empty strings (2 bytes each), two int32 timeouts and
// two empty byte arrays (4 bytes each). A member count is checked against the bytes left / this.
constexpr std::size_t kMemberBytesMin = 4 * 2 + 2 * 4 + 2 * 4;

// --- writing ---

class writer {
 public:
  explicit writer(std::size_t capacity) { out_.reserve(capacity); }

  template <class T>
  void integer(T v) {
    char buf[sizeof(T)];
    store_be<T>(buf, v);
    out_.append(buf, sizeof buf);
  }
  void string(std::string_view s) {
    CAIRN_ASSERT(s.size() <= kRecordStringBytesMax, "string of {} bytes does not fit int16",
                 s.size());
    integer<std::int16_t>(static_cast<std::int16_t>(s.size()));
    out_.append(s);
  }
  void nullable_string(const std::optional<std::string>& s) {
    if (!s) return integer<std::int16_t>(-1);
    string(*s);
  }
  void bytes(std::string_view b) {
    CAIRN_ASSERT(b.size() <= static_cast<std::size_t>(INT32_MAX), "{} bytes do not fit int32",
                 b.size());
    integer<std::int32_t>(static_cast<std::int32_t>(b.size()));
    out_.append(b);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::size_t string_size(std::string_view s) {
  return 2 + s.size();
}
std::size_t nullable_string_size(const std::optional<std::string>& s) {
  return 2 + (s ? s->size() : 0);
}

// --- reading: every read checks the bytes left first ---

class reader {
 public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}

  template <class T>
  result<T> integer() {
    if (rest_.size() < sizeof(T)) return errc::record_truncated;
    T v = load_be<T>(rest_.data());
    rest_.remove_prefix(sizeof(T));
    return v;
  }
  result<std::string> string() {
    CAIRN_TRY(auto length, integer<std::int16_t>());
    if (length < 0) return errc::record_malformed;  // null where the schema has no null
    return take(static_cast<std::size_t>(length));
  }
  result<std::optional<std::string>> nullable_string() {
    CAIRN_TRY(auto length, integer<std::int16_t>());
    if (length == -1) return std::optional<std::string>{};
    if (length < 0) return errc::record_malformed;
    CAIRN_TRY(auto s, take(static_cast<std::size_t>(length)));
    return std::optional<std::string>{std::move(s)};
  }
  result<std::string> bytes() {
    CAIRN_TRY(auto length, integer<std::int32_t>());
    if (length < 0) return errc::record_malformed;
    return take(static_cast<std::size_t>(length));
  }
  // An array count, checked against what the remaining bytes could hold at element_bytes_min each.
  result<std::size_t> count(std::size_t element_bytes_min) {
    CAIRN_TRY(auto n, integer<std::int32_t>());
    if (n < 0) return errc::record_malformed;
    if (static_cast<std::size_t>(n) > rest_.size() / element_bytes_min) {
      return errc::record_truncated;
    }
    return static_cast<std::size_t>(n);
  }
  result<void> finish() const {
    if (!rest_.empty()) return errc::record_malformed;
    return success();
  }

 private:
  result<std::string> take(std::size_t n) {
    if (rest_.size() < n) return errc::record_truncated;
    std::string s(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return s;
  }

  std::string_view rest_;
};

result<member_metadata> read_member(reader& r) {
  member_metadata m;
  CAIRN_TRY(m.member_id, r.string());
  CAIRN_TRY(m.group_instance_id, r.nullable_string());
  CAIRN_TRY(m.client_id, r.string());
  CAIRN_TRY(m.client_host, r.string());
  CAIRN_TRY(m.rebalance_timeout_ms, r.integer<std::int32_t>());
  CAIRN_TRY(m.session_timeout_ms, r.integer<std::int32_t>());
  CAIRN_TRY(m.subscription, r.bytes());
  CAIRN_TRY(m.assignment, r.bytes());
  if (m.member_id.empty()) return errc::record_malformed;
  if (m.rebalance_timeout_ms <= 0 || m.session_timeout_ms <= 0) return errc::record_malformed;
  return m;
}

// What the restore relies on: unique member and instance ids, and a leader and protocol among
// them whenever there are members.
result<void> check_group(const group_metadata_value& v) {
  if (v.generation.value() < 0) return errc::record_malformed;
  if (v.members.empty()) return success();
  if (v.protocol_type.empty() || !v.protocol_name || !v.leader_id) return errc::record_malformed;
  std::set<std::string_view> ids;
  std::set<std::string_view> instances;
  for (const member_metadata& m : v.members) {
    if (!ids.insert(m.member_id).second) return errc::record_malformed;
    if (m.group_instance_id && !instances.insert(*m.group_instance_id).second) {
      return errc::record_malformed;
    }
  }
  if (!ids.contains(*v.leader_id)) return errc::record_malformed;
  return success();
}

}  // namespace

std::string encode_key(const offset_commit_key& key) {
  writer w(2 + string_size(key.group_id) + string_size(key.topic) + 4);
  w.integer<std::int16_t>(kOffsetCommitKeyVersion);
  w.string(key.group_id);
  w.string(key.topic);
  w.integer<std::int32_t>(key.partition);
  return w.take();
}

std::string encode_key(const group_metadata_key& key) {
  writer w(2 + string_size(key.group_id));
  w.integer<std::int16_t>(kGroupMetadataKeyVersion);
  w.string(key.group_id);
  return w.take();
}

std::string encode_value(const offset_commit_value& value) {
  CAIRN_ASSERT(value.offset.value() >= 0, "negative committed offset {}", value.offset);
  writer w(2 + 8 + 4 + string_size(value.metadata) + 8);
  w.integer<std::int16_t>(kOffsetCommitValueVersion);
  w.integer<std::int64_t>(value.offset.value());
  w.integer<std::int32_t>(value.leader_epoch);
  w.string(value.metadata);
  w.integer<std::int64_t>(value.commit_timestamp_ms);
  return w.take();
}

std::size_t encoded_size(const group_metadata_value& value) {
  std::size_t size = 2 + string_size(value.protocol_type) + 4 +
                     nullable_string_size(value.protocol_name) +
                     nullable_string_size(value.leader_id) + 8 + 4;
  for (const member_metadata& m : value.members) {
    size += string_size(m.member_id) + nullable_string_size(m.group_instance_id) +
            string_size(m.client_id) + string_size(m.client_host) + 4 + 4 + 4 +
            m.subscription.size() + 4 + m.assignment.size();
  }
  return size;
}

std::string encode_value(const group_metadata_value& value) {
  CAIRN_ASSERT(value.generation.value() >= 0, "negative generation {}", value.generation);
  CAIRN_ASSERT(value.members.size() <= static_cast<std::size_t>(INT32_MAX), "{} members",
               value.members.size());
  writer w(encoded_size(value));
  w.integer<std::int16_t>(kGroupMetadataValueVersion);
  w.string(value.protocol_type);
  w.integer<std::int32_t>(value.generation.value());
  w.nullable_string(value.protocol_name);
  w.nullable_string(value.leader_id);
  w.integer<std::int64_t>(value.current_state_timestamp_ms);
  w.integer<std::int32_t>(static_cast<std::int32_t>(value.members.size()));
  for (const member_metadata& m : value.members) {
    w.string(m.member_id);
    w.nullable_string(m.group_instance_id);
    w.string(m.client_id);
    w.string(m.client_host);
    w.integer<std::int32_t>(m.rebalance_timeout_ms);
    w.integer<std::int32_t>(m.session_timeout_ms);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  std::string out = w.take();
  CAIRN_ASSERT(out.size() == encoded_size(value), "encoded {} bytes, computed {}", out.size(),
               encoded_size(value));
  return out;
}

result<record_key> decode_key(std::string_view bytes) {
  reader r(bytes);
  CAIRN_TRY(auto version, r.integer<std::int16_t>());
  if (version == kOffsetCommitKeyVersionOld || version == kOffsetCommitKeyVersion) {
    offset_commit_key key;
    CAIRN_TRY(key.group_id, r.string());
    CAIRN_TRY(key.topic, r.string());
    CAIRN_TRY(key.partition, r.integer<std::int32_t>());
    CAIRN_TRY(r.finish());
    if (key.group_id.empty() || key.topic.empty() || key.partition < 0) {
      return errc::record_malformed;
    }
    return record_key{std::move(key)};
  }
  if (version == kGroupMetadataKeyVersion) {
    group_metadata_key key;
    CAIRN_TRY(key.group_id, r.string());
    CAIRN_TRY(r.finish());
    if (key.group_id.empty()) return errc::record_malformed;
    return record_key{std::move(key)};
  }
  return errc::unknown_record_version;
}

result<offset_commit_value> decode_offset_commit_value(std::string_view bytes) {
  reader r(bytes);
  CAIRN_TRY(auto version, r.integer<std::int16_t>());
  if (version != kOffsetCommitValueVersion) return errc::unknown_record_version;
  offset_commit_value v;
  CAIRN_TRY(auto offset, r.integer<std::int64_t>());
  v.offset = log_offset{offset};
  CAIRN_TRY(v.leader_epoch, r.integer<std::int32_t>());
  CAIRN_TRY(v.metadata, r.string());
  CAIRN_TRY(v.commit_timestamp_ms, r.integer<std::int64_t>());
  CAIRN_TRY(r.finish());
  if (offset < 0) return errc::record_malformed;
  return v;
}

result<group_metadata_value> decode_group_metadata_value(std::string_view bytes) {
  reader r(bytes);
  CAIRN_TRY(auto version, r.integer<std::int16_t>());
  if (version != kGroupMetadataValueVersion) return errc::unknown_record_version;
  group_metadata_value v;
  CAIRN_TRY(v.protocol_type, r.string());
  CAIRN_TRY(auto generation, r.integer<std::int32_t>());
  v.generation = generation_id{generation};
  CAIRN_TRY(v.protocol_name, r.nullable_string());
  CAIRN_TRY(v.leader_id, r.nullable_string());
  CAIRN_TRY(v.current_state_timestamp_ms, r.integer<std::int64_t>());
  CAIRN_TRY(auto count, r.count(kMemberBytesMin));
  v.members.reserve(count);  // bounded by the bytes left (count() checked it)
  for (std::size_t i = 0; i < count; ++i) {
    CAIRN_TRY(auto m, read_member(r));
    v.members.push_back(std::move(m));
  }
  CAIRN_TRY(r.finish());
  CAIRN_TRY(check_group(v));
  return v;
}

std::int32_t group_partition_for(std::string_view group_id, std::int32_t partitions_count) {
  CAIRN_ASSERT(partitions_count > 0, "__consumer_offsets partition count {}", partitions_count);
  return protocol::partition_for_key(group_id, partitions_count);
}

}  // namespace cairn::broker::group
