#include "broker/controller/controller_state.h"

#include <catch2/catch.hpp>
#include <limits>

#include "broker/controller/assignment.h"
#include "broker/controller/controller_errc.h"
#include "broker/errc.h"

using namespace cairn::broker;
using namespace cairn::broker::controller;

namespace {

create_topic make_create(std::string name, std::int32_t partitions, std::int16_t rf,
                         const controller_state& state) {
  topic_config config{.name = std::move(name), .partitions = partitions, .replication_factor = rf};
  auto a = assign_replicas({1, 2, 3}, partitions, rf, state.load());
  REQUIRE(a);
  return {config, a.value()};
}

// The records of a small history, as the controller log would hold them.
std::vector<std::string> history() {
  controller_state scratch;
  std::vector<std::string> records;
  auto add = [&](const command& c) {
    records.push_back(encode(c));
    (void)scratch.apply(static_cast<std::int64_t>(records.size() - 1), c);
  };
  add(make_create("orders", 3, 3, scratch));
  add(make_create("payments", 4, 2, scratch));
  add(make_create("__consumer_offsets", 8, 3, scratch));
  add(delete_topic{"orders"});
  add(make_create("orders", 2, 1, scratch));  // recreated: a new incarnation
  add(make_create("audit", 1, 1, scratch));
  return records;
}

}  // namespace

TEST_CASE("commands round-trip through their JSON record", "[controller]") {
  create_topic c{{.name = "orders",
                  .partitions = 2,
                  .replication_factor = 2,
                  .cleanup = cleanup_policy::compact,
                  .timestamp_type = cairn::eventstore::timestamp_type::log_append_time},
                 {{1, 2}, {2, 3}}};
  auto decoded = decode_command(encode(c));
  REQUIRE(decoded);
  CHECK(std::get<create_topic>(decoded.value()) == c);
  auto removed = decode_command(encode(delete_topic{"orders"}));
  REQUIRE(removed);
  CHECK(std::get<delete_topic>(removed.value()).name == "orders");
  CHECK(encode(c).find("\"v\":1") != std::string::npos);
}

TEST_CASE("given creates and deletes, apply says which partitions came and went", "[controller]") {
  controller_state state;
  auto created = state.apply(
      0,
      create_topic{{.name = "orders", .partitions = 2, .replication_factor = 2}, {{1, 2}, {2, 3}}});
  REQUIRE(created);
  CHECK(created.value().removed.empty());
  REQUIRE(created.value().created.size() == 2);
  CHECK(created.value().created[1] == partition_change{"orders", 1, {2, 3}});
  CHECK(created.value().created[0].involves(1));
  CHECK_FALSE(created.value().created[1].involves(1));
  REQUIRE(state.topic("orders") != nullptr);
  CHECK(state.topic("orders")->created_offset == 0);
  CHECK(state.load() == load_map{{1, {1, 1}}, {2, {2, 1}}, {3, {1, 0}}});

  auto removed = state.apply(1, delete_topic{"orders"});
  REQUIRE(removed);
  CHECK(removed.value().created.empty());
  CHECK(removed.value().removed.size() == 2);
  CHECK(state.topics().empty());
  CHECK(state.applied_offset() == 1);
}

TEST_CASE("bad commands are refused alike and leave the topics unchanged", "[controller]") {
  controller_state state;
  REQUIRE(state.apply(0, create_topic{{.name = "orders", .partitions = 1}, {{1}}}));
  const auto topics_before = state.topics();
  struct bad_case {
    std::string record;
    std::error_code error;
  };
  const std::vector<bad_case> cases{
      {"", make_error_code(controller::errc::malformed_command)},
      {"not json", make_error_code(controller::errc::malformed_command)},
      {"[1,2]", make_error_code(controller::errc::malformed_command)},
      {R"({"type":"create_topic"})", make_error_code(controller::errc::malformed_command)},
      {R"({"v":"1","type":"delete_topic","name":"x"})",
       make_error_code(controller::errc::malformed_command)},
      {R"({"v":2,"type":"delete_topic","name":"x"})",
       make_error_code(controller::errc::unsupported_command_version)},
      {R"({"v":1,"type":"rename_topic","name":"x"})",
       make_error_code(controller::errc::unknown_command)},
      {R"({"v":1,"type":"delete_topic"})", make_error_code(controller::errc::malformed_command)},
      {R"({"v":1,"type":"delete_topic","name":"bad/name"})",
       make_error_code(controller::errc::malformed_command)},
      {R"({"v":1,"type":"delete_topic","name":"missing"})",
       make_error_code(cairn::broker::errc::unknown_topic)},
      {R"({"v":1,"type":"create_topic","config":{"name":"t"},"assignment":[[1]]})",
       make_error_code(controller::errc::malformed_command)},
      // Assignment shape: too few lists, wrong replica count, duplicates, id 0, not numbers.
      {encode(create_topic{{.name = "t", .partitions = 2}, {{1}}}),
       make_error_code(controller::errc::malformed_command)},
      {encode(create_topic{{.name = "t", .partitions = 1, .replication_factor = 2}, {{1}}}),
       make_error_code(controller::errc::malformed_command)},
      {encode(create_topic{{.name = "t", .partitions = 1, .replication_factor = 2}, {{1, 1}}}),
       make_error_code(controller::errc::malformed_command)},
      {encode(create_topic{{.name = "t", .partitions = 1}, {{0}}}),
       make_error_code(controller::errc::malformed_command)},
      {R"({"v":1,"type":"create_topic","config":{"name":"t","partitions":1,)"
       R"("replication_factor":1,"retention_bytes":-1,"retention_ms":-1,)"
       R"("cleanup_policy":"delete","delete_retention_ms":0},"assignment":[["1"]]})",
       make_error_code(controller::errc::malformed_command)},
      {encode(create_topic{{.name = "orders", .partitions = 1}, {{2}}}),
       make_error_code(cairn::broker::errc::topic_already_exists)},
  };
  std::int64_t offset = 1;
  for (const auto& c : cases) {
    INFO(c.record);
    auto applied = state.apply(offset, c.record);
    REQUIRE_FALSE(applied);
    CHECK(applied.error() == c.error);
    CHECK(state.topics() == topics_before);
    CHECK(state.applied_offset() == offset);  // consumed, so a replay skips it alike
    ++offset;
  }
  // Typed commands are checked the same way, and check() says so before proposing.
  command bad = create_topic{{.name = "u", .partitions = 1, .replication_factor = 2}, {{1, 1}}};
  CHECK(state.check(bad).error() == make_error_code(controller::errc::invalid_assignment));
  CHECK(state.apply(offset, bad).error() == make_error_code(controller::errc::invalid_assignment));
  command bad_config = create_topic{{.name = "u", .partitions = 1, .retention_ms = -5}, {{1}}};
  CHECK(state.check(bad_config).error() ==
        make_error_code(cairn::broker::errc::invalid_topic_config));
  CHECK(state.topics() == topics_before);
}

TEST_CASE("apply is deterministic, and a snapshot restores the same state", "[controller]") {
  const auto records = history();
  controller_state a, b;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto x = a.apply(static_cast<std::int64_t>(i), records[i]);
    auto y = b.apply(static_cast<std::int64_t>(i), records[i]);
    REQUIRE(x.has_value() == y.has_value());
  }
  CHECK(a == b);
  CHECK(a.snapshot() == b.snapshot());
  CHECK(a.topics().size() == 4);
  CHECK(a.topic("orders")->created_offset == 4);
  CHECK(a.topic("orders")->config.partitions == 2);

  // Snapshot after record 2, restore, replay everything: a broker catching up from a compacted
  // log skips what the snapshot holds and ends where the others are.
  controller_state early;
  for (std::int64_t i = 0; i <= 2; ++i)
    REQUIRE(early.apply(i, records[static_cast<std::size_t>(i)]));
  auto restored = controller_state::restore(early.snapshot());
  REQUIRE(restored);
  CHECK(restored.value() == early);
  CHECK(restored.value().snapshot() == early.snapshot());
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto applied = restored.value().apply(static_cast<std::int64_t>(i), records[i]);
    REQUIRE(applied);
    if (i <= 2) CHECK(applied.value().empty());  // already in the snapshot
  }
  CHECK(restored.value() == a);
  CHECK(restored.value().snapshot() == a.snapshot());
}

TEST_CASE("a bad snapshot is refused", "[controller]") {
  controller_state state;
  REQUIRE(state.apply(0, create_topic{{.name = "orders", .partitions = 1}, {{1}}}));
  const std::string good = state.snapshot();
  REQUIRE(controller_state::restore(good));
  for (std::string bad : {std::string(""), std::string("{}"), std::string("[]"),
                          std::string(R"({"v":2,"applied_offset":0,"topics":[]})"),
                          std::string(R"({"v":1,"applied_offset":-5,"topics":[]})"),
                          std::string(R"({"v":1,"applied_offset":0,"topics":[1]})"),
                          std::string(R"({"v":1,"applied_offset":0,"topics":{}})")}) {
    INFO(bad);
    CHECK(controller_state::restore(bad).error() ==
          make_error_code(controller::errc::malformed_snapshot));
  }
  // created after the snapshot's own offset, or the same topic twice.
  std::string future = good;
  future.replace(future.find("\"created_offset\":0"), 18, "\"created_offset\":9");
  CHECK_FALSE(controller_state::restore(future));
  std::string twice = good;
  auto topics_at = twice.find("[{");
  auto topic_end = twice.rfind("}]");
  std::string entry = twice.substr(topics_at + 1, topic_end - topics_at);
  twice.insert(topic_end + 1, "," + entry);
  CHECK_FALSE(controller_state::restore(twice));
}

TEST_CASE("a topic created without an id gets one derived alike everywhere", "[controller]") {
  // Creates written before topics had ids: every broker derives the same id from the record.
  controller_state a, b;
  const create_topic c{{.name = "orders", .partitions = 1}, {{1}}};
  REQUIRE(a.apply(7, c));
  REQUIRE(b.apply(7, encode(c)));
  CHECK_FALSE(is_nil(a.topic("orders")->config.id));
  CHECK(a.topic("orders")->config.id == b.topic("orders")->config.id);
  CHECK(a.topic("orders")->config.id == derived_topic_id("orders", 7));
  // A create that names its id keeps it, through a snapshot too.
  controller_state named;
  const topic_id id = random_topic_id();
  REQUIRE(named.apply(0, create_topic{{.name = "audit", .partitions = 1, .id = id}, {{1}}}));
  CHECK(named.topic("audit")->config.id == id);
  auto restored = controller_state::restore(named.snapshot());
  REQUIRE(restored);
  CHECK(restored.value().topic("audit")->config.id == id);
}

TEST_CASE("alter_topic replaces settings and adds partitions, never more", "[controller]") {
  controller_state state;
  REQUIRE(state.apply(0, create_topic{{.name = "orders", .partitions = 2, .replication_factor = 2},
                                      {{1, 2}, {2, 3}}}));
  const topic_id id = state.topic("orders")->config.id;

  topic_config next = state.topic("orders")->config;
  next.partitions = 3;
  next.retention_ms = 1000;
  next.cleanup = cleanup_policy::compact;
  next.timestamp_type = cairn::eventstore::timestamp_type::log_append_time;
  const alter_topic grow{next, {{1, 2}, {2, 3}, {3, 1}}, std::nullopt};
  auto decoded = decode_command(encode(grow));
  REQUIRE(decoded);
  CHECK(std::get<alter_topic>(decoded.value()) == grow);

  auto changed = state.apply(1, encode(grow));
  REQUIRE(changed);
  CHECK(changed.value().altered == std::vector<std::string>{"orders"});
  REQUIRE(changed.value().created.size() == 1);
  CHECK(changed.value().created[0] == partition_change{"orders", 2, {3, 1}});
  CHECK(state.topic("orders")->config.retention_ms == 1000);
  CHECK(state.topic("orders")->config.cleanup == cleanup_policy::compact);
  CHECK(state.topic("orders")->config.timestamp_type ==
        cairn::eventstore::timestamp_type::log_append_time);
  CHECK(state.topic("orders")->config.id == id);
  CHECK(state.topic("orders")->assignment.size() == 3);
  CHECK(state.topic("orders")->created_offset == 0);

  // What an alter may not do: each refused, alike, with the state unchanged.
  const auto before = state.topics();
  auto refused = [&](topic_config c, topic_assignment a, std::error_code why) {
    static std::int64_t offset = 10;
    auto applied = state.apply(offset++, alter_topic{std::move(c), std::move(a), std::nullopt});
    REQUIRE_FALSE(applied);
    CHECK(applied.error() == why);
    CHECK(state.topics() == before);
  };
  topic_config shrink = state.topic("orders")->config;
  shrink.partitions = 2;
  refused(shrink, {{1, 2}, {2, 3}}, cairn::broker::errc::invalid_topic_config);
  topic_config moved = state.topic("orders")->config;
  refused(moved, {{2, 1}, {2, 3}, {3, 1}}, controller::errc::invalid_assignment);
  topic_config other_id = state.topic("orders")->config;
  other_id.id = random_topic_id();
  refused(other_id, {{1, 2}, {2, 3}, {3, 1}}, cairn::broker::errc::invalid_topic_config);
  topic_config missing = state.topic("orders")->config;
  missing.name = "nope";
  refused(missing, {{1, 2}, {2, 3}, {3, 1}}, cairn::broker::errc::unknown_topic);

  auto restored = controller_state::restore(state.snapshot());
  REQUIRE(restored);
  CHECK(restored.value() == state);
}

TEST_CASE("an alter computed from an older version of the topic is refused stale", "[controller]") {
  controller_state state;
  REQUIRE(state.apply(3, create_topic{{.name = "orders", .partitions = 1}, {{1}}}));
  CHECK(state.topic("orders")->version == 3);

  // Two brokers compute a change each from version 3: the first applies, the second is stale.
  topic_config a = state.topic("orders")->config;
  a.retention_ms = 1000;
  topic_config b = state.topic("orders")->config;
  b.cleanup = cleanup_policy::compact;
  const alter_topic first{a, {{1}}, 3};
  const alter_topic second{b, {{1}}, 3};
  auto decoded = decode_command(encode(second));
  REQUIRE(decoded);
  CHECK(std::get<alter_topic>(decoded.value()) == second);
  REQUIRE(state.apply(4, encode(first)));
  CHECK(state.topic("orders")->version == 4);
  CHECK(state.check(second).error() == make_error_code(controller::errc::stale_topic_version));
  auto lost = state.apply(5, encode(second));
  REQUIRE_FALSE(lost);
  CHECK(lost.error() == make_error_code(controller::errc::stale_topic_version));
  CHECK(state.topic("orders")->config.retention_ms == 1000);
  CHECK(state.topic("orders")->config.cleanup == cleanup_policy::remove);
  CHECK(state.topic("orders")->version == 4);

  // Computed again from version 4 (what the stale answer carries), it applies and keeps both.
  auto now = decode_topic_record(encode_topic_record(*state.topic("orders")));
  REQUIRE(now);
  CHECK(now.value() == *state.topic("orders"));
  topic_config again = now.value().config;
  again.cleanup = cleanup_policy::compact;
  REQUIRE(state.apply(6, alter_topic{again, now.value().assignment, now.value().version}));
  CHECK(state.topic("orders")->config.retention_ms == 1000);
  CHECK(state.topic("orders")->config.cleanup == cleanup_policy::compact);
  CHECK(state.topic("orders")->version == 6);

  // The version survives a snapshot; a negative one is no command.
  auto restored = controller_state::restore(state.snapshot());
  REQUIRE(restored);
  CHECK(restored.value().topic("orders")->version == 6);
  std::string negative = encode(first);
  negative.replace(negative.find("\"if_version\":3"), 14, "\"if_version\":-1");
  CHECK(decode_command(negative).error() == make_error_code(controller::errc::malformed_command));
  CHECK_FALSE(decode_topic_record("{\"config\":1}"));
  CHECK_FALSE(decode_topic_record("not json"));
}

TEST_CASE("producer id blocks are granted one after another and never twice", "[controller]") {
  controller_state state;
  const allocate_producer_ids ask{.node = 2, .count = 1000, .at_least = 0};
  auto decoded = decode_command(encode(ask));
  REQUIRE(decoded);
  CHECK(std::get<allocate_producer_ids>(decoded.value()) == ask);

  auto first = state.apply(0, encode(ask));
  REQUIRE(first);
  CHECK(first.value().empty());  // no topic changed
  CHECK(first.value().granted == producer_id_grant{.node = 2, .first = 0, .count = 1000});
  auto second = state.apply(1, allocate_producer_ids{.node = 3, .count = 10, .at_least = 0});
  REQUIRE(second);
  CHECK(second.value().granted == producer_id_grant{.node = 3, .first = 1000, .count = 10});
  // A broker whose own file says it used ids up to 5000 gets a block above them.
  auto above = state.apply(2, allocate_producer_ids{.node = 1, .count = 10, .at_least = 5000});
  REQUIRE(above);
  CHECK(above.value().granted == producer_id_grant{.node = 1, .first = 5000, .count = 10});
  auto next = state.apply(3, allocate_producer_ids{.node = 2, .count = 1, .at_least = 0});
  REQUIRE(next);
  CHECK(next.value().granted->first == 5010);
  CHECK(state.next_producer_id() == 5011);

  // Every broker folding the same log grants the same blocks; a snapshot keeps the next id.
  auto restored = controller_state::restore(state.snapshot());
  REQUIRE(restored);
  CHECK(restored.value().next_producer_id() == 5011);
  CHECK(restored.value() == state);
  auto after =
      restored.value().apply(4, allocate_producer_ids{.node = 3, .count = 5, .at_least = 0});
  REQUIRE(after);
  CHECK(after.value().granted->first == 5011);

  // The end of the id space: refused alike, nothing granted.
  const std::int64_t top = std::numeric_limits<std::int64_t>::max();
  auto spent = state.apply(5, allocate_producer_ids{.node = 1, .count = 10, .at_least = top - 5});
  REQUIRE_FALSE(spent);
  CHECK(spent.error() == make_error_code(controller::errc::producer_ids_exhausted));
  CHECK(state.next_producer_id() == 5011);

  // Untrusted records: node, count and at_least are bounded.
  for (std::string bad :
       {std::string(R"({"v":1,"type":"allocate_producer_ids","node":0,"count":1,"at_least":0})"),
        std::string(R"({"v":1,"type":"allocate_producer_ids","node":1,"count":0,"at_least":0})"),
        std::string(R"({"v":1,"type":"allocate_producer_ids","node":1,"count":1048577,)"
                    R"("at_least":0})"),
        std::string(R"({"v":1,"type":"allocate_producer_ids","node":1,"count":1,"at_least":-1})"),
        std::string(R"({"v":1,"type":"allocate_producer_ids","node":1,"count":1})"),
        std::string(R"({"v":1,"type":"allocate_producer_ids","node":"1","count":1,)"
                    R"("at_least":0})")}) {
    INFO(bad);
    CHECK(decode_command(bad).error() == make_error_code(controller::errc::malformed_command));
  }
  // A snapshot written before producer ids were granted restores with the next id at 0.
  std::string old = controller_state{}.snapshot();
  const std::string field = ",\"next_producer_id\":0";
  old.replace(old.find(field), field.size(), "");
  auto restored_old = controller_state::restore(old);
  REQUIRE(restored_old);
  CHECK(restored_old.value().next_producer_id() == 0);
}
