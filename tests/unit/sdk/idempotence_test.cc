#include "sdk/client/idempotence.h"

#include <catch2/catch.hpp>
#include <limits>

using namespace cairn::sdk;

namespace {

const topic_partition kTp{"orders", 0};
const topic_partition kOther{"orders", 1};

batch_id b(std::uint64_t id) {
  return batch_id{id};
}

}  // namespace

TEST_CASE("sequences wrap from INT32_MAX to 0 as Kafka's incrementSequence", "[idempotence]") {
  constexpr std::int32_t max = std::numeric_limits<std::int32_t>::max();
  CHECK(increment_sequence(0, 5) == 5);
  CHECK(increment_sequence(max - 5, 5) == max);
  CHECK(increment_sequence(max, 1) == 0);
  CHECK(increment_sequence(max - 1, 5) == 3);
}

TEST_CASE("nothing is sent before the producer id arrives", "[idempotence]") {
  idempotence_tracker t;
  CHECK(t.needs_producer());
  CHECK_FALSE(t.may_send_new(kTp));
  t.set_producer({.id = 9, .epoch = 0});
  CHECK(t.may_send_new(kTp));
}

TEST_CASE("sequences count records per partition", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = 0});
  CHECK(t.assign(kTp, b(1), 3) == 0);
  CHECK(t.assign(kTp, b(2), 2) == 3);
  CHECK(t.assign(kOther, b(3), 4) == 0);
  CHECK(t.next_sequence(kTp) == 5);
  t.on_acked(kTp, b(1));
  CHECK(t.last_acked_sequence(kTp) == 2);
  t.on_acked(kTp, b(2));
  CHECK(t.last_acked_sequence(kTp) == 4);
  t.check_invariants();
}

TEST_CASE("at most five batches per partition are in flight", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = 0});
  for (std::uint64_t i = 0; i < idempotence_tracker::kInFlightBatchesMax; ++i) {
    REQUIRE(t.may_send_new(kTp));
    t.assign(kTp, b(i), 1);
  }
  CHECK_FALSE(t.may_send_new(kTp));
  CHECK(t.may_send_new(kOther));
  t.on_acked(kTp, b(0));
  CHECK(t.may_send_new(kTp));
}

TEST_CASE("a retry is resent only when it is the oldest in flight", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = 0});
  t.assign(kTp, b(1), 1);
  t.assign(kTp, b(2), 1);
  CHECK(t.on_retry(kTp, b(2), failure_kind::retriable).empty());
  CHECK_FALSE(t.may_resend(kTp, b(2)));
  CHECK(t.may_resend(kTp, b(1)));
  t.on_acked(kTp, b(1));
  CHECK(t.may_resend(kTp, b(2)));
}

TEST_CASE("out of order sequence behind a failed batch is retried as is", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = 0});
  t.assign(kTp, b(1), 2);  // 0..1
  t.assign(kTp, b(2), 2);  // 2..3
  // Batch 2 is not the next expected (0 is): its predecessor is still unresolved.
  CHECK(t.on_retry(kTp, b(2), failure_kind::out_of_order_sequence).empty());
  CHECK(t.producer().epoch == 0);
}

TEST_CASE("out of order sequence on the next expected batch bumps the epoch", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = 4});
  t.assign(kTp, b(1), 2);  // 0..1
  t.on_acked(kTp, b(1));
  t.assign(kTp, b(2), 3);  // 2..4
  t.assign(kTp, b(3), 1);  // 5
  auto changed = t.on_retry(kTp, b(2), failure_kind::out_of_order_sequence);
  CHECK(t.producer() == producer_identity{.id = 9, .epoch = 5});
  REQUIRE(changed.size() == 2);
  CHECK(changed[0].id == b(2));
  CHECK(changed[0].base_sequence == 0);
  CHECK(changed[1].id == b(3));
  CHECK(changed[1].base_sequence == 3);
  CHECK(changed[1].producer == t.producer());
  CHECK(t.next_sequence(kTp) == 4);
  CHECK(t.last_acked_sequence(kTp) == -1);
  t.check_invariants();
}

TEST_CASE("after a bump other partitions finish their old batches first", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = 0});
  t.assign(kTp, b(1), 1);
  t.assign(kOther, b(2), 1);  // seq 0 under epoch 0
  t.assign(kOther, b(3), 1);  // seq 1 under epoch 0
  t.on_retry(kTp, b(1), failure_kind::unknown_producer_id);
  CHECK(t.producer().epoch == 1);
  // kOther must not start epoch 1 at sequence 0 while epoch-0 batches are unresolved.
  CHECK_FALSE(t.may_send_new(kOther));
  CHECK(t.may_resend(kOther, b(2)));
  t.on_acked(kOther, b(2));
  t.on_acked(kOther, b(3));
  REQUIRE(t.may_send_new(kOther));
  CHECK(t.assign(kOther, b(4), 1) == 0);
  t.check_invariants();
}

TEST_CASE("a final failure bumps the epoch and re-sequences the rest", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = 0});
  t.assign(kTp, b(1), 2);
  t.assign(kTp, b(2), 2);
  auto changed = t.on_final_failure(kTp, b(1));
  CHECK(t.producer().epoch == 1);
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].id == b(2));
  CHECK(changed[0].base_sequence == 0);
  CHECK(t.next_sequence(kTp) == 2);
}

TEST_CASE("a spent epoch drops the producer id until a new one arrives", "[idempotence]") {
  idempotence_tracker t;
  t.set_producer({.id = 9, .epoch = std::numeric_limits<std::int16_t>::max()});
  t.assign(kTp, b(1), 1);
  t.assign(kTp, b(2), 1);
  CHECK(t.on_retry(kTp, b(1), failure_kind::unknown_producer_id).empty());
  CHECK(t.needs_producer());
  CHECK_FALSE(t.may_resend(kTp, b(1)));
  auto changed = t.set_producer({.id = 10, .epoch = 0});
  REQUIRE(changed.size() == 2);
  CHECK(changed[0].producer == producer_identity{.id = 10, .epoch = 0});
  CHECK(changed[0].base_sequence == 0);
  CHECK(changed[1].base_sequence == 1);
  CHECK(t.may_resend(kTp, b(1)));
  t.check_invariants();
}
