#include "broker/raftlog/log_state.h"

#include <catch2/catch.hpp>

#include "broker/raftlog/errc.h"

using namespace cairn;
using raft::log_offset;
using raft::node_id;
using raft::term_id;

namespace {

raft::configuration voters(std::vector<int> ids, std::vector<int> learners = {}) {
  raft::configuration c;
  for (int id : ids)
    c.voters.push_back(node_id{id});
  for (int id : learners)
    c.learners.push_back(node_id{id});
  return c;
}

}  // namespace

TEST_CASE("log state answers terms and configs by offset", "[raftlog][state]") {
  raftlog::log_state s(log_offset{0}, term_id{0}, voters({1, 2, 3}));
  CHECK(s.term_at(log_offset{-1}) == term_id{0});
  CHECK(s.note_batch(term_id{1}, log_offset{0}));
  CHECK_FALSE(s.note_batch(term_id{1}, log_offset{1}));
  CHECK(s.note_batch(term_id{3}, log_offset{10}));
  s.note_config(log_offset{12}, voters({1, 2, 3, 4}));
  CHECK(s.term_at(log_offset{9}) == term_id{1});
  CHECK(s.term_at(log_offset{10}) == term_id{3});
  CHECK(s.term_at(log_offset{100}) == term_id{3});
  CHECK(s.config_at(log_offset{12}) == voters({1, 2, 3}));
  CHECK(s.config_at(log_offset{13}) == voters({1, 2, 3, 4}));
  CHECK(s.config_offset() == log_offset{12});

  SECTION("truncation forgets epochs and configs at or above the cut") {
    CHECK(s.truncate_from(log_offset{10}));
    CHECK(s.term_at(log_offset{50}) == term_id{1});
    CHECK(s.config_offset() == log_offset{-1});
    CHECK(s.newest_config() == voters({1, 2, 3}));
    CHECK_FALSE(s.truncate_from(log_offset{10}));
  }
  SECTION("retention keeps the term of start - 1 and the config in force at the start") {
    s.advance_base(log_offset{11});
    CHECK(s.base_term() == term_id{3});
    CHECK(s.term_at(log_offset{10}) == term_id{3});
    CHECK(s.term_at(log_offset{11}) == term_id{3});
    CHECK(s.base_config() == voters({1, 2, 3}));
    CHECK(s.config_at(log_offset{13}) == voters({1, 2, 3, 4}));
    s.advance_base(log_offset{13});
    CHECK(s.base_config() == voters({1, 2, 3, 4}));
    CHECK(s.configs().empty());
    CHECK(s.config_offset() == log_offset{12});
  }
  SECTION("a boundary exactly at the new start") {
    s.advance_base(log_offset{10});
    CHECK(s.base_term() == term_id{1});
    CHECK(s.term_at(log_offset{9}) == term_id{1});
    CHECK(s.term_at(log_offset{10}) == term_id{3});
  }
}

TEST_CASE("log state and hard state files round trip and refuse corruption", "[raftlog][state]") {
  raftlog::log_state s(log_offset{5}, term_id{2}, voters({1, 2}, {3}));
  s.note_batch(term_id{4}, log_offset{5});
  s.note_config(log_offset{7}, voters({1, 2, 3}));
  std::string bytes = s.encode();
  auto back = raftlog::log_state::decode(bytes);
  REQUIRE(back);
  CHECK(back.value() == s);

  raft::hard_state hs{term_id{9}, node_id{2}};
  std::string hs_bytes = raftlog::encode_hard_state(hs);
  auto hs_back = raftlog::decode_hard_state(hs_bytes);
  REQUIRE(hs_back);
  CHECK(hs_back.value() == hs);

  // Every single-byte flip and every truncation is refused (CRC, magic, lengths).
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    CHECK_FALSE(raftlog::log_state::decode(bad));
    CHECK_FALSE(raftlog::log_state::decode(std::string_view(bytes).substr(0, i)));
  }
  for (std::size_t i = 0; i < hs_bytes.size(); ++i) {
    std::string bad = hs_bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CHECK_FALSE(raftlog::decode_hard_state(bad));
  }
  CHECK(raftlog::decode_hard_state("").error() == raftlog::errc::state_file_corrupt);
  CHECK(raftlog::log_state::decode(hs_bytes).error() == raftlog::errc::state_file_corrupt);
}
