// broker_dispatch: a process manager's events appended to their streams, commands handed on.
// The check for a maybe_sent event and its append form one optimistic step: the stream is read
// to its end looking for the message id, then the event is appended expecting the version read;
// if the stream moved in between (possibly the earlier attempt landing late), only the new
// events are read and checked, and the append tried again.
#include <algorithm>
#include <boost/asio/awaitable.hpp>

#include "cairn/es/envelope.h"
#include "cairn/es/errc.h"
#include "cairn/es/process_manager_dispatch.h"
#include "cairn/streams.h"

namespace cairn::es {

namespace {

event_data event_of(const process_message& m) {
  event_data e{.type = m.type, .data = m.data, .headers = {}};
  e.headers.push_back({std::string(kCommandIdHeader), m.id});
  e.headers.push_back({std::string(kCorrelationIdHeader), m.correlation_id});
  e.headers.push_back({std::string(kCausationIdHeader), m.causation_id});
  return e;
}

// What a scan of one page of the stream found.
struct scan {
  bool found = false;  // the message id is in the stream: it was appended before
  bool end = false;    // the page reached the stream's end
  std::int64_t version = -1;
};

scan scan_page(const stream_slice& slice, const std::string& id, std::int64_t version) {
  scan s{.found = false, .end = false, .version = version};
  for (const auto& e : slice.events) {
    if (header_value(e.headers, kCommandIdHeader) == id) s.found = true;
    s.version = std::max(s.version, e.version);
  }
  s.end = slice.events.empty() || s.version >= slice.last_version;
  if (slice.events.empty()) s.version = std::max(s.version, slice.last_version);
  return s;
}

// An append of an event that was certainly never sent: no check, no expected version.
result<void> check_appended(const result<append_outcome>& outcome) {
  if (!outcome) return outcome.error();
  if (!std::holds_alternative<appended>(outcome.value())) return errc::wrong_expected_version;
  return success();
}

result<void> append_once(streams& s, const process_message& m, const broker_dispatch_options& o) {
  std::vector<event_data> batch{event_of(m)};
  if (!m.maybe_sent) {
    return check_appended(s.append(m.topic, m.key, expected_version::any, batch));
  }
  std::int64_t version = -1;  // the last version checked
  for (int attempt = 0; attempt < o.attempts_max; ++attempt) {
    bool end = false;
    for (int page = 0; page < o.read_pages_max && !end; ++page) {
      CAIRN_TRY(auto slice, s.read(m.topic, m.key, version + 1));
      auto found = scan_page(slice, m.id, version);
      if (found.found) return success();  // appended before the crash or the failed attempt
      version = found.version;
      end = found.end;
    }
    if (!end) return errc::stream_too_long;
    CAIRN_TRY(auto outcome, s.append(m.topic, m.key, version, batch));
    if (std::holds_alternative<appended>(outcome)) return success();
  }
  return errc::retries_exhausted;
}

awaitable<result<void>> async_append_once(streams& s, process_message m,
                                          broker_dispatch_options o) {
  std::vector<event_data> batch{event_of(m)};
  if (!m.maybe_sent) {
    std::string topic = m.topic;
    std::string key = m.key;
    auto outcome = co_await s.async_append(std::move(topic), std::move(key), expected_version::any,
                                           std::move(batch));
    co_return check_appended(outcome);
  }
  std::int64_t version = -1;
  for (int attempt = 0; attempt < o.attempts_max; ++attempt) {
    bool end = false;
    for (int page = 0; page < o.read_pages_max && !end; ++page) {
      std::string topic = m.topic;
      std::string key = m.key;
      auto slice = co_await s.async_read(std::move(topic), std::move(key), version + 1, 0);
      if (!slice) co_return slice.error();
      auto found = scan_page(slice.value(), m.id, version);
      if (found.found) co_return success();
      version = found.version;
      end = found.end;
    }
    if (!end) co_return errc::stream_too_long;
    std::string topic = m.topic;
    std::string key = m.key;
    std::vector<event_data> again = batch;
    auto outcome =
        co_await s.async_append(std::move(topic), std::move(key), version, std::move(again));
    if (!outcome) co_return outcome.error();
    if (std::holds_alternative<appended>(outcome.value())) co_return success();
  }
  co_return errc::retries_exhausted;
}

}  // namespace

process_dispatch broker_dispatch(client& c, command_senders commands,
                                 broker_dispatch_options options) {
  auto s = std::make_shared<streams>(c);
  process_dispatch d;
  d.send = [s, send = commands.send, options](const process_message& m) -> result<void> {
    if (m.kind == message_kind::event) return append_once(*s, m, options);
    return send(m);
  };
  d.async_send = [s, send = commands.async_send,
                  options](process_message m) -> awaitable<result<void>> {
    if (m.kind == message_kind::event) {
      auto appended = co_await async_append_once(*s, std::move(m), options);
      co_return appended;
    }
    auto sent = co_await send(std::move(m));
    co_return sent;
  };
  return d;
}

}  // namespace cairn::es
