// fault::tcp_proxy against an echo server in this file. The client side is plain POSIX sockets
// with bounded waits (poll), so every expectation about "nothing arrives" is a read that times
// out and every expectation about "it arrives" is a read with a deadline. No sleeps.
#include "tests/fault/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using cairn::fault::direction;
using cairn::fault::tcp_proxy;
using steady = std::chrono::steady_clock;

// Echoes every byte back on its own thread; counts the connections it accepted.
class echo_server {
 public:
  echo_server() {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~echo_server() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  std::atomic<int> accepted{0};

 private:
  static constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

  asio::awaitable<void> accept_loop() {
    for (int i = 0; i < 10'000; ++i) {  // bounded: a test opens a handful of connections
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      ++accepted;
      asio::co_spawn(io_, echo(std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<void> echo(tcp::socket socket) {
    std::vector<char> buffer(64 * 1024);
    while (true) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) co_return;
      auto [wec, w] = co_await asio::async_write(socket, asio::buffer(buffer.data(), n), use_tuple);
      if (wec) co_return;
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
  std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::thread thread_;
};

enum class read_end { ok, timed_out, closed };  // closed: EOF or a reset

// A blocking client on 127.0.0.1 with deadlines on every read.
class client {
 public:
  explicit client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Sends without blocking until the socket has stayed unwritable for stall_ms (the path is
  // full), or bytes_max was sent. Returns the bytes sent; `pattern` is what they were.
  std::size_t send_until_full(std::string& pattern, std::size_t bytes_max, int stall_ms) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    std::string block(16 * 1024, '\0');
    std::size_t sent = 0;
    while (sent < bytes_max) {
      for (std::size_t i = 0; i < block.size(); ++i)
        block[i] = static_cast<char>('a' + (sent + i) % 26);
      auto n = ::send(fd_, block.data(), block.size(), MSG_NOSIGNAL);
      if (n > 0) {
        pattern.append(block, 0, static_cast<std::size_t>(n));
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (errno != EAGAIN) break;
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, stall_ms) == 0) break;  // still full after stall_ms
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    return sent;
  }

  // Reads exactly n bytes unless the deadline passes or the connection ends first.
  read_end read(std::size_t n, int timeout_ms, std::string& out) {
    auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
    char buffer[64 * 1024];
    while (out.size() < n) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
      if (left <= 0) return read_end::timed_out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) == 0) return read_end::timed_out;
      auto got = ::recv(fd_, buffer, std::min(sizeof buffer, n - out.size()), 0);
      if (got <= 0) return read_end::closed;
      out.append(buffer, static_cast<std::size_t>(got));
    }
    return read_end::ok;
  }

  std::string echo(const std::string& bytes, int timeout_ms = 5'000) {
    std::string out;
    if (!send(bytes)) return "<send failed>";
    if (read(bytes.size(), timeout_ms, out) != read_end::ok) return "<no echo: " + out + ">";
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Polls a condition for at most timeout_ms: for counters, which move on the proxy's thread
// slightly after the bytes they count are delivered.
bool eventually(const std::function<bool()>& condition, int timeout_ms = 5'000) {
  auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
  while (!condition()) {
    if (steady::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::string pattern_of(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>(i * 7 % 251);
  return s;
}

}  // namespace

TEST_CASE("proxy forwards bytes both ways in order and counts them", "[fault][proxy]") {
  echo_server server;
  tcp_proxy proxy("127.0.0.1", server.port());
  CHECK(proxy.port() != 0);
  CHECK(proxy.port() != server.port());

  client c(proxy.port());
  REQUIRE(c.connected());
  CHECK(c.echo("hello") == "hello");
  std::string big = pattern_of(3 << 20);  // several chunks and both buffers' worth
  CHECK(c.echo(big, 20'000) == big);

  std::uint64_t total = 5 + big.size();
  CHECK(eventually([&] { return proxy.counters().bytes_to_client == total; }));
  auto counters = proxy.counters();
  CHECK(counters.connections_accepted == 1);
  CHECK(counters.connections_open == 1);
  CHECK(counters.bytes_from_client == total);
  CHECK(counters.bytes_queued == 0);
  CHECK(server.accepted == 1);

  client second(proxy.port());
  CHECK(second.echo("again") == "again");
  CHECK(proxy.counters().connections_accepted == 2);
}

TEST_CASE("proxy passes a client's close on and closes the connection", "[fault][proxy]") {
  echo_server server;
  tcp_proxy proxy("127.0.0.1", server.port());
  {
    client c(proxy.port());
    CHECK(c.echo("bye") == "bye");
    CHECK(proxy.counters().connections_open == 1);
  }
  CHECK(eventually([&] { return proxy.counters().connections_open == 0; }));
}

TEST_CASE("cut resets open connections and refuses new ones until heal", "[fault][proxy]") {
  echo_server server;
  tcp_proxy proxy("127.0.0.1", server.port());
  client c(proxy.port());
  REQUIRE(c.echo("before") == "before");

  proxy.cut();
  std::string out;
  auto start = steady::now();
  CHECK(c.read(1, 5'000, out) == read_end::closed);  // the reset arrives at once, no timeout
  CHECK(steady::now() - start < std::chrono::seconds(2));
  CHECK(proxy.counters().connections_open == 0);

  // A new connection: the kernel may complete the handshake, but the proxy resets it.
  client refused(proxy.port());
  if (refused.connected()) {
    refused.send("x");
    std::string nothing;
    CHECK(refused.read(1, 5'000, nothing) == read_end::closed);
  }
  CHECK(eventually([&] { return proxy.counters().connections_refused >= 1; }));
  CHECK(proxy.counters().connections_accepted == 1);

  proxy.heal();
  client after(proxy.port());
  CHECK(after.echo("after") == "after");
  CHECK(proxy.counters().connections_accepted == 2);
}

TEST_CASE("pause holds bytes and resume delivers them in order", "[fault][proxy]") {
  echo_server server;
  tcp_proxy proxy("127.0.0.1", server.port());
  client c(proxy.port());
  REQUIRE(c.echo("warm") == "warm");
  auto before = proxy.counters();

  proxy.pause();
  REQUIRE(c.send("abc"));
  REQUIRE(c.send("def"));
  std::string out;
  CHECK(c.read(6, 300, out) == read_end::timed_out);  // held: nothing comes back
  CHECK(out.empty());
  CHECK(eventually([&] { return proxy.counters().bytes_queued == 6; }));
  CHECK(proxy.counters().bytes_from_client == before.bytes_from_client);  // the server has none
  CHECK(proxy.counters().connections_open == 1);                          // and no one noticed

  proxy.resume();
  CHECK(c.read(6, 5'000, out) == read_end::ok);
  CHECK(out == "abcdef");
  CHECK(c.echo("later") == "later");
}

TEST_CASE("a paused proxy stops reading at its buffer limit", "[fault][proxy]") {
  echo_server server;
  constexpr std::size_t limit = 256 * 1024;
  tcp_proxy proxy({.target_port = server.port(), .buffer_bytes_max = limit});
  client c(proxy.port());
  REQUIRE(c.echo("warm") == "warm");

  proxy.pause();
  std::string sent;
  // The client fills its socket, the proxy's buffer and the kernel's buffers, then stalls.
  auto n = c.send_until_full(sent, std::size_t{256} << 20, 300);
  CHECK(n < (std::size_t{256} << 20));  // it stalled: back-pressure reached the sender
  auto queued = proxy.counters().bytes_queued;
  CHECK(queued >= limit);
  CHECK(queued <= limit + 64 * 1024);  // at most one chunk over the limit

  proxy.resume();
  std::string back;
  CHECK(c.read(sent.size(), 30'000, back) == read_end::ok);
  CHECK(back == sent);
}

TEST_CASE("delay holds each chunk at least the delay and keeps order", "[fault][proxy]") {
  echo_server server;
  tcp_proxy proxy("127.0.0.1", server.port());
  client c(proxy.port());
  REQUIRE(c.echo("warm") == "warm");

  proxy.set_delay(150);
  auto start = steady::now();
  REQUIRE(c.send("one-"));
  REQUIRE(c.send("two-"));
  REQUIRE(c.send("three"));
  std::string out;
  REQUIRE(c.read(13, 10'000, out) == read_end::ok);
  auto elapsed = steady::now() - start;
  CHECK(out == "one-two-three");
  CHECK(elapsed >= std::chrono::milliseconds(300));  // 150 ms out and 150 ms back

  proxy.set_delay(0);
  start = steady::now();
  CHECK(c.echo("fast") == "fast");
  CHECK(steady::now() - start < std::chrono::milliseconds(300));
}

TEST_CASE("cut_direction drops one way until heal", "[fault][proxy]") {
  echo_server server;
  tcp_proxy proxy("127.0.0.1", server.port());
  client c(proxy.port());
  REQUIRE(c.echo("warm") == "warm");

  proxy.cut_direction(direction::to_client);
  REQUIRE(c.send("lost"));
  // The request reaches the server; its echo is dropped on the way back.
  CHECK(eventually([&] { return proxy.counters().bytes_dropped == 4; }));
  CHECK(proxy.counters().bytes_from_client == 8);
  std::string out;
  CHECK(c.read(1, 200, out) == read_end::timed_out);

  proxy.heal();
  CHECK(c.echo("back") == "back");  // same connection: it stayed open

  proxy.cut_direction(direction::from_client);
  REQUIRE(c.send("gone"));
  CHECK(eventually([&] { return proxy.counters().bytes_dropped == 8; }));
  CHECK(c.read(1, 200, out) == read_end::timed_out);
  proxy.heal();
  CHECK(c.echo("ok") == "ok");
}

TEST_CASE("set_target sends new connections to another server", "[fault][proxy]") {
  echo_server first;
  echo_server second;
  tcp_proxy proxy("127.0.0.1", first.port());
  client a(proxy.port());
  CHECK(a.echo("a") == "a");
  proxy.set_target("127.0.0.1", second.port());
  client b(proxy.port());
  CHECK(b.echo("b") == "b");
  CHECK(a.echo("still a") == "still a");  // the open connection stays where it was
  CHECK(first.accepted == 1);
  CHECK(second.accepted == 1);
}

TEST_CASE("a target that is not listening resets the client and counts a failure",
          "[fault][proxy]") {
  std::uint16_t dead_port = 0;
  {
    echo_server gone;
    dead_port = gone.port();
  }
  tcp_proxy proxy("127.0.0.1", dead_port);
  client c(proxy.port());
  std::string out;
  if (c.connected()) CHECK(c.read(1, 5'000, out) == read_end::closed);
  CHECK(eventually([&] { return proxy.counters().connections_failed == 1; }));
  CHECK(proxy.counters().connections_accepted == 0);
}

TEST_CASE("controls race with traffic from many clients", "[fault][proxy]") {
  echo_server server;
  tcp_proxy proxy("127.0.0.1", server.port());
  std::atomic<bool> stop{false};
  std::atomic<int> echoes{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 10'000 && !stop; ++i) {
        client c(proxy.port());
        std::string out;
        if (c.send("ping") && c.read(4, 200, out) == read_end::ok && out == "ping") ++echoes;
      }
    });
  }
  for (int round = 0; round < 20; ++round) {
    proxy.pause();
    proxy.set_delay(round % 3);
    proxy.resume();
    proxy.cut();
    proxy.heal();
    proxy.cut_direction(round % 2 ? direction::to_client : direction::from_client);
    proxy.heal();
  }
  CHECK(eventually([&] { return echoes >= 10; }, 20'000));
  stop = true;
  for (auto& t : clients)
    t.join();
  client c(proxy.port());
  CHECK(c.echo("done") == "done");
}
