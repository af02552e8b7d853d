#include "broker/net/server.h"

#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <set>

#include "broker/handlers/controller_requests.h"
#include "broker/handlers/groups.h"
#include "broker/handlers/producer_ids.h"
#include "broker/net/client_stream.h"
#include "broker/net/describe_exception.h"
#include "broker/net/listen.h"
#include "broker/raft/group.h"

namespace cairn::broker {
namespace asio = boost::asio;
using asio::ip::tcp;
using tcp_endpoint = tcp::endpoint;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// One write gathers at most this many queued answers, and stops adding once past the byte bound
// (a large fetch answer goes out alone rather than delaying the small ones behind it by much).
constexpr std::size_t kWriteFramesMax = 64;
constexpr std::size_t kWriteBytesSoftMax = std::size_t{256} << 10;

namespace {

std::chrono::milliseconds produce_timeout(std::int32_t timeout_ms) {
  return timeout_ms > 0 ? std::chrono::milliseconds(timeout_ms)
                        : std::chrono::milliseconds(kProduceTimeoutDefault);
}

}  // namespace

struct broker_server::impl {
  class connection;

  impl(asio::io_context& io_context, asio::thread_pool& worker_pool, partition_waits& waits,
       group_coordinator& coordinator, handler_context& context, broker_metrics& broker_metrics,
       server_limits server_limits)
      : io(io_context),
        workers(worker_pool),
        commits(waits),
        groups(coordinator),
        ctx(context),
        metrics(broker_metrics),
        limits(server_limits),
        acceptor(io) {}

  asio::awaitable<void> accept_loop();

  std::set<std::shared_ptr<connection>> connections;

  asio::io_context& io;
  asio::thread_pool& workers;
  partition_waits& commits;
  group_coordinator& groups;
  handler_context& ctx;
  broker_metrics& metrics;
  server_limits limits;
  tcp::acceptor acceptor;
  std::shared_ptr<tls_server_context> tls;  // nullptr: plaintext
  bool stopped = false;
  peer::replicate_sink* replicate_sink = nullptr;  // cluster mode only
};

class broker_server::impl::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(impl& server, client_stream stream)
      : server_(server),
        stream_(std::move(stream)),
        reader_(server.limits.frames),
        slot_free_(server.io) {
    slot_free_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    host_ = ec ? "" : remote.address().to_string();
    peer_ = ec ? "?" : host_ + ":" + std::to_string(remote.port());
    server_.metrics.connections_open.fetch_add(1);
  }
  ~connection() { server_.metrics.connections_open.fetch_sub(1); }

  void close() {
    stream_.close();
    slot_free_.cancel();
  }

  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    if (stream_.is_tls() && !co_await handshake()) co_return;
    std::vector<std::byte> buffer(64 * 1024);
    while (stream_.is_open()) {
      while (in_flight_ >= server_.limits.in_flight_max && stream_.is_open()) {
        // Back-pressure: stop reading until a response goes out.
        co_await slot_free_.async_wait(use_tuple);
      }
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) break;
      server_.metrics.bytes_in_total.fetch_add(n, std::memory_order_relaxed);
      auto frames = reader_.feed(std::span<const std::byte>(buffer.data(), n));
      if (!frames) {
        // No frame boundary to resynchronise on: answer once, then close this connection only.
        spdlog::warn("{}: closing connection: {}", peer_, frames.error().message());
        server_.metrics.connections_closed_bad_input_total.fetch_add(1);
        enqueue(protocol::make_error_response(0, protocol::errc::invalid_request,
                                              frames.error().message()));
        closing_ = true;
        break;
      }
      for (protocol::frame& f : frames.value()) {
        // Read before parse_request takes the frame, so even a bad request's answer matches it.
        std::uint64_t id = protocol::peek_correlation_id(f.asPtr()).value_or(0);
        auto parsed = protocol::parse_request(std::move(f));
        if (!parsed) {
          spdlog::warn("{}: bad request frame: {}", peer_, parsed.error().message());
          server_.metrics.count_request(0, /*rejected=*/true);
          enqueue(protocol::make_error_response(id, protocol::errc::invalid_request,
                                                "malformed request: " + parsed.error().message()));
          continue;
        }
        ++in_flight_;
        asio::co_spawn(server_.io, handle(std::move(parsed).value()), asio::detached);
      }
    }
    if (!closing_) close();
  }

  // The TLS handshake, within the listener's timeout; a failure (plaintext, a certificate the
  // listener refuses, silence) closes this connection with at most one log line per host.
  asio::awaitable<bool> handshake() {
    auto ec = co_await stream_.handshake(server_.tls->settings().handshake_timeout);
    if (ec) {
      server_.tls->note_refused("native", host_, peer_, ec.message());
      close();
      co_return false;
    }
    principal_ = stream_.principal();
    if (principal_) spdlog::debug("native {}: client certificate {}", peer_, *principal_);
    co_return true;
  }

 private:
  // Runs one request: its handler on the worker pool, the answer back here.
  asio::awaitable<void> handle(protocol::parsed_request request) {
    auto self = shared_from_this();
    auto id = request.correlation_id();
    auto started = std::chrono::steady_clock::now();
    bool rejected = false;
    std::optional<protocol::frame> response;
    using W = protocol::wire::Request;
    try {
      response = co_await respond(request, rejected);
    } catch (...) {
      // parse_request validated the frame, so no handler should throw. If one does, that request
      // fails and the broker goes on serving: a throw escaping here would stop the I/O loop.
      rejected = true;
      spdlog::error("{}: request {} ({}) failed: {}", peer_, id,
                    static_cast<unsigned>(request.kind()), describe_current_exception());
      response = protocol::make_error_response(
          id, protocol::errc::internal,
          "internal broker error while handling the request: see the broker's log");
    }
    if (response && protocol::frame_bytes(*response).size() > client_frame_bytes_max_) {
      response = protocol::make_error_response(
          id, protocol::errc::record_too_large,
          "the response is larger than the frameBytesMax this client announced: ask for less");
    }
    if (response) enqueue(std::move(*response));
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
    auto kind = request.kind();
    server_.metrics.count_request(static_cast<std::size_t>(kind), rejected);
    if (kind == W::PRODUCE) server_.metrics.produce_latency.record_us(micros);
    if (kind == W::FETCH) server_.metrics.fetch_latency.record_us(micros);
    if (kind == W::APPEND_TO_STREAM) server_.metrics.append_to_stream_latency.record_us(micros);
    --in_flight_;
    slot_free_.cancel_one();
  }

  // The answer to one request (nullopt: none, as for acks=none); `rejected` counts it as refused.
  asio::awaitable<std::optional<protocol::frame>> respond(const protocol::parsed_request& request,
                                                          bool& rejected) {
    auto id = request.correlation_id();
    auto root = request.root();
    std::optional<protocol::frame> response;
    using W = protocol::wire::Request;
    switch (request.kind()) {
      case W::FETCH:
        response = co_await fetch(request);
        break;
      case W::PRODUCE: {
        bool quiet = root.getProduce().getAcks() == protocol::wire::Acks::NONE;
        produce_plan plan = append_produce(server_.ctx, root.getProduce());
        // acks=1 on a replicated partition: answered once on the leader's log, as Kafka.
        co_await server_.commits.await_produce(
            plan, root.getProduce().getAcks() != protocol::wire::Acks::ALL,
            produce_timeout(root.getProduce().getTimeoutMs()));
        protocol::frame frame = answer_produce(server_.ctx, id, root.getProduce(), plan);
        if (!quiet) response = std::move(frame);  // acks=none: no response at all, as Kafka
        break;
      }
      case W::HANDSHAKE: {
        // The client says how large a frame it reads; answers beyond that become errors.
        std::uint64_t client_max = root.getHandshake().getFrameBytesMax();
        client_frame_bytes_max_ = client_max == 0 ? protocol::frame_bytes_max_default
                                                  : static_cast<std::size_t>(client_max);
        response = co_await on_worker(
            [&] { return handle_handshake(server_.ctx, id, root.getHandshake()); });
        break;
      }
      case W::METADATA:
        response = co_await on_worker(
            [&] { return handle_metadata(server_.ctx, id, root.getMetadata()); });
        break;
      case W::CREATE_TOPICS:
        response = co_await on_worker(
            [&] { return handle_create_topics(server_.ctx, id, root.getCreateTopics()); });
        break;
      case W::DELETE_TOPICS:
        response = co_await on_worker(
            [&] { return handle_delete_topics(server_.ctx, id, root.getDeleteTopics()); });
        break;
      case W::LIST_TOPICS:
        response = co_await on_worker(
            [&] { return handle_list_topics(server_.ctx, id, root.getListTopics()); });
        break;
      case W::DESCRIBE_TOPICS:
        response = co_await on_worker(
            [&] { return handle_describe_topics(server_.ctx, id, root.getDescribeTopics()); });
        break;
      case W::DESCRIBE_CLUSTER:
        response = co_await on_worker(
            [&] { return handle_describe_cluster(server_.ctx, id, root.getDescribeCluster()); });
        break;
      case W::LIST_OFFSETS:
        response = co_await on_worker(
            [&] { return handle_list_offsets(server_.ctx, id, root.getListOffsets()); });
        break;
      case W::INIT_PRODUCER_ID:
        response = co_await on_worker(
            [&] { return handle_init_producer_id(server_.ctx, id, root.getInitProducerId()); });
        break;
      case W::APPEND_TO_STREAM:
        response = co_await append_to_stream(request);
        break;
      case W::READ_STREAM:
        response = co_await read_stream(request);
        break;
      case W::REPLICATE:
        response = replicate(request, rejected);
        break;
      case W::ALLOCATE_PRODUCER_IDS:
        response = co_await on_worker([&] {
          return handle_allocate_producer_ids(server_.ctx, id, root.getAllocateProducerIds());
        });
        break;
      case W::ALTER_TOPIC:
        response = co_await on_worker(
            [&] { return handle_alter_topic(server_.ctx, id, root.getAlterTopic()); });
        break;
      case W::FIND_COORDINATOR:
      case W::JOIN_GROUP:
      case W::SYNC_GROUP:
      case W::HEARTBEAT:
      case W::LEAVE_GROUP:
      case W::OFFSET_COMMIT:
      case W::OFFSET_FETCH:
      case W::LIST_GROUPS:
      case W::DESCRIBE_GROUPS:
      case W::DELETE_GROUPS:
        response = co_await group_request(request);
        break;
      default:
        rejected = true;
        response = protocol::make_error_response(
            id, protocol::errc::unknown_request,
            "this broker does not implement that request kind (yet): upgrade the broker");
        break;
    }
    co_return response;
  }

  // The consumer-group requests: the coordinator runs on this thread (its state machines take
  // microseconds) and waits for its own writes without holding a thread. One small coroutine
  // per kind (a single switch-shaped coroutine trips g++ 12's -Wmismatched-new-delete).
  asio::awaitable<protocol::frame> group_request(const protocol::parsed_request& request) {
    using W = protocol::wire::Request;
    switch (request.kind()) {
      case W::JOIN_GROUP:
        return join_group(request);
      case W::SYNC_GROUP:
        return sync_group(request);
      case W::LEAVE_GROUP:
        return leave_group(request);
      case W::OFFSET_COMMIT:
        return offset_commit(request);
      case W::DELETE_GROUPS:
        return delete_groups(request);
      default:
        return ready(group_read(request));
    }
  }

  static asio::awaitable<protocol::frame> ready(protocol::frame f) { co_return f; }

  // Raft traffic from a peer broker: handed to the sink here, on the I/O thread (the Raft groups
  // live on it), and answered at once with an empty response or the sink's refusal.
  protocol::frame replicate(const protocol::parsed_request& request, bool& rejected) {
    auto id = request.correlation_id();
    if (server_.replicate_sink == nullptr) {
      rejected = true;
      return protocol::make_error_response(
          id, protocol::errc::invalid_request,
          "this broker runs standalone (no cluster configured): it takes no replicate requests");
    }
    if (auto refused = server_.replicate_sink->on_replicate(request.root().getReplicate())) {
      rejected = true;
      return protocol::make_error_response(id, refused->code, refused->message);
    }
    protocol::frame_writer w;
    w.init_response(id).initReplicate();
    return std::move(w.finish()).value();
  }

  // The group requests answered without waiting.
  protocol::frame group_read(const protocol::parsed_request& request) {
    auto id = request.correlation_id();
    auto root = request.root();
    using W = protocol::wire::Request;
    group_coordinator& groups = server_.groups;
    switch (request.kind()) {
      case W::FIND_COORDINATOR: {
        auto g = root.getFindCoordinator().getGroupId();
        return answer_find_coordinator(server_.ctx, id, std::string_view(g.cStr(), g.size()));
      }
      case W::HEARTBEAT:
        return answer_heartbeat(id, groups.heartbeat(read_heartbeat(root.getHeartbeat())));
      case W::OFFSET_FETCH: {
        auto r = root.getOffsetFetch();
        std::optional<std::vector<group::topic_partition>> wanted;
        if (!r.getAllTopics()) {
          wanted.emplace();
          for (auto t : r.getTopics()) {
            for (auto p : t.getPartitions())
              wanted->push_back({std::string(t.getName().cStr(), t.getName().size()), p});
          }
        }
        auto group_id = std::string(r.getGroupId().cStr(), r.getGroupId().size());
        return answer_offset_fetch(id, r, groups.fetch_offsets(group_id, wanted));
      }
      case W::LIST_GROUPS:
        return answer_list_groups(id, root.getListGroups(), groups.list_groups());
      case W::DESCRIBE_GROUPS: {
        std::vector<std::string> ids;
        std::vector<result<group::group_description>> described;
        for (auto g : root.getDescribeGroups().getGroupIds()) {
          ids.emplace_back(g.cStr(), g.size());
          described.push_back(groups.describe(ids.back()));
        }
        return answer_describe_groups(id, ids, described);
      }
      default:
        return protocol::make_error_response(id, protocol::errc::unknown_request,
                                             "not a consumer-group request");
    }
  }

  asio::awaitable<protocol::frame> join_group(const protocol::parsed_request& request) {
    auto joining = read_join(request.root().getJoinGroup(), host_);
    group::join_response joined = co_await server_.groups.join(std::move(joining));
    co_return answer_join(request.correlation_id(), joined);
  }

  asio::awaitable<protocol::frame> sync_group(const protocol::parsed_request& request) {
    auto syncing = read_sync(request.root().getSyncGroup());
    group::sync_response synced = co_await server_.groups.sync(std::move(syncing));
    co_return answer_sync(request.correlation_id(), synced);
  }

  asio::awaitable<protocol::frame> leave_group(const protocol::parsed_request& request) {
    auto leaving = read_leave(request.root().getLeaveGroup());
    group::leave_response left = co_await server_.groups.leave(leaving);
    co_return answer_leave(request.correlation_id(), leaving, left);
  }

  asio::awaitable<protocol::frame> offset_commit(const protocol::parsed_request& request) {
    auto commit = read_commit(request.root().getOffsetCommit());
    group::commit_response committed = co_await server_.groups.commit_offsets(commit);
    co_return answer_commit(request.correlation_id(), commit, committed);
  }

  asio::awaitable<protocol::frame> delete_groups(const protocol::parsed_request& request) {
    std::vector<std::string> ids;
    std::vector<std::error_code> outcomes;
    for (auto g : request.root().getDeleteGroups().getGroupIds()) {
      ids.emplace_back(g.cStr(), g.size());
      std::error_code deleted = co_await server_.groups.delete_group(ids.back());
      outcomes.push_back(deleted);
    }
    co_return answer_delete_groups(request.correlation_id(), ids, outcomes);
  }

  // AppendToStream: appended on this thread (the expected-version check and the index are
  // microseconds under the partition's lock), committed like produce, so concurrent stream
  // appends share one fdatasync instead of paying one each.
  asio::awaitable<protocol::frame> append_to_stream(const protocol::parsed_request& request) {
    auto append = request.root().getAppendToStream();
    stream_append_plan plan = append_stream(server_.ctx, append);
    if (plan.target) {
      std::vector<partition_waits::pending_commit> pending{server_.commits.make_pending(
          plan.target, plan.topic, plan.partition_id, plan.appended.end_offset())};
      co_await server_.commits.await_commits(pending, produce_timeout(append.getTimeoutMs()));
      if (pending.front().error) plan.error = pending.front().error;
    }
    co_return answer_append_to_stream(server_.ctx, request.correlation_id(), plan);
  }

  // ReadStream serves committed events only. When the first read stopped before events that
  // were appended but not committed, it waits (without a thread) until the partition committed
  // past them, then reads once more and answers: at most one wait, bounded by the produce
  // timeout, and events appended after the request arrived never hold it up.
  asio::awaitable<protocol::frame> read_stream(const protocol::parsed_request& request) {
    auto read = [&]() -> asio::awaitable<stream_read_outcome> {
      co_await asio::post(server_.workers, asio::use_awaitable);
      std::optional<stream_read_outcome> outcome;
      outcome = broker::read_stream(server_.ctx, request.correlation_id(),
                                    request.root().getReadStream());
      co_await asio::post(server_.io, asio::use_awaitable);
      co_return std::move(*outcome);
    };
    stream_read_outcome first = co_await read();
    if (first.pending_end < 0) co_return std::move(first.response);
    auto target = server_.ctx.topics.get(first.topic, first.partition_id);
    if (!target) co_return std::move(first.response);
    const std::shared_ptr<partition>& p = target.value();
    partition_waits::watch commits(server_.commits,
                                   {raft::group_id{first.topic, first.partition_id}});
    const auto deadline = std::chrono::steady_clock::now() + kProduceTimeoutDefault;
    while (stream_.is_open()) {
      // Armed before checking the high watermark, so a commit in between still wakes us.
      commits.arm(deadline);
      if (p->high_watermark() >= first.pending_end) break;
      if (!co_await commits.wait()) break;  // the deadline
    }
    stream_read_outcome second = co_await read();
    co_return std::move(second.response);
  }

  // Runs `work` on a worker thread and resumes on the io thread with its result. The token is
  // bound to the workers: `post(workers, use_awaitable)` alone resumes the coroutine through
  // its own executor, the io thread, so the work would run there (a create_topics waiting for
  // the controller would stall every connection and every Raft group of this broker).
  template <class Work>
  asio::awaitable<protocol::frame> on_worker(Work work) {
    co_await asio::post(asio::bind_executor(server_.workers, asio::use_awaitable));
    protocol::frame frame = work();
    co_await asio::post(server_.io, asio::use_awaitable);
    co_return frame;
  }

  // Long poll: answer when minBytes are there, on an error, or when maxWait has passed; in
  // between, sleep until a commit on one of the fetched partitions (never by polling).
  asio::awaitable<protocol::frame> fetch(const protocol::parsed_request& request) {
    auto root = request.root();
    auto fetch = root.getFetch();
    auto id = request.correlation_id();
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(std::clamp(fetch.getMaxWaitMs(), 0, 60'000));
    std::vector<raft::group_id> keys;
    for (auto t : fetch.getTopics()) {
      for (auto p : t.getPartitions()) {
        keys.push_back({std::string(t.getName().cStr(), t.getName().size()), p.getPartition()});
      }
    }
    partition_waits::watch commits(server_.commits, std::move(keys));
    // The first read may reach far back (cold pages): a worker does it. A fetch woken by a
    // commit reads what was just written, from the page cache, so it stays here and saves the
    // hand-off to a worker and back, which on a small VM costs more than the read.
    bool tail_read = false;
    while (true) {
      // Armed before reading, so a commit between the read and the wait still wakes us.
      commits.arm(deadline);
      std::optional<fetch_outcome> read;
      if (tail_read) {
        read = handle_fetch(server_.ctx, id, fetch);
      } else {
        co_await asio::post(server_.workers, asio::use_awaitable);
        read = handle_fetch(server_.ctx, id, fetch);
        co_await asio::post(server_.io, asio::use_awaitable);
      }
      fetch_outcome outcome = std::move(*read);
      tail_read = true;
      bool enough = outcome.any_error || outcome.bytes >= std::max(fetch.getMinBytes(), 1) ||
                    std::chrono::steady_clock::now() >= deadline || !stream_.is_open();
      if (enough) co_return std::move(outcome.response);
      co_await commits.wait();
    }
  }

  void enqueue(protocol::frame frame) {
    queue_.push_back(std::move(frame));
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(server_.io, write_loop(), asio::detached);
    }
  }

  // Writes the queued answers, several per write: a client with many requests in flight gets
  // the answers that completed together in one send(2) instead of one each (the syscalls were
  // most of the I/O thread's time under 64 concurrent stream appends).
  asio::awaitable<void> write_loop() {
    auto self = shared_from_this();
    std::vector<protocol::frame> sending;
    sending.reserve(kWriteFramesMax);  // never reallocated: the buffers point into the frames
    std::vector<asio::const_buffer> buffers;
    while (!queue_.empty()) {
      sending.clear();
      buffers.clear();
      std::size_t bytes_total = 0;
      while (!queue_.empty() && sending.size() < kWriteFramesMax &&
             (sending.empty() || bytes_total < kWriteBytesSoftMax)) {
        sending.push_back(std::move(queue_.front()));
        queue_.pop_front();
        auto bytes = protocol::frame_bytes(sending.back());
        buffers.emplace_back(bytes.data(), bytes.size());
        bytes_total += bytes.size();
      }
      auto [ec, n] = co_await stream_.async_write(buffers, use_tuple);
      server_.metrics.bytes_out_total.fetch_add(n, std::memory_order_relaxed);
      if (ec) {
        queue_.clear();
        close();
        break;
      }
    }
    writing_ = false;
    if (closing_) {
      close();
      server_.connections.erase(self);
    }
  }

  impl& server_;
  client_stream stream_;
  // The verified client certificate's subject (mTLS): the principal seam for SASL and ACLs.
  std::optional<std::string> principal_;
  protocol::frame_reader reader_;
  asio::steady_timer slot_free_;
  std::deque<protocol::frame> queue_;
  std::size_t in_flight_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  std::string peer_;
  std::string host_;  // the client's address, as DescribeGroups reports it
  std::size_t client_frame_bytes_max_ = protocol::frame_bytes_max_default;
};

asio::awaitable<void> broker_server::impl::accept_loop() {
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
      if (stopped) break;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto c =
        std::make_shared<connection>(*this, tls ? client_stream(std::move(socket), tls->current())
                                                : client_stream(std::move(socket)));
    connections.insert(c);
    asio::co_spawn(
        io,
        [this, c]() -> asio::awaitable<void> {
          co_await c->read_loop();
          connections.erase(c);
        },
        asio::detached);
  }
}

broker_server::broker_server(asio::io_context& io, asio::thread_pool& workers,
                             partition_waits& waits, group_coordinator& groups,
                             handler_context& ctx, broker_metrics& metrics, server_limits limits)
    : impl_(std::make_unique<impl>(io, workers, waits, groups, ctx, metrics, limits)) {}

broker_server::~broker_server() = default;

result<void> broker_server::listen(const tcp::endpoint& endpoint) {
  return listen_on(impl_->acceptor, endpoint);
}

tcp_endpoint broker_server::local_endpoint() const {
  return impl_->acceptor.local_endpoint();
}

void broker_server::set_tls(std::shared_ptr<tls_server_context> tls) {
  impl_->tls = std::move(tls);
}

void broker_server::start() {
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
}

void broker_server::stop() {
  asio::post(impl_->io, [this] {
    impl_->stopped = true;
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    for (const auto& c : impl_->connections)
      c->close();
  });
}

void broker_server::set_replicate_sink(peer::replicate_sink* sink) {
  impl_->replicate_sink = sink;
}

}  // namespace cairn::broker
