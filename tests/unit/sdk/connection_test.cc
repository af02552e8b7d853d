// connection against a scripted in-process broker: responses out of order, the in-flight bound,
// timeouts, a broken link, and a frame header that claims too much. Each test runs one
// io_context for at most a few seconds (run_for), so nothing waits unbounded.
#include "sdk/client/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <deque>

#include "protocol/wire_errc.h"
#include "cairn/errc.h"

namespace {

namespace asio = boost::asio;
namespace wire = cairn::protocol::wire;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using cairn::protocol::frame;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The broker side of one connection, driven by a test script.
struct peer {
  tcp::socket socket;
  cairn::protocol::frame_reader reader;
  std::deque<frame> frames;

  // The next request, or nullopt when the client closed.
  asio::awaitable<std::optional<cairn::protocol::parsed_request>> read() {
    std::array<std::byte, 4096> buf;
    while (frames.empty()) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), use_tuple);
      if (ec) co_return std::nullopt;
      auto got = reader.feed(std::span<const std::byte>(buf.data(), n));
      REQUIRE(got);
      for (auto& f : got.value())
        frames.push_back(std::move(f));
      reads_frames_max = std::max(reads_frames_max, frames.size());
    }
    frame f = std::move(frames.front());
    frames.pop_front();
    co_return cairn::protocol::parse_request(std::move(f)).value();
  }

  asio::awaitable<void> write(const frame& f) {
    auto bytes = cairn::protocol::frame_bytes(f);
    co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), use_tuple);
  }

  // Answers a metadata request with the first requested topic name as its cluster id, so the
  // client can tell which answer it got.
  static frame echo(const cairn::protocol::parsed_request& r) {
    cairn::protocol::frame_writer w;
    auto m = w.init_response(r.correlation_id()).initMetadata();
    m.setClusterId(r.root().getMetadata().getTopics()[0]);
    return w.finish().value();
  }

  asio::awaitable<bool> handshake() {
    auto r = co_await read();
    if (!r || r->kind() != wire::Request::HANDSHAKE) co_return false;
    cairn::protocol::frame_writer w;
    auto h = w.init_response(r->correlation_id()).initHandshake();
    h.setProtocolVersion(1);
    h.setNodeId(3);
    h.setClusterId("fake");
    co_await write(w.finish().value());
    co_return true;
  }

  std::size_t reads_frames_max = 0;
};

struct harness {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }

  // Runs the broker script and the client script until both finish (bounded by run_for).
  void run(std::function<asio::awaitable<void>(peer&)> broker,
           std::function<asio::awaitable<void>()> client) {
    asio::co_spawn(
        io,
        [&, broker]() -> asio::awaitable<void> {
          auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
          REQUIRE(!ec);
          peer p{std::move(socket), cairn::protocol::frame_reader{}, {}};
          co_await broker(p);
        },
        asio::detached);
    asio::co_spawn(io, client, asio::detached);
    io.run_for(10s);
  }

  // No `= {}` default: g++ 12 destroys a braced temporary argument of a coroutine twice.
  asio::awaitable<std::shared_ptr<cairn::sdk::connection>> connect(
      cairn::sdk::connection_options o) {
    o.connect_timeout = 2s;
    auto c = co_await cairn::sdk::connection::connect("127.0.0.1", port(), o);
    REQUIRE(c);
    co_return c.value();
  }
};

auto metadata_of(std::string name) {
  return [name](wire::Request::Builder req) { req.initMetadata().initTopics(1).set(0, name); };
}

std::string cluster_of(const cairn::result<cairn::protocol::parsed_response>& r) {
  return r ? std::string(r.value().root().getMetadata().getClusterId())
           : "error: " + r.error().message();
}

}  // namespace

TEST_CASE("connection handshakes and matches responses that come back out of order",
          "[sdk][connection]") {
  harness h;
  std::vector<std::string> answers;
  int done = 0;  // outlives the client script, which ends before its calls do
  h.run(
      [](peer& p) -> asio::awaitable<void> {
        bool shook = co_await p.handshake();  // not inside REQUIRE: it keeps a reference
        REQUIRE(shook);
        auto a = co_await p.read();
        auto b = co_await p.read();
        auto c = co_await p.read();
        REQUIRE((a && b && c));
        co_await p.write(peer::echo(*c));  // last first
        co_await p.write(peer::echo(*a));
        co_await p.write(peer::echo(*b));
        co_await p.read();  // until the client closes
      },
      [&]() -> asio::awaitable<void> {
        cairn::sdk::connection_options o;
        auto conn = co_await h.connect(o);
        CHECK(conn->info().node_id == 3);
        CHECK(conn->info().cluster_id == "fake");
        auto ex = co_await asio::this_coro::executor;
        for (std::string name : {"a", "b", "c"}) {
          asio::co_spawn(
              ex,
              [&, name, conn]() -> asio::awaitable<void> {
                auto r = co_await conn->call(metadata_of(name), 2s);
                CHECK(cluster_of(r) == name);
                answers.push_back(name);
                if (++done == 3) conn->close();
              },
              asio::detached);
        }
        co_return;
      });
  REQUIRE(answers.size() == 3);
  CHECK(answers[0] == "c");  // they completed in the broker's order, each with its own answer
}

TEST_CASE("connection keeps at most in_flight_max requests outstanding", "[sdk][connection]") {
  harness h;
  std::size_t outstanding_max = 0;
  int ok = 0;
  h.run(
      [&](peer& p) -> asio::awaitable<void> {
        bool shook = co_await p.handshake();  // not inside REQUIRE: it keeps a reference
        REQUIRE(shook);
        // Answer in pairs: the client may not send a third before a pair is answered.
        for (int pair = 0; pair < 3; ++pair) {
          auto a = co_await p.read();
          auto b = co_await p.read();
          REQUIRE((a && b));
          outstanding_max = std::max(outstanding_max, 2 + p.frames.size());
          co_await p.write(peer::echo(*b));
          co_await p.write(peer::echo(*a));
        }
        co_await p.read();
      },
      [&]() -> asio::awaitable<void> {
        cairn::sdk::connection_options o;
        o.in_flight_max = 2;
        auto conn = co_await h.connect(o);
        auto ex = co_await asio::this_coro::executor;
        for (int i = 0; i < 6; ++i) {
          asio::co_spawn(
              ex,
              [&, i, conn]() -> asio::awaitable<void> {
                auto r = co_await conn->call(metadata_of(std::to_string(i)), 3s);
                CHECK(cluster_of(r) == std::to_string(i));
                CHECK(conn->in_flight() <= 2);
                if (++ok == 6) conn->close();
              },
              asio::detached);
        }
        co_return;
      });
  CHECK(ok == 6);
  CHECK(outstanding_max == 2);
}

TEST_CASE("connection times a request out and drops its late answer", "[sdk][connection]") {
  harness h;
  bool finished = false;
  h.run(
      [](peer& p) -> asio::awaitable<void> {
        bool shook = co_await p.handshake();  // not inside REQUIRE: it keeps a reference
        REQUIRE(shook);
        auto slow = co_await p.read();
        auto next = co_await p.read();  // the client gave up on `slow` and sent another
        REQUIRE((slow && next));
        co_await p.write(peer::echo(*slow));  // late: nobody waits for it
        co_await p.write(peer::echo(*next));
        co_await p.read();
      },
      [&]() -> asio::awaitable<void> {
        cairn::sdk::connection_options o;
        auto conn = co_await h.connect(o);
        auto r = co_await conn->call(metadata_of("slow"), 100ms);
        REQUIRE_FALSE(r);
        CHECK(r.error() == cairn::sdk::errc::request_timeout);
        auto again = co_await conn->call(metadata_of("next"), 2s);
        CHECK(cluster_of(again) == "next");
        CHECK(conn->is_open());
        conn->close();
        finished = true;
      });
  CHECK(finished);
}

TEST_CASE("connection fails every pending request when the link breaks", "[sdk][connection]") {
  harness h;
  int lost = 0;
  h.run(
      [](peer& p) -> asio::awaitable<void> {
        bool shook = co_await p.handshake();  // not inside REQUIRE: it keeps a reference
        REQUIRE(shook);
        co_await p.read();
        p.socket.close();  // with three requests in flight
      },
      [&]() -> asio::awaitable<void> {
        cairn::sdk::connection_options o;
        auto conn = co_await h.connect(o);
        auto ex = co_await asio::this_coro::executor;
        for (int i = 0; i < 3; ++i) {
          asio::co_spawn(
              ex,
              [&, conn]() -> asio::awaitable<void> {
                auto r = co_await conn->call(metadata_of("x"), 5s);
                REQUIRE_FALSE(r);
                CHECK(r.error() == cairn::sdk::errc::connection_lost);
                CHECK(cairn::sdk::is_retriable(r.error()));
                ++lost;
              },
              asio::detached);
        }
        co_return;
      });
  CHECK(lost == 3);
}

TEST_CASE("connection closes on a response frame that claims 4 GiB", "[sdk][connection]") {
  harness h;
  bool failed = false;
  h.run(
      [](peer& p) -> asio::awaitable<void> {
        bool shook = co_await p.handshake();  // not inside REQUIRE: it keeps a reference
        REQUIRE(shook);
        co_await p.read();
        // One segment of 2^29 words: 4 GiB.
        std::array<std::uint32_t, 2> header{0, 1u << 29};
        co_await asio::async_write(p.socket, asio::buffer(header), use_tuple);
        co_await p.read();
      },
      [&]() -> asio::awaitable<void> {
        cairn::sdk::connection_options o;
        o.limits.frame_bytes_max = 1 << 20;
        auto conn = co_await h.connect(o);
        auto r = co_await conn->call(metadata_of("x"), 5s);
        REQUIRE_FALSE(r);
        CHECK(r.error() == cairn::sdk::errc::connection_lost);
        CHECK_FALSE(conn->is_open());
        failed = true;
      });
  CHECK(failed);
}

TEST_CASE("connect fails fast and retriably when nobody listens", "[sdk][connection]") {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: connects are refused
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        cairn::sdk::connection_options o;
        auto c = co_await cairn::sdk::connection::connect("127.0.0.1", port, o);
        REQUIRE_FALSE(c);
        CHECK(c.error() == cairn::sdk::errc::connect_failed);
        CHECK(cairn::sdk::is_retriable(c.error()));
        done = true;
      },
      asio::detached);
  io.run_for(10s);
  CHECK(done);
}
