// group_coordinator against two scripted in-process brokers: the coordinator is not available,
// then named, then moves (not_coordinator), and is found again, with backoff, within the
// caller's deadline; group errors that are not about the coordinator come back at once.
#include "sdk/client/coordinator_lookup.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "protocol/wire_errc.h"

namespace {

namespace asio = boost::asio;
namespace wire = cairn::protocol::wire;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A broker that handshakes and answers every request with its script, logging "name:kind".
class fake_broker {
 public:
  using script = std::function<cairn::protocol::frame(const cairn::protocol::parsed_request&)>;

  fake_broker(asio::io_context& io, std::string name, std::vector<std::string>& log,
              std::mutex& log_mutex)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}),
        name_(std::move(name)),
        log_(log),
        log_mutex_(log_mutex) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void answer_with(script s) { script_ = std::move(s); }

 private:
  asio::awaitable<void> accept_loop() {
    for (int i = 0; i < 16; ++i) {  // a test opens a few connections
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    cairn::protocol::frame_reader reader;
    std::array<std::byte, 4096> buf;
    for (int requests = 0; requests < 1'000; ++requests) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), use_tuple);
      if (ec) co_return;
      auto frames = reader.feed(std::span<const std::byte>(buf.data(), n));
      if (!frames) co_return;
      for (auto& f : frames.value()) {
        auto request = cairn::protocol::parse_request(std::move(f));
        if (!request) co_return;
        cairn::protocol::frame answer = respond(request.value());
        auto bytes = cairn::protocol::frame_bytes(answer);
        co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), use_tuple);
      }
    }
  }

  cairn::protocol::frame respond(const cairn::protocol::parsed_request& r) {
    if (r.kind() == wire::Request::HANDSHAKE) {
      cairn::protocol::frame_writer w;
      auto h = w.init_response(r.correlation_id()).initHandshake();
      h.setProtocolVersion(1);
      h.setNodeId(1);
      return w.finish().value();
    }
    {
      std::lock_guard lock(log_mutex_);
      log_.push_back(name_ + ":" +
                     (r.kind() == wire::Request::FIND_COORDINATOR ? "find" : "heartbeat"));
    }
    return script_(r);
  }

  tcp::acceptor acceptor_;
  std::string name_;
  std::vector<std::string>& log_;
  std::mutex& log_mutex_;
  script script_;
};

cairn::protocol::frame coordinator_is(const cairn::protocol::parsed_request& r,
                                      std::uint16_t port) {
  cairn::protocol::frame_writer w;
  auto f = w.init_response(r.correlation_id()).initFindCoordinator();
  f.setNodeId(port);
  f.setHost("127.0.0.1");
  f.setPort(port);
  return w.finish().value();
}

cairn::protocol::frame heartbeat_answer(const cairn::protocol::parsed_request& r,
                                        wire::ErrorCode code) {
  cairn::protocol::frame_writer w;
  auto root = w.init_response(r.correlation_id());
  root.setErrorCode(code);
  root.initHeartbeat();
  return w.finish().value();
}

struct world {
  asio::io_context io;
  std::vector<std::string> log;
  std::mutex log_mutex;
  fake_broker a{io, "a", log, log_mutex};
  fake_broker b{io, "b", log, log_mutex};
  std::thread thread;
  std::unique_ptr<cairn::client> client;

  world() {
    auto c = cairn::client::create({.bootstrap = {"127.0.0.1:" + std::to_string(a.port())},
                                    .connect_timeout_ms = 2'000,
                                    .request_timeout_ms = 2'000});
    REQUIRE(c);
    client = std::move(c).value();
  }
  void start() {
    thread = std::thread([this] { io.run_for(20s); });
  }
  ~world() {
    client.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }

  cairn::result<cairn::protocol::parsed_response> heartbeat(
      cairn::sdk::group_coordinator& coordinator, std::chrono::milliseconds within) {
    using answer = cairn::result<cairn::protocol::parsed_response>;
    auto& impl = client->impl();
    return impl.block_on<answer>([&]() -> asio::awaitable<answer> {
      auto deadline = std::chrono::steady_clock::now() + within;
      co_return co_await coordinator.call(
          [](wire::Request::Builder req) { req.initHeartbeat().setGroupId("g"); },
          wire::Response::HEARTBEAT, 1s, deadline);
    });
  }

  std::vector<std::string> requests() {
    std::lock_guard lock(log_mutex);
    return log;
  }
};

}  // namespace

TEST_CASE("group coordinator: found again with backoff when it is not ready or moves",
          "[sdk][group][coordinator]") {
  world w;
  int finds = 0;
  w.a.answer_with([&](const cairn::protocol::parsed_request& r) {
    if (r.kind() == wire::Request::FIND_COORDINATOR) {
      ++finds;
      if (finds == 1) {
        return cairn::protocol::make_error_response(
            r.correlation_id(), cairn::protocol::errc::coordinator_not_available);
      }
      return coordinator_is(r, finds == 2 ? w.b.port() : w.a.port());  // b, then a itself
    }
    return heartbeat_answer(r, wire::ErrorCode::NONE);
  });
  w.b.answer_with([&](const cairn::protocol::parsed_request& r) {
    return heartbeat_answer(r, wire::ErrorCode::NOT_COORDINATOR);  // the group moved away
  });
  w.start();
  cairn::sdk::group_coordinator coordinator(w.client->impl(), "g");
  auto started = std::chrono::steady_clock::now();
  auto answered = w.heartbeat(coordinator, 10s);
  REQUIRE(answered);
  CHECK(w.requests() ==
        std::vector<std::string>{"a:find", "a:find", "b:heartbeat", "a:find", "a:heartbeat"});
  CHECK(std::chrono::steady_clock::now() - started >= 100ms);  // it backed off in between
  REQUIRE(coordinator.known());
  CHECK(coordinator.known()->port == w.a.port());

  // Known now: the next call goes straight to it.
  REQUIRE(w.heartbeat(coordinator, 10s));
  CHECK(w.requests().size() == 6);
}

TEST_CASE(
    "group coordinator: a group error is returned at once and a lost coordinator by the deadline",
    "[sdk][group][coordinator]") {
  world w;
  bool fenced = true;
  w.a.answer_with([&](const cairn::protocol::parsed_request& r) {
    if (r.kind() == wire::Request::FIND_COORDINATOR) return coordinator_is(r, w.a.port());
    return heartbeat_answer(
        r, fenced ? wire::ErrorCode::ILLEGAL_GENERATION : wire::ErrorCode::NOT_COORDINATOR);
  });
  w.start();
  cairn::sdk::group_coordinator coordinator(w.client->impl(), "g");
  auto refused = w.heartbeat(coordinator, 10s);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == cairn::protocol::errc::illegal_generation);
  CHECK(w.requests() == std::vector<std::string>{"a:find", "a:heartbeat"});

  fenced = false;  // now it keeps saying it is not the coordinator
  auto started = std::chrono::steady_clock::now();
  auto lost = w.heartbeat(coordinator, 1500ms);
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(lost);
  CHECK(lost.error() == cairn::protocol::errc::not_coordinator);
  CHECK(took < 5s);  // the deadline, not the attempt bound, ended it
  CHECK(w.requests().size() > 4);
}
