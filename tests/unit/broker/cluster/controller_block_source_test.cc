// controller_block_source against a scripted grantor: who it asks (the controller it knows at
// each attempt), what it does while there is none, when the one asked is not the controller any
// more or cannot be reached, and what it refuses to hand the allocator.
#include "broker/cluster/controller_block_source.h"

#include <catch2/catch.hpp>
#include <deque>
#include <system_error>
#include <vector>

#include "broker/controller/controller_errc.h"
#include "protocol/wire_errc.h"
#include "tests/support/temp_dir.h"

using namespace cairn;
using namespace cairn::broker;
using namespace cairn::broker::cluster;

namespace {

// Each attempt pops one scripted step: the controller this broker knows, and what asking it
// answers (unused when the controller is -1).
struct step {
  std::int32_t known = -1;
  result<controller::producer_id_grant> answer = protocol::errc::not_controller;
};

class scripted_grantor final : public producer_id_grantor {
 public:
  explicit scripted_grantor(std::vector<step> steps) : steps_(steps.begin(), steps.end()) {}

  std::int32_t controller_id() const override { return steps_.empty() ? -1 : steps_.front().known; }
  result<controller::producer_id_grant> request_block(std::int32_t to, std::int64_t count,
                                                      std::int64_t at_least,
                                                      std::chrono::milliseconds timeout) override {
    asked.push_back({to, count, at_least, timeout});
    REQUIRE_FALSE(steps_.empty());
    auto answer = steps_.front().answer;
    steps_.pop_front();
    return answer;
  }
  struct ask {
    std::int32_t to;
    std::int64_t count;
    std::int64_t at_least;
    std::chrono::milliseconds timeout;
  };
  std::vector<ask> asked;

 private:
  std::deque<step> steps_;
};

// A grantor with no controller for `idle` reads of controller_id(), then one that answers.
class electing_grantor final : public producer_id_grantor {
 public:
  electing_grantor(int idle, std::int32_t controller) : idle_(idle), controller_(controller) {}
  std::int32_t controller_id() const override { return reads_++ < idle_ ? -1 : controller_; }
  result<controller::producer_id_grant> request_block(std::int32_t, std::int64_t count,
                                                      std::int64_t at_least,
                                                      std::chrono::milliseconds) override {
    return controller::producer_id_grant{.node = 1, .first = at_least, .count = count};
  }
  int reads() const { return reads_; }

 private:
  int idle_;
  std::int32_t controller_;
  mutable int reads_ = 0;
};

const controller_block_options kFast{.block_size = 10,
                                     .backoff_min = std::chrono::milliseconds(1),
                                     .backoff_max = std::chrono::milliseconds(2),
                                     .attempt_timeout_max = std::chrono::milliseconds(300)};

}  // namespace

TEST_CASE("a block comes from the controller this broker knows and starts above its used end",
          "[cluster]") {
  scripted_grantor g({{2, controller::producer_id_grant{.node = 1, .first = 4000, .count = 10}}});
  auto source = controller_block_source(g, kFast);
  auto block = source(3000, std::chrono::seconds(5));
  REQUIRE(block);
  CHECK(block.value() == producer_id_block{4000, 10});
  REQUIRE(g.asked.size() == 1);
  CHECK(g.asked[0].to == 2);
  CHECK(g.asked[0].count == 10);
  CHECK(g.asked[0].at_least == 3000);
  CHECK(g.asked[0].timeout <= kFast.attempt_timeout_max);  // one attempt's share of the wait
}

TEST_CASE("the source follows the controller as it moves and waits while there is none",
          "[cluster]") {
  SECTION("not the controller any more or unreachable or too slow: the next one is asked") {
    scripted_grantor g({{2, protocol::errc::not_controller},
                        {2, std::make_error_code(std::errc::connection_refused)},
                        {3, protocol::errc::request_timed_out},
                        {3, controller::producer_id_grant{.node = 1, .first = 50, .count = 10}}});
    auto block = controller_block_source(g, kFast)(0, std::chrono::seconds(5));
    REQUIRE(block);
    CHECK(block.value().first == 50);
    REQUIRE(g.asked.size() == 4);
    CHECK(g.asked[0].to == 2);
    CHECK(g.asked[3].to == 3);
  }
  SECTION("no controller for a while (an election): asked once one is known") {
    electing_grantor g(5, 3);
    auto block = controller_block_source(g, kFast)(7, std::chrono::seconds(5));
    REQUIRE(block);
    CHECK(block.value() == producer_id_block{7, 10});
    CHECK(g.reads() == 6);
  }
}

TEST_CASE("the source gives up at the end of the wait or at once when asking cannot help",
          "[cluster]") {
  SECTION("no controller at all: request_timed_out once the wait is spent") {
    electing_grantor g(1'000'000, 3);
    const auto started = std::chrono::steady_clock::now();
    auto block = controller_block_source(g, kFast)(0, std::chrono::milliseconds(50));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
    REQUIRE_FALSE(block);
    CHECK(block.error() == make_error_code(protocol::errc::request_timed_out));
  }
  SECTION("the id space is spent") {
    scripted_grantor g({{2, controller::errc::producer_ids_exhausted},
                        {2, controller::producer_id_grant{.node = 1, .first = 0, .count = 10}}});
    auto block = controller_block_source(g, kFast)(0, std::chrono::seconds(5));
    REQUIRE_FALSE(block);
    CHECK(block.error() == make_error_code(controller::errc::producer_ids_exhausted));
    CHECK(g.asked.size() == 1);
  }
  SECTION("a grant that is not the block asked for never reaches the allocator") {
    for (auto bad :
         {controller::producer_id_grant{.node = 1, .first = 10, .count = 10},
          controller::producer_id_grant{.node = 1, .first = 500, .count = 0},
          controller::producer_id_grant{.node = 1, .first = 500, .count = 11},
          controller::producer_id_grant{
              .node = 1, .first = std::numeric_limits<std::int64_t>::max() - 2, .count = 10}}) {
      scripted_grantor g({{2, bad}});
      auto block = controller_block_source(g, kFast)(100, std::chrono::seconds(5));
      REQUIRE_FALSE(block);
      CHECK(block.error() == make_error_code(protocol::errc::invalid_request));
    }
  }
}

TEST_CASE("an allocator on a controller source never uses an id below its own file", "[cluster]") {
  cairn::testing::temp_dir dir;
  // The controller grants from 0 whatever the broker asks: the broker's file is its own guard.
  std::int64_t next = 0;
  class counting final : public producer_id_grantor {
   public:
    explicit counting(std::int64_t& next) : next_(next) {}
    std::int32_t controller_id() const override { return 1; }
    result<controller::producer_id_grant> request_block(std::int32_t, std::int64_t count,
                                                        std::int64_t at_least,
                                                        std::chrono::milliseconds) override {
      const std::int64_t first = std::max(next_, at_least);
      next_ = first + count;
      return controller::producer_id_grant{.node = 1, .first = first, .count = count};
    }

   private:
    std::int64_t& next_;
  } g(next);
  {
    auto a = producer_id_allocator::open(
        {.dir = dir.path().string(), .source = controller_block_source(g, kFast)});
    REQUIRE(a);
    CHECK(a.value()->allocate().value() == 0);
  }
  next = 0;  // a controller that forgot (it cannot: its log keeps it; the file is the backstop)
  auto b = producer_id_allocator::open(
      {.dir = dir.path().string(), .source = controller_block_source(g, kFast)});
  REQUIRE(b);
  CHECK(b.value()->allocate().value() == 10);
}
