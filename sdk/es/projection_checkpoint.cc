// The checkpoint database's encoding (see projection_checkpoint.h).
#include "sdk/es/projection_checkpoint.h"

#include <charconv>

#include "cairn/lmdb/cursor.h"

namespace cairn::es::checkpoint {

std::string encode_key(const topic_partition& tp) {
  return tp.topic + "/" + std::to_string(tp.partition);
}

std::string encode_offset(std::int64_t next_offset) {
  std::string out(8, '\0');
  auto v = static_cast<std::uint64_t>(next_offset);
  for (int i = 7; i >= 0; --i, v >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

std::optional<std::int64_t> decode_offset(std::string_view value) {
  if (value.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : value)
    v = (v << 8) | static_cast<unsigned char>(c);
  return static_cast<std::int64_t>(v);
}

namespace {

std::error_code corrupt() {
  return std::make_error_code(std::errc::illegal_byte_sequence);
}

std::optional<topic_partition> decode_key(std::string_view key) {
  auto slash = key.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::int32_t partition = 0;
  auto digits = key.substr(slash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return topic_partition{std::string(key.substr(0, slash)), partition};
}

}  // namespace

result<std::int64_t> load(const lmdb::txn& t, lmdb::dbi db, const topic_partition& tp) {
  CAIRN_TRY(auto value, t.get(db, encode_key(tp)));
  if (!value) return std::int64_t{0};
  auto next = decode_offset(*value);
  if (!next) return corrupt();
  return *next;
}

result<std::map<topic_partition, std::int64_t>> load_all(lmdb::txn& t, lmdb::dbi db) {
  std::map<topic_partition, std::int64_t> out;
  CAIRN_TRY(auto c, lmdb::cursor::open(t, db));
  for (auto op = MDB_FIRST;; op = MDB_NEXT) {
    CAIRN_TRY(auto e, c.seek(op));
    if (!e) break;
    auto tp = decode_key(e->key);
    auto next = decode_offset(e->value);
    if (!tp || !next) return corrupt();
    out.emplace(std::move(*tp), *next);
  }
  return out;
}

result<void> store(lmdb::txn& t, lmdb::dbi db, const topic_partition& tp, std::int64_t next) {
  return t.put(db, encode_key(tp), encode_offset(next));
}

result<void> resume(consumer& c, const std::vector<topic_partition>& partitions,
                    const std::map<topic_partition, std::int64_t>& next) {
  c.assign(partitions);
  for (const auto& tp : partitions) {
    if (auto it = next.find(tp); it != next.end()) {
      CAIRN_TRY(c.seek(tp, it->second));
    } else {
      std::vector<topic_partition> one{tp};
      CAIRN_TRY(c.seek_to_beginning(one));
    }
  }
  return success();
}

}  // namespace cairn::es::checkpoint
