// wire_client: a blocking test client that speaks the native protocol over a plain socket, so
// integration tests drive the real broker without the SDK. Every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <string_view>

#include "protocol/frame.h"

namespace cairn::testing {

class wire_client {
 public:
  explicit wire_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  wire_client(const wire_client&) = delete;
  wire_client& operator=(const wire_client&) = delete;
  ~wire_client() { close(); }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send_bytes(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      done += static_cast<std::size_t>(n);
    }
  }

  void send(protocol::frame_writer& writer) {
    auto frame = writer.finish().value();
    auto bytes = protocol::frame_bytes(frame);
    send_bytes(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

  // The next response, or nullopt when the broker closed the connection or `timeout` passed.
  std::optional<protocol::parsed_response> receive(
      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd_ < 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      std::byte buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      auto frames = reader_.feed(std::span<const std::byte>(buf, static_cast<std::size_t>(n)));
      if (!frames) throw std::runtime_error("bad frame from broker");
      for (auto& f : frames.value())
        pending_.push_back(std::move(f));
    }
    protocol::frame f = std::move(pending_.front());
    pending_.pop_front();
    auto parsed = protocol::parse_response(std::move(f));
    if (!parsed) throw std::runtime_error("unparsable response");
    return std::move(parsed).value();
  }

  // Sends a request built by `fill(request builder)` and waits for its response.
  template <class Fill>
  protocol::parsed_response call(Fill fill) {
    protocol::frame_writer w;
    auto id = ++next_id_;
    fill(w.init_request(id));
    send(w);
    auto r = receive();
    if (!r) throw std::runtime_error("no response");
    if (r->correlation_id() != id) throw std::runtime_error("correlation id mismatch");
    return std::move(*r);
  }

  // Everything the peer sends until it closes the connection (bounded by `timeout`).
  std::string read_all(std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fd_ >= 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  protocol::frame_reader reader_;
  std::deque<protocol::frame> pending_;
  std::uint64_t next_id_ = 0;
};

}  // namespace cairn::testing
