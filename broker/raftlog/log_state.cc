#include "broker/raftlog/log_state.h"

#include <algorithm>

#include "broker/raftlog/errc.h"
#include "cairn/base/assert.h"
#include "eventstore/record/crc32c.h"
#include "eventstore/record/endian.h"

namespace cairn::raftlog {
namespace {

namespace es = cairn::eventstore;

constexpr std::string_view kStateMagic = "CRLS";
constexpr std::string_view kHardStateMagic = "CRHS";
constexpr std::uint16_t kFormatVersion = 1;
// Bounds what a corrupt count may make decode() allocate: far above any real group.
constexpr std::uint32_t kMembersMax = 1024;
constexpr std::uint32_t kEntriesMax = 1 << 20;

class writer {
 public:
  template <class T>
  void put(T v) {
    char b[sizeof(T)];
    es::store_be(b, v);
    out_.append(b, sizeof b);
  }
  void put_members(const std::vector<raft::node_id>& ids) {
    put(static_cast<std::uint32_t>(ids.size()));
    for (raft::node_id id : ids)
      put(id.value());
  }
  void put_config(const raft::configuration& c) {
    put_members(c.voters);
    put_members(c.learners);
  }
  std::string finish() {
    put(es::crc32c_extend(0, out_.data(), out_.size()));
    return std::move(out_);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class reader {
 public:
  explicit reader(std::string_view b) : p_(b.data()), end_(b.data() + b.size()) {}
  template <class T>
  bool get(T* v) {
    if (static_cast<std::size_t>(end_ - p_) < sizeof(T)) return false;
    *v = es::load_be<T>(p_);
    p_ += sizeof(T);
    return true;
  }
  bool get_members(std::vector<raft::node_id>* ids) {
    std::uint32_t n = 0;
    if (!get(&n) || n > kMembersMax) return false;
    ids->clear();
    for (std::uint32_t i = 0; i < n; ++i) {
      std::int32_t id = 0;
      if (!get(&id) || id <= 0) return false;
      if (!ids->empty() && id <= ids->back().value()) return false;  // sorted, unique
      ids->push_back(raft::node_id{id});
    }
    return true;
  }
  bool get_config(raft::configuration* c) {
    if (!get_members(&c->voters) || !get_members(&c->learners)) return false;
    for (raft::node_id id : c->learners) {
      if (c->contains(id)) return false;
    }
    return true;
  }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

// Checks magic, version and CRC; returns the body between the header and the CRC.
result<std::string_view> open_envelope(std::string_view bytes, std::string_view magic) {
  constexpr std::size_t kHeader = 4 + sizeof(std::uint16_t);
  if (bytes.size() < kHeader + sizeof(std::uint32_t)) return errc::state_file_corrupt;
  if (bytes.substr(0, 4) != magic) return errc::state_file_corrupt;
  std::string_view body = bytes.substr(0, bytes.size() - sizeof(std::uint32_t));
  auto crc = es::load_be<std::uint32_t>(bytes.data() + body.size());
  if (crc != es::crc32c_extend(0, body.data(), body.size())) return errc::state_file_corrupt;
  if (es::load_be<std::uint16_t>(bytes.data() + 4) != kFormatVersion) {
    return errc::state_file_version;
  }
  return body.substr(kHeader);
}

void put_envelope_header(writer& w, std::string_view magic) {
  w.bytes().append(magic);
  w.put(kFormatVersion);
}

}  // namespace

log_state::log_state(raft::log_offset base, raft::term_id base_term,
                     raft::configuration base_config)
    : base_(base), base_term_(base_term), base_config_(std::move(base_config)) {}

raft::term_id log_state::term_at(raft::log_offset o) const {
  CAIRN_ASSERT(o >= base_ - 1, "term of {} below the log state's base {}", o, base_);
  auto it = std::upper_bound(epochs_.begin(), epochs_.end(), o,
                             [](raft::log_offset x, const epoch_entry& e) { return x < e.start; });
  return it == epochs_.begin() ? base_term_ : std::prev(it)->term;
}

const raft::configuration& log_state::config_at(raft::log_offset o) const {
  auto it =
      std::lower_bound(configs_.begin(), configs_.end(), o,
                       [](const config_entry& e, raft::log_offset x) { return e.offset < x; });
  return it == configs_.begin() ? base_config_ : std::prev(it)->config;
}

const raft::configuration& log_state::newest_config() const {
  return configs_.empty() ? base_config_ : configs_.back().config;
}

raft::log_offset log_state::config_offset() const {
  return configs_.empty() ? base_ - 1 : configs_.back().offset;
}

bool log_state::note_batch(raft::term_id term, raft::log_offset offset) {
  const raft::term_id last = epochs_.empty() ? base_term_ : epochs_.back().term;
  if (term == last) return false;
  CAIRN_ASSERT(term > last, "a batch of term {} at {} after term {}", term, offset, last);
  CAIRN_ASSERT(offset >= base_ && (epochs_.empty() || offset > epochs_.back().start),
               "epoch {} starting at {} (base {}, last start {})", term, offset, base_,
               epochs_.empty() ? base_ : epochs_.back().start);
  epochs_.push_back({term, offset});
  return true;
}

void log_state::note_config(raft::log_offset offset, raft::configuration config) {
  CAIRN_ASSERT(offset >= base_ && (configs_.empty() || offset > configs_.back().offset),
               "config batch at {} (base {})", offset, base_);
  configs_.push_back({offset, std::move(config)});
}

bool log_state::truncate_from(raft::log_offset from) {
  const std::size_t epochs = epochs_.size();
  const std::size_t configs = configs_.size();
  while (!epochs_.empty() && epochs_.back().start >= from)
    epochs_.pop_back();
  while (!configs_.empty() && configs_.back().offset >= from)
    configs_.pop_back();
  return epochs_.size() != epochs || configs_.size() != configs;
}

void log_state::advance_base(raft::log_offset start) {
  CAIRN_ASSERT(start >= base_, "log start {} below the state's base {}", start, base_);
  if (start == base_) return;
  // No epoch starts in (start - 1, first kept start), so offsets there have start - 1's term:
  // the term of the entry dropped last, which becomes base_term.
  base_term_ = term_at(start - 1);
  base_config_ = config_at(start);
  std::erase_if(epochs_, [&](const epoch_entry& e) { return e.start < start; });
  std::erase_if(configs_, [&](const config_entry& e) { return e.offset < start; });
  base_ = start;
}

std::string log_state::encode() const {
  writer w;
  put_envelope_header(w, kStateMagic);
  w.put(base_.value());
  w.put(base_term_.value());
  w.put_config(base_config_);
  w.put(static_cast<std::uint32_t>(epochs_.size()));
  for (const epoch_entry& e : epochs_) {
    w.put(e.term.value());
    w.put(e.start.value());
  }
  w.put(static_cast<std::uint32_t>(configs_.size()));
  for (const config_entry& c : configs_) {
    w.put(c.offset.value());
    w.put_config(c.config);
  }
  return w.finish();
}

result<log_state> log_state::decode(std::string_view bytes) {
  CAIRN_TRY(auto body, open_envelope(bytes, kStateMagic));
  reader r(body);
  log_state s;
  std::int64_t base = 0;
  std::int64_t base_term = 0;
  if (!r.get(&base) || !r.get(&base_term) || base < 0 || base_term < 0 ||
      !r.get_config(&s.base_config_)) {
    return errc::state_file_corrupt;
  }
  s.base_ = raft::log_offset{base};
  s.base_term_ = raft::term_id{base_term};
  std::uint32_t n = 0;
  if (!r.get(&n) || n > kEntriesMax) return errc::state_file_corrupt;
  raft::term_id last_term = s.base_term_;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::int64_t term = 0;
    std::int64_t start = 0;
    if (!r.get(&term) || !r.get(&start)) return errc::state_file_corrupt;
    // The same order the writer keeps: terms rising, starts rising, none below the base.
    if (term <= last_term.value() || start < base ||
        (!s.epochs_.empty() && start <= s.epochs_.back().start.value())) {
      return errc::state_file_corrupt;
    }
    s.epochs_.push_back({raft::term_id{term}, raft::log_offset{start}});
    last_term = raft::term_id{term};
  }
  if (!r.get(&n) || n > kEntriesMax) return errc::state_file_corrupt;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::int64_t offset = 0;
    config_entry c;
    if (!r.get(&offset) || !r.get_config(&c.config)) return errc::state_file_corrupt;
    if (offset < base || (!s.configs_.empty() && offset <= s.configs_.back().offset.value())) {
      return errc::state_file_corrupt;
    }
    c.offset = raft::log_offset{offset};
    s.configs_.push_back(std::move(c));
  }
  if (!r.done()) return errc::state_file_corrupt;
  return s;
}

std::string encode_hard_state(const raft::hard_state& hs) {
  writer w;
  put_envelope_header(w, kHardStateMagic);
  w.put(hs.term.value());
  w.put(hs.voted_for.value());
  return w.finish();
}

result<raft::hard_state> decode_hard_state(std::string_view bytes) {
  CAIRN_TRY(auto body, open_envelope(bytes, kHardStateMagic));
  reader r(body);
  std::int64_t term = 0;
  std::int32_t vote = 0;
  if (!r.get(&term) || !r.get(&vote) || !r.done() || term < 0 || vote < 0) {
    return errc::state_file_corrupt;
  }
  return raft::hard_state{raft::term_id{term}, raft::node_id{vote}};
}

}  // namespace cairn::raftlog
