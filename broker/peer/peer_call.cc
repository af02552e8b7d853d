#include "broker/peer/peer_call.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>

#include "broker/peer/peer_handshake.h"

namespace cairn::peer {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kHandshakeId = 1;
constexpr std::uint64_t kRequestId = 2;

// One call's connection and its deadline; every wait races the deadline.
struct call_state {
  call_state(asio::io_context& io, std::size_t response_bytes_max)
      : socket(io),
        resolver(io),
        deadline(io),
        reader(protocol::frame_limits{.frame_bytes_max = response_bytes_max}) {}

  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer deadline;
  protocol::frame_reader reader;
};

std::error_code timed_out() {
  return protocol::errc::request_timed_out;
}

std::error_code refused(const std::string& why) {
  spdlog::warn("peer call: {}", why);
  return protocol::errc::invalid_request;
}

asio::awaitable<result<void>> write_frame(call_state& c, const protocol::frame& f) {
  auto bytes = protocol::frame_bytes(f);
  auto wrote =
      co_await (c.deadline.async_wait(use_tuple) ||
                asio::async_write(c.socket, asio::buffer(bytes.data(), bytes.size()), use_tuple));
  if (wrote.index() == 0) co_return timed_out();
  if (auto ec = std::get<0>(std::get<1>(wrote))) co_return std::error_code(ec);
  co_return success();
}

// The next frame the peer sends (one answer per request: a second frame is not waited for).
asio::awaitable<result<protocol::frame>> read_frame(call_state& c) {
  std::vector<std::byte> buffer(16 * 1024);
  while (true) {
    auto read = co_await (c.deadline.async_wait(use_tuple) ||
                          c.socket.async_read_some(asio::buffer(buffer), use_tuple));
    if (read.index() == 0) co_return timed_out();
    auto [ec, n] = std::get<1>(read);
    if (ec) co_return std::error_code(ec);
    auto frames = c.reader.feed(std::span<const std::byte>(buffer.data(), n));
    if (!frames) co_return refused("bad framing: " + frames.error().message());
    if (frames.value().size() > 1) co_return refused("more than one answer");
    if (frames.value().size() == 1) co_return std::move(frames.value().front());
  }
}

asio::awaitable<result<protocol::parsed_response>> run_call(
    call_state& c, peer_address address, raft::node_id peer, const peer_call_options& options,
    const std::function<void(protocol::wire::Request::Builder)>& fill) {
  auto resolved =
      co_await (c.deadline.async_wait(use_tuple) ||
                c.resolver.async_resolve(address.host, std::to_string(address.port), use_tuple));
  if (resolved.index() == 0) co_return timed_out();
  auto [resolve_ec, endpoints] = std::get<1>(std::move(resolved));
  if (resolve_ec) co_return std::error_code(resolve_ec);
  auto connected = co_await (c.deadline.async_wait(use_tuple) ||
                             asio::async_connect(c.socket, endpoints, use_tuple));
  if (connected.index() == 0) co_return timed_out();
  if (auto ec = std::get<0>(std::get<1>(connected))) co_return std::error_code(ec);
  boost::system::error_code ignored;
  c.socket.set_option(tcp::no_delay(true), ignored);

  BOOST_OUTCOME_CO_TRY(auto hello,
                       handshake_request(kHandshakeId, options.self, options.response_bytes_max));
  BOOST_OUTCOME_CO_TRY(co_await write_frame(c, hello));
  BOOST_OUTCOME_CO_TRY(auto answer, co_await read_frame(c));
  std::uint64_t peer_max = 0;
  if (std::string why =
          check_handshake_answer(std::move(answer), peer, options.cluster_id, peer_max);
      !why.empty()) {
    co_return refused(fmt::format("{}:{}: {}", address.host, address.port, why));
  }

  protocol::frame_writer w;
  fill(w.init_request(kRequestId));
  BOOST_OUTCOME_CO_TRY(auto request, w.finish());
  if (peer_max > 0 && protocol::frame_bytes(request).size() > peer_max) {
    co_return protocol::errc::record_too_large;
  }
  BOOST_OUTCOME_CO_TRY(co_await write_frame(c, request));
  BOOST_OUTCOME_CO_TRY(auto reply, co_await read_frame(c));
  auto parsed = protocol::parse_response(std::move(reply));
  if (!parsed) co_return refused("unparsable answer: " + parsed.error().message());
  if (parsed.value().correlation_id() != kRequestId)
    co_return refused("an answer to another request");
  co_return std::move(parsed).value();
}

}  // namespace

result<protocol::parsed_response> call_peer(
    const peer_address& address, raft::node_id peer, const peer_call_options& options,
    const std::function<void(protocol::wire::Request::Builder)>& fill,
    std::chrono::milliseconds timeout) {
  asio::io_context io;
  call_state c(io, options.response_bytes_max);
  c.deadline.expires_after(timeout);
  std::optional<result<protocol::parsed_response>> outcome;
  // A void root (co_spawn's completion needs a default-constructible result): the answer goes
  // into `outcome`. run_call throws nothing; an exception would leave outcome empty.
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        outcome = co_await run_call(c, address, peer, options, fill);
      },
      [](std::exception_ptr) {});
  io.run();
  if (!outcome) return protocol::errc::internal;
  return std::move(*outcome);
}

}  // namespace cairn::peer
