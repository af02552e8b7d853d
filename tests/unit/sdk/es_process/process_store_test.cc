// The process manager's runner with its LMDB store in a temp dir and no broker: inputs go in
// through apply_batch (as a poll would hand them over), time comes from a fake clock, and the
// dispatch records what it is given. Covers the one-txn-per-input bookkeeping, timeouts firing,
// cancelled and dropped timeouts, the outbox's order and retries, and reopening.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "tests/unit/sdk/es_process/booking_process.h"

namespace {

namespace es = cairn::es;
using booking::booking_process;
using cairn::consumer_record;
using cairn::testing::temp_dir;
using es::instance_status;

// Records what it is asked to send; fails every send while `failing` is set.
struct recording_dispatch {
  std::vector<es::process_message> sent;
  bool failing = false;

  es::process_dispatch dispatch() {
    es::process_dispatch d;
    d.send = [this](const es::process_message& m) -> cairn::result<void> {
      if (failing) return cairn::sdk::errc::connection_lost;
      sent.push_back(m);
      return cairn::success();
    };
    return d;
  }
};

struct harness {
  temp_dir dir;
  std::int64_t now_ms = 1'000'000;
  recording_dispatch out;
  es::event_registry<booking::input> registry;
  std::unique_ptr<es::process_manager<booking_process>> pm = open();
  std::int64_t next_offset = 0;

  std::unique_ptr<es::process_manager<booking_process>> open() {
    es::process_options o;
    o.name = "booking";
    o.dir = dir.path() / "process";
    o.partitions = {{"bookings", 0}};
    o.clock = [this] { return now_ms; };
    auto p = es::process_manager<booking_process>::open(o, registry, out.dispatch());
    REQUIRE(p);
    return std::move(p).value();
  }

  template <class E>
  consumer_record record(const E& e, std::int64_t offset) {
    consumer_record r;
    r.topic = "bookings";
    r.partition = 0;
    r.offset = offset;
    r.key = e.booking_id;
    r.value = boost::json::serialize(boost::json::value_from(e));
    r.headers.push_back({"type", std::string(E::type)});
    return r;
  }

  template <class E>
  std::size_t apply(const E& e) {
    auto n = pm->engine().apply_batch({record(e, next_offset++)});
    REQUIRE(n);
    return n.value();
  }

  es::instance_status status(const std::string& id) {
    auto s = pm->status(id);
    REQUIRE(s);
    return s.value();
  }
  std::vector<es::process_message> outbox() {
    auto o = pm->engine().outbox();
    REQUIRE(o);
    return o.value();
  }
  std::vector<es::process_timeout> timeouts() {
    auto t = pm->engine().timeouts();
    REQUIRE(t);
    return t.value();
  }
  std::size_t fire() {
    auto n = pm->engine().fire_due_timeouts();
    REQUIRE(n);
    return n.value();
  }
};

booking::booking_requested request(const std::string& id) {
  return {id, 2, 15'000};
}

}  // namespace

TEST_CASE("an input writes state outbox timeout and checkpoint in one txn", "[process]") {
  harness h;
  CHECK(h.apply(request("b1")) == 1);

  auto state = h.pm->instance("b1");
  REQUIRE(state);
  REQUIRE(state.value().has_value());
  CHECK(state.value()->awaiting_payment);

  auto outbox = h.outbox();
  REQUIRE(outbox.size() == 2);
  CHECK(outbox[0].id == "booking/b1/bookings/0/0/0");
  CHECK(outbox[1].id == "booking/b1/bookings/0/0/1");
  CHECK(outbox[0].correlation_id == "b1");
  CHECK(outbox[0].causation_id == "bookings/0/0");
  CHECK(outbox[0].type == "inventory.HoldSeats.v1");

  auto timeouts = h.timeouts();
  REQUIRE(timeouts.size() == 1);
  CHECK(timeouts[0] == es::process_timeout{.instance = "b1",
                                           .name = "payment",
                                           .due_ms = h.now_ms + booking::payment_timeout_ms,
                                           .payload = ""});
  auto cp = h.pm->engine().checkpoints();
  REQUIRE(cp);
  CHECK(cp.value().at({"bookings", 0}) == 1);
}

TEST_CASE("a re-delivered record is not applied again", "[process]") {
  harness h;
  auto r = h.record(request("b1"), 0);
  REQUIRE(h.pm->engine().apply_batch({r}));
  auto again = h.pm->engine().apply_batch({r});
  REQUIRE(again);
  CHECK(again.value() == 0);
  CHECK(h.outbox().size() == 2);
}

TEST_CASE("records of unknown types or without a value and an ignoring reaction leave no instance",
          "[process]") {
  harness h;
  consumer_record other;
  other.topic = "bookings";
  other.offset = 0;
  other.key = "b1";
  other.value = "{}";
  other.headers.push_back({"type", "crm.CustomerMoved.v1"});
  auto tombstone = h.record(request("b1"), 2);
  tombstone.value.reset();
  auto n = h.pm->engine().apply_batch(
      {other, h.record(booking::payment_authorized{"b1"}, 1), tombstone});
  REQUIRE(n);
  CHECK(n.value() == 1);  // the payment reached the process; it ignored it
  CHECK(h.status("b1") == instance_status::none);
  CHECK(h.outbox().empty());
  CHECK(h.pm->engine().checkpoints().value().at({"bookings", 0}) == 3);
}

TEST_CASE("a batch with a malformed event keeps nothing of it", "[process]") {
  harness h;
  auto bad = h.record(request("b2"), 1);
  bad.value = "{\"booking_id\": 7}";
  auto n = h.pm->engine().apply_batch({h.record(request("b1"), 0), bad});
  REQUIRE_FALSE(n);
  CHECK(n.error() == es::errc::malformed_event);
  CHECK(h.status("b1") == instance_status::none);
  CHECK(h.outbox().empty());
  CHECK(h.timeouts().empty());
  CHECK(h.pm->engine().checkpoints().value().empty());
}

TEST_CASE("a timeout fires on the fake clock and only when due", "[process]") {
  harness h;
  h.apply(request("b1"));
  REQUIRE(h.pm->engine().dispatch_outbox());
  h.out.sent.clear();

  h.now_ms += booking::payment_timeout_ms - 1;
  CHECK(h.fire() == 0);
  CHECK(h.status("b1") == instance_status::live);
  auto due = h.pm->engine().next_due_ms();
  REQUIRE(due);
  CHECK(due.value() == h.now_ms + 1);

  h.now_ms += 1;
  CHECK(h.fire() == 1);
  CHECK(h.status("b1") == instance_status::finished);
  CHECK(h.timeouts().empty());
  auto outbox = h.outbox();
  REQUIRE(outbox.size() == 2);
  CHECK(outbox[0].type == "inventory.ReleaseHold.v1");
  CHECK(outbox[0].id == "booking/b1/timeout/payment/" + std::to_string(h.now_ms) + "/0");
  CHECK(outbox[1].data == R"({"booking_id":"b1","reason":"payment timed out"})");
  CHECK(h.fire() == 0);
}

TEST_CASE("a cancelled timeout does not fire and a moved one fires at its new time", "[process]") {
  harness h;
  h.apply(request("b1"));
  h.apply(booking::payment_deferred{"b1", 0});
  CHECK(h.timeouts().empty());
  h.now_ms += booking::payment_timeout_ms * 10;
  CHECK(h.fire() == 0);
  CHECK(h.status("b1") == instance_status::live);

  const std::int64_t at = h.now_ms + 500;
  h.apply(booking::payment_deferred{"b1", at});
  h.apply(booking::payment_deferred{"b1", at + 100});  // replaces the one at `at`
  REQUIRE(h.timeouts().size() == 1);
  h.now_ms = at;
  CHECK(h.fire() == 0);
  h.now_ms = at + 100;
  CHECK(h.fire() == 1);
  CHECK(h.status("b1") == instance_status::finished);
}

TEST_CASE("a finished instance drops its timeouts and skips late inputs", "[process]") {
  harness h;
  h.apply(request("b1"));
  h.apply(request("b2"));
  REQUIRE(h.timeouts().size() == 2);
  h.apply(booking::payment_declined{"b1", "no funds"});
  CHECK(h.status("b1") == instance_status::finished);
  auto left = h.timeouts();
  REQUIRE(left.size() == 1);
  CHECK(left[0].instance == "b2");

  const auto outbox_before = h.outbox().size();
  CHECK(h.apply(booking::payment_authorized{"b1"}) == 0);  // a late payment: the instance ended
  CHECK(h.apply(request("b1")) == 0);                      // and does not start again
  CHECK(h.outbox().size() == outbox_before);
  h.now_ms += booking::payment_timeout_ms;
  CHECK(h.fire() == 1);  // b2's only
}

TEST_CASE("the outbox is sent in order and a failed send keeps the rest", "[process]") {
  harness h;
  h.apply(request("b1"));
  h.apply(request("b2"));

  h.out.failing = true;
  auto failed = h.pm->engine().dispatch_outbox();
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == cairn::sdk::errc::connection_lost);
  CHECK(h.outbox().size() == 4);

  h.out.failing = false;
  auto sent = h.pm->engine().dispatch_outbox();
  REQUIRE(sent);
  CHECK(sent.value() == 4);
  CHECK(h.outbox().empty());
  REQUIRE(h.out.sent.size() == 4);
  CHECK(h.out.sent[0].id == "booking/b1/bookings/0/0/0");
  CHECK(h.out.sent[3].id == "booking/b2/bookings/0/1/1");
  // The first was tried before (it may have gone out): the receiver must check.
  CHECK(h.out.sent[0].maybe_sent);
  CHECK_FALSE(h.out.sent[1].maybe_sent);
}

TEST_CASE("reopening keeps state outbox and timeouts and marks the outbox maybe sent",
          "[process]") {
  harness h;
  h.apply(request("b1"));
  h.apply(request("b2"));
  h.apply(booking::payment_authorized{"b2"});
  const auto outbox = h.outbox();
  const auto timeouts = h.timeouts();
  REQUIRE(outbox.size() == 6);
  REQUIRE(timeouts.size() == 1);

  h.pm.reset();
  h.pm = h.open();
  CHECK(h.status("b1") == instance_status::live);
  CHECK(h.status("b2") == instance_status::finished);
  CHECK(h.outbox() == outbox);
  CHECK(h.timeouts() == timeouts);
  CHECK(h.pm->engine().checkpoints().value().at({"bookings", 0}) == 3);

  REQUIRE(h.pm->engine().dispatch_outbox());
  REQUIRE(h.out.sent.size() == 6);
  for (const auto& m : h.out.sent)
    CHECK(m.maybe_sent);

  // The timeout scheduled before the restart fires after it.
  h.now_ms += booking::payment_timeout_ms;
  CHECK(h.fire() == 1);
  CHECK(h.status("b1") == instance_status::finished);
}

TEST_CASE("a bad instance id is refused", "[process]") {
  harness h;
  CHECK(h.pm->engine().apply_batch({h.record(request(""), 0)}).error() ==
        es::process_errc::bad_instance_id);
  CHECK(h.pm->engine().apply_batch({h.record(request(std::string(201, 'x')), 0)}).error() ==
        es::process_errc::bad_instance_id);
  CHECK(h.pm->engine().apply_batch({h.record(request(std::string("a\0b", 3)), 0)}).error() ==
        es::process_errc::bad_instance_id);
}
