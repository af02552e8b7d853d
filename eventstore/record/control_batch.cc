#include "eventstore/record/control_batch.h"

#include <algorithm>

#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "eventstore/record/endian.h"

namespace cairn::eventstore {
namespace {

constexpr std::int16_t kKeyVersion = 0;
constexpr std::int16_t kConfigVersion = 0;
constexpr std::size_t kKeyBytes = 4;

bool valid_members(const std::vector<std::int32_t>& ids) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] <= 0) return false;
    if (i > 0 && ids[i] <= ids[i - 1]) return false;  // sorted and unique
  }
  return true;
}

bool disjoint(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b) {
  for (std::int32_t id : a) {
    if (std::binary_search(b.begin(), b.end(), id)) return false;
  }
  return true;
}

void put_members(std::string& out, const std::vector<std::int32_t>& ids) {
  char word[4];
  store_be(word, static_cast<std::int32_t>(ids.size()));
  out.append(word, sizeof word);
  for (std::int32_t id : ids) {
    store_be(word, id);
    out.append(word, sizeof word);
  }
}

// Reads a count and that many ids from [*p, end); false on any overrun or a bad count.
bool get_members(const char** p, const char* end, std::vector<std::int32_t>* out) {
  if (end - *p < 4) return false;
  auto count = load_be<std::int32_t>(*p);
  *p += 4;
  if (count < 0 || count > kControlMembersMax || (end - *p) / 4 < count) return false;
  out->resize(static_cast<std::size_t>(count));
  for (std::int32_t& id : *out) {
    id = load_be<std::int32_t>(*p);
    *p += 4;
  }
  return true;
}

}  // namespace

std::string build_control_batch(const control_record& record, const control_batch_options& opts) {
  char key[kKeyBytes];
  store_be(key, kKeyVersion);
  store_be(key + 2, static_cast<std::int16_t>(record.type));
  std::string value;
  if (record.type == control_type::raft_config) {
    CAIRN_ASSERT(valid_members(record.voters) && valid_members(record.learners) &&
                     disjoint(record.voters, record.learners),
                 "invalid configuration: {} voters, {} learners", record.voters.size(),
                 record.learners.size());
    char version[2];
    store_be(version, kConfigVersion);
    value.append(version, sizeof version);
    put_members(value, record.voters);
    put_members(value, record.learners);
  } else {
    CAIRN_ASSERT(record.voters.empty() && record.learners.empty(), "a noop with members");
  }
  record_batch_builder builder(
      {.base_offset = opts.base_offset,
       .partition_leader_epoch = opts.partition_leader_epoch,
       .attributes = static_cast<std::int16_t>(
           batch_layout::kControl |
           (opts.log_append_time ? batch_layout::kTimestampTypeLogAppend : 0))});
  // Named views, not temporaries in the initializer: g++ 12 flags those as dangling.
  const std::string_view key_view(key, sizeof key);
  const std::string_view value_view(value);
  record_input input;
  input.key = key_view;
  input.value = value_view;
  input.timestamp_ms = opts.timestamp_ms;
  builder.add(input);
  return builder.finish();
}

result<control_record> decode_control_batch(const record_batch_view& batch) {
  if (!is_control_batch(batch.header())) return errc::invalid_argument;
  if (batch.records_count() != 1 || batch.header().last_offset_delta != 0) {
    return errc::record_malformed;
  }
  const record_view r = *batch.begin();  // a copy: the iterator is a temporary
  if (!r.key || r.key->size() != kKeyBytes || !r.value) return errc::record_malformed;
  if (load_be<std::int16_t>(r.key->data()) != kKeyVersion) return errc::record_malformed;
  control_record out;
  auto type = load_be<std::int16_t>(r.key->data() + 2);
  switch (type) {
    case static_cast<std::int16_t>(control_type::raft_noop):
      out.type = control_type::raft_noop;
      if (!r.value->empty()) return errc::record_malformed;
      return out;
    case static_cast<std::int16_t>(control_type::raft_config): {
      out.type = control_type::raft_config;
      const char* p = r.value->data();
      const char* end = p + r.value->size();
      if (end - p < 2 || load_be<std::int16_t>(p) != kConfigVersion) return errc::record_malformed;
      p += 2;
      if (!get_members(&p, end, &out.voters) || !get_members(&p, end, &out.learners) || p != end) {
        return errc::record_malformed;
      }
      if (!valid_members(out.voters) || !valid_members(out.learners) ||
          !disjoint(out.voters, out.learners)) {
        return errc::record_malformed;
      }
      return out;
    }
    default:
      return errc::record_malformed;
  }
}

}  // namespace cairn::eventstore
