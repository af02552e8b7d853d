// The Cap'n Proto event codec: round trips through the registry, a variant mixing JSON and
// Cap'n Proto events, upcasters from an old capnp schema (and from JSON to capnp), the
// content-type header, and untrusted bytes: random, truncated, extended, bit-flipped and
// misaligned input, and the traversal and nesting limits. Garbage must be malformed_event,
// never a crash (run under ASan+UBSan too).
#include <capnp/serialize.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "cairn/es/loaded_aggregate.h"
#include "tests/unit/sdk/es_capnp_account.h"

namespace es = cairn::es;
namespace es_test = cairn::es_test;
using registry_type = es::event_registry<capnp_bank::event>;

namespace {

cairn::recorded_event stored(std::int64_t version, const capnp_bank::event& e) {
  auto data = registry_type::encode(e);
  return {.version = version, .type = data.type, .data = data.data, .headers = data.headers};
}

// Reads a note to the bottom of its first replies, `times` times over: a reader that traverses
// more than the message holds.
std::size_t read_note(es_test::Note::Reader n, int times) {
  std::size_t chars = 0;
  for (int i = 0; i < times; ++i)
    chars += n.getText().size();
  if (n.getReplies().size() > 0) chars += read_note(n.getReplies()[0], 1);
  return chars;
}

std::string nested_note(int depth, std::size_t text_chars) {
  return es::build_capnp<es_test::Note>([&](es_test::Note::Builder root) {
    auto n = root;
    n.setText(std::string(text_chars, 'n'));
    for (int d = 1; d < depth; ++d)
      n = n.initReplies(1)[0];
  });
}

}  // namespace

TEST_CASE("es capnp events round trip through the registry", "[es][capnp]") {
  auto r = capnp_bank::registry();
  const capnp_bank::event e = capnp_bank::deposited{1250, "rent"};
  auto data = registry_type::encode(e);
  CHECK(data.type == "bank.capnp.Deposited.v2");
  REQUIRE(data.headers.size() == 1);
  CHECK(data.headers[0].key == "content-type");
  CHECK(data.headers[0].value == "application/x-capnp");
  CHECK(data.data.size() % sizeof(capnp::word) == 0);
  auto back = r.decode(data.type, data.data);
  REQUIRE(back);
  CHECK(back.value() == e);
  CHECK(r.registered_encoding("bank.capnp.Deposited.v2") == es::event_encoding::capnp);
  CHECK(r.registered_encoding("bank.capnp.Deposited.v1") == es::event_encoding::capnp);
  CHECK(r.registered_encoding("bank.AccountOpened.v1") == es::event_encoding::json);
  CHECK_FALSE(r.registered_encoding("bank.Closed.v1"));

  // An empty text and the extremes of an Int64 survive.
  for (std::int64_t cents : {std::int64_t{0}, INT64_MIN, INT64_MAX}) {
    const capnp_bank::event edge = capnp_bank::deposited{cents, ""};
    auto edge_back = r.decode(stored(0, edge));
    REQUIRE(edge_back);
    CHECK(edge_back.value() == edge);
  }
}

TEST_CASE("es a variant mixes JSON and capnp events", "[es][capnp]") {
  auto r = capnp_bank::registry();
  const capnp_bank::event opened = bank::opened{"ann"};
  auto json = registry_type::encode(opened);
  CHECK(json.data == R"({"owner":"ann"})");  // JSON exactly as before: no header either
  CHECK(json.headers.empty());

  es::loaded_aggregate<capnp_bank::account> a;
  REQUIRE(a.apply(r, stored(0, opened), 8));
  REQUIRE(a.apply(r, stored(1, capnp_bank::deposited{500, "pay"}), 8));
  REQUIRE(a.apply(r, stored(2, capnp_bank::withdrawn{120}), 8));
  CHECK(a.state == bank::account_state{true, "ann", 380, 1});
  CHECK(a.version == 2);

  // The content type, when present, must be the registered one.
  auto capnp_record = stored(3, capnp_bank::deposited{1, ""});
  CHECK(r.decode(capnp_record));
  capnp_record.headers = {{"content-type", "application/json"}};
  CHECK(r.decode(capnp_record).error() == es::errc::malformed_event);
  capnp_record.headers.clear();  // a record without one is taken by its type name
  CHECK(r.decode(capnp_record));
  auto json_record = stored(4, opened);
  json_record.headers = {{"content-type", "application/json"}};
  CHECK(r.decode(json_record));
  json_record.headers = {{"content-type", "application/x-capnp"}};
  CHECK(r.decode(json_record).error() == es::errc::malformed_event);
  json_record.type = "bank.Closed.v1";
  CHECK(r.decode(json_record).error() == es::errc::unknown_event_type);
}

TEST_CASE("es a capnp v1 event is upcast to v2 on read", "[es][capnp]") {
  auto r = capnp_bank::registry();
  auto back = r.decode(capnp_bank::kDepositedV1, capnp_bank::deposited_v1_bytes(7));
  REQUIRE(back);
  CHECK(back.value() == capnp_bank::event{capnp_bank::deposited{700, "upcast from v1"}});

  // Garbage under the old name reaches the upcaster's reader: malformed, not a crash.
  CHECK(r.decode(capnp_bank::kDepositedV1, "garbage!").error() == es::errc::malformed_event);
  CHECK(r.decode(capnp_bank::kDepositedV1, "").error() == es::errc::malformed_event);
  CHECK(
      r.decode(capnp_bank::kDepositedV1, capnp_bank::deposited_v1_bytes(INT64_MAX / 10)).error() ==
      es::errc::malformed_event);  // cents would overflow

  // A JSON upcaster handed capnp bytes (or the reverse) is refused, not misread.
  es::raw_event wrong{.type = std::string(capnp_bank::kDepositedV1),
                      .data = boost::json::object{{"amount", 7}}};
  CHECK(r.decode(std::move(wrong)).error() == es::errc::malformed_event);
  es::raw_event json_as_capnp{.type = "bank.capnp.Deposited.v2",
                              .data = boost::json::object{{"amount_cents", 7}, {"memo", ""}}};
  CHECK(r.decode(std::move(json_as_capnp)).error() == es::errc::malformed_event);
}

TEST_CASE("es upcasters chain across encodings", "[es][capnp]") {
  auto r = capnp_bank::registry();
  // The oldest deposits were JSON whole units; a capnp v1 in between; v2 is current.
  r.add_upcaster("bank.json.Deposited.v0", [](es::raw_event old) -> cairn::result<es::raw_event> {
    const auto* o = old.data.if_object();
    const auto* units = o != nullptr ? o->if_contains("units") : nullptr;
    if (units == nullptr || !units->is_int64()) return es::errc::malformed_event;
    const std::int64_t amount = units->get_int64();
    return es::make_capnp_raw_event<es_test::DepositedV1>(
        std::string(capnp_bank::kDepositedV1),
        [&](es_test::DepositedV1::Builder b) { b.setAmount(amount); });
  });
  auto back = r.decode("bank.json.Deposited.v0", R"({"units": 3})");
  REQUIRE(back);
  CHECK(back.value() == capnp_bank::event{capnp_bank::deposited{300, "upcast from v1"}});
  CHECK(r.decode("bank.json.Deposited.v0", R"({"units": "x"})").error() ==
        es::errc::malformed_event);

  // And a JSON event may become the current capnp alternative directly.
  r.add_upcaster("bank.Deposited.v1", &bank::deposited_v1_to_v2);  // JSON -> JSON bank v2 name
  r.add_upcaster("bank.Deposited.v2", [](es::raw_event old) -> cairn::result<es::raw_event> {
    auto v2 = boost::json::try_value_to<bank::deposited>(old.data);
    if (!v2) return es::errc::malformed_event;
    return es::to_raw_event(capnp_bank::deposited{v2->amount_cents, v2->memo});
  });
  auto migrated = r.decode("bank.Deposited.v1", R"({"amount": 2})");
  REQUIRE(migrated);
  CHECK(migrated.value() == capnp_bank::event{capnp_bank::deposited{200, "upcast from v1"}});
}

TEST_CASE("es a from_capnp refusal is passed on", "[es][capnp]") {
  auto r = capnp_bank::registry();
  auto zero = es::build_capnp<es_test::Withdrawn>(
      [](es_test::Withdrawn::Builder b) { b.setAmountCents(0); });
  CHECK(r.decode("bank.capnp.Withdrawn.v1", zero).error() == es::errc::malformed_event);
}

TEST_CASE("es capnp decode refuses truncated or extended bytes and reads misaligned ones",
          "[es][capnp][untrusted]") {
  auto r = capnp_bank::registry();
  const capnp_bank::event e = capnp_bank::deposited{42, "a memo long enough for a few words"};
  const std::string good = registry_type::encode(e).data;
  const std::string type(registry_type::type_of(e));

  // Every strict prefix is malformed: the segment table claims more than is there.
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(r.decode(type, std::string_view(good).substr(0, n)).error() == es::errc::malformed_event);
  }
  // Trailing bytes, whole words or not, are refused rather than ignored.
  CHECK(r.decode(type, good + std::string(8, '\0')).error() == es::errc::malformed_event);
  CHECK(r.decode(type, good + "x").error() == es::errc::malformed_event);

  // The same bytes at every misalignment decode the same (copied into aligned words).
  std::string buffer(good.size() + 8, '\0');
  for (std::size_t shift = 0; shift < 8; ++shift) {
    std::memcpy(buffer.data() + shift, good.data(), good.size());
    auto back = r.decode(type, std::string_view(buffer.data() + shift, good.size()));
    REQUIRE(back);
    CHECK(back.value() == e);
  }
}

TEST_CASE("es capnp decode of random and bit-flipped bytes never crashes",
          "[es][capnp][untrusted]") {
  auto r = capnp_bank::registry();
  std::mt19937_64 prng(Catch::rngSeed());
  const std::string good =
      registry_type::encode(capnp_bank::deposited{42, "a memo long enough for a few words"}).data;
  const std::vector<std::string> types = {"bank.capnp.Deposited.v2", "bank.capnp.Withdrawn.v1",
                                          std::string(capnp_bank::kDepositedV1)};
  int decoded = 0;
  int malformed = 0;
  auto count = [&](const cairn::result<capnp_bank::event>& got) {
    if (got) {
      ++decoded;
    } else {
      CHECK(got.error() == es::errc::malformed_event);
      ++malformed;
    }
  };
  for (int i = 0; i < 3000; ++i) {
    // Random words: mostly a bad segment table, sometimes a plausible one.
    std::string random(8 * (1 + prng() % 16), '\0');
    for (auto& c : random)
      c = static_cast<char>(prng());
    if (i % 2 == 0) {
      std::memset(random.data(), 0, 4);  // one segment
      const std::uint32_t words = static_cast<std::uint32_t>(random.size() / 8 - 1);
      std::memcpy(random.data() + 4, &words, 4);
    }
    count(r.decode(types[i % types.size()], random));

    std::string flipped = good;
    const int flips = 1 + static_cast<int>(prng() % 4);
    for (int f = 0; f < flips; ++f)
      flipped[prng() % flipped.size()] ^= static_cast<char>(1u << (prng() % 8));
    count(r.decode(types[i % types.size()], flipped));
  }
  CHECK(malformed > 0);
  CHECK(decoded + malformed == 6000);
}

TEST_CASE("es capnp traversal and nesting limits hold", "[es][capnp][untrusted]") {
  // ~1 KiB of text: a reader that reads it once passes; one that reads it 40 times exceeds
  // 8 words per message word.
  const std::string note = nested_note(1, 1000);
  auto once =
      es::read_capnp<es_test::Note>(note, [](es_test::Note::Reader n) { return read_note(n, 1); });
  REQUIRE(once);
  CHECK(once.value() == 1000);
  auto greedy =
      es::read_capnp<es_test::Note>(note, [](es_test::Note::Reader n) { return read_note(n, 40); });
  CHECK(greedy.error() == es::errc::malformed_event);

  // Nesting (each level is a list and a struct): 10 levels pass the default limit, 40 do not;
  // a tighter limit refuses 10.
  const auto walk = [](es_test::Note::Reader n) { return read_note(n, 1); };
  CHECK(es::read_capnp<es_test::Note>(nested_note(10, 1), walk));
  CHECK(es::read_capnp<es_test::Note>(nested_note(40, 1), walk).error() ==
        es::errc::malformed_event);
  CHECK(es::read_capnp<es_test::Note>(nested_note(10, 1), walk, {.nesting_max = 4}).error() ==
        es::errc::malformed_event);
}
