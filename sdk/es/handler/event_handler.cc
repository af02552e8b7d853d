// The event handler's blocking shell: create, run_once, run, close; the DLQ topics and the
// rebuild of parked keys, blocking. The coroutine shell is event_handler_async.cc.
#include "cairn/es/event_handler.h"

#include <thread>

#include "cairn/admin.h"
#include "cairn/base/assert.h"
#include "sdk/es/handler/event_handler_state.h"

namespace cairn::es {
namespace {

// Runs the handler once; an exception is a failure like an error (a poison record often makes
// a parser throw), with its what() as the message.
attempt_outcome call_once(const record_handler& fn, const consumer_record& r) {
  try {
    auto res = fn(r);
    if (res) return {};
    return {res.error(), res.error().message(), 0};
  } catch (const std::exception& e) {
    return {handler_errc::handler_threw, e.what(), 0};
  }
}

}  // namespace

event_handler::event_handler(std::unique_ptr<state> s) : state_(std::move(s)) {}

event_handler::~event_handler() {
  close();
}

namespace {

result<std::unique_ptr<event_handler::state>> make_state(client& c, event_handler_options options) {
  CAIRN_TRY(validate(options));
  auto s = std::make_unique<event_handler::state>(c, std::move(options));
  CAIRN_TRY(s->prod, producer::create(c, s->options.producer));
  s->cons = std::make_unique<consumer>(c, s->options.consumer);
  CAIRN_TRY(s->cons->subscribe(s->options.topics, s->options.group, s->listener()));
  return s;
}

}  // namespace

result<std::unique_ptr<event_handler>> event_handler::create(client& c,
                                                             event_handler_options options,
                                                             record_handler fn) {
  CAIRN_TRY(auto s, make_state(c, std::move(options)));
  s->fn = std::move(fn);
  return std::unique_ptr<event_handler>(new event_handler(std::move(s)));
}

result<std::unique_ptr<event_handler>> event_handler::create(client& c,
                                                             event_handler_options options,
                                                             async_record_handler fn) {
  CAIRN_TRY(auto s, make_state(c, std::move(options)));
  s->fn = std::move(fn);
  return std::unique_ptr<event_handler>(new event_handler(std::move(s)));
}

void event_handler::close() {
  if (!state_ || state_->closed) return;
  state_->closed = true;
  state_->cons->close();
  state_->indexes.clear();
  state_->to_rebuild.clear();
}

std::vector<dead_letter_entry> event_handler::parked() const {
  std::vector<dead_letter_entry> out;
  for (const auto& [tp, index] : state_->indexes) {
    auto entries = index.unresolved();
    out.insert(out.end(), entries.begin(), entries.end());
  }
  return out;
}

std::vector<topic_partition> event_handler::assignment() const {
  return state_->cons->assignment();
}

namespace {

using state = event_handler::state;

// Creates `<topic>.dlq` with the topic's partition count when missing; checks the count when
// it exists (a DLQ with another count would put a key's entries in another partition).
result<void> ensure_dlq(state& s) {
  admin a(s.c);
  for (const auto& topic : s.options.topics) {
    CAIRN_TRY(auto partitions, s.c.partition_count(topic));
    auto dlq = s.dlq_topic(topic);
    auto described = a.describe_topic(dlq);
    if (!described && described.error() == protocol::errc::unknown_topic && s.options.create_dlq) {
      topic_settings settings{.partitions = partitions,
                              .replication_factor = s.options.dlq_replication_factor};
      auto created = a.create_topic(dlq, settings);
      // Another member may have created it first: then it is checked below like any other.
      if (!created && created.error() != protocol::errc::topic_already_exists) {
        return created.error();
      }
      described = a.describe_topic(dlq);
    }
    if (!described) {
      if (described.error() == protocol::errc::unknown_topic) continue;  // create_dlq off
      return described.error();
    }
    if (static_cast<std::int32_t>(described.value().partitions.size()) != partitions) {
      return handler_errc::dlq_partitions;
    }
  }
  s.dlq_ready = true;
  return success();
}

// Reads DLQ partition tp from its start to its high watermark (captured first) into a fresh
// index. Entries written after the capture can only be ours (we own tp now).
result<dead_letter_index> rebuild(state& s, const topic_partition& tp) {
  topic_partition dlq{s.dlq_topic(tp.topic), tp.partition};
  std::vector<std::string> topics{dlq.topic};
  CAIRN_TRY(auto meta, s.c.metadata(topics));
  dlq_rebuild into(s.options.group, extent_of(meta, dlq));
  if (into.done()) return std::move(into.index);  // empty, or no DLQ (create_dlq off)
  consumer reader(s.c, {});
  CAIRN_TRY(reader.try_assign({dlq}));
  std::vector<topic_partition> one{dlq};
  CAIRN_TRY(reader.seek_to_beginning(one));
  for (std::int64_t polls = 0; !into.done() && polls < s.options.rebuild_polls_max; ++polls) {
    CAIRN_TRY(auto records, reader.poll(200));
    into.take(records);
  }
  if (!into.done()) return handler_errc::rebuild_incomplete;
  return std::move(into.index);
}

// Produces one DLQ record and waits for its acknowledgement.
result<record_metadata> produce_acked(state& s, producer_record rec) {
  return s.prod->send(std::move(rec)).get();
}

result<void> park(state& s, dead_letter_index& index, const consumer_record& r, park_reason why,
                  const attempt_outcome& outcome, std::optional<std::int64_t> replaces) {
  auto entry = s.entry_for(r, why, outcome, replaces);
  CAIRN_TRY(auto md, produce_acked(s, encode_parked(r, entry, s.dlq_topic(r.topic))));
  s.parked(index, r, std::move(entry), md);
  return success();
}

result<void> resolve(state& s, dead_letter_index& index, const consumer_record& r,
                     std::int64_t entry_offset) {
  auto res = s.resolution_for(r, entry_offset);
  CAIRN_TRY(auto md, produce_acked(s, encode_resolved(res, s.dlq_topic(r.topic))));
  s.resolved(index, std::move(res), md.offset);
  return success();
}

attempt_outcome attempt(state& s, const consumer_record& r, handler_stats& stats) {
  const auto& fn = std::get<record_handler>(s.fn);
  for (std::int32_t n = 1;; ++n) {
    auto outcome = call_once(fn, r);
    outcome.attempts = n;
    if (!outcome.ec || n >= s.options.attempts_max) return outcome;
    ++stats.retried;
    // A backoff, not a synchronisation: heartbeats go on on the client's thread meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(s.backoff_ms(n)));
  }
}

// One record: handled, parked, or skipped. An error is a DLQ write that failed.
result<void> process(state& s, dead_letter_index& index, const consumer_record& r,
                     handler_stats& stats) {
  auto d = index.classify(r);
  switch (d.what) {
    case verdict::skip_already_parked:
    case verdict::skip_stale_replay:
      ++stats.skipped;
      return success();
    case verdict::park_behind: {
      CAIRN_TRY(park(s, index, r, park_reason::parked_behind, {}, std::nullopt));
      ++stats.parked;
      return success();
    }
    case verdict::handle:
    case verdict::handle_replay:
      break;
  }
  bool replay = d.what == verdict::handle_replay;
  auto outcome = attempt(s, r, stats);
  if (!outcome.ec) {
    ++stats.handled;
    if (replay) {
      CAIRN_TRY(resolve(s, index, r, d.replay_of));
      ++stats.resolved;
    }
    return success();
  }
  std::optional<std::int64_t> replaces;
  if (replay) replaces = d.replay_of;
  CAIRN_TRY(park(s, index, r, park_reason::failed, outcome, replaces));
  ++stats.parked;
  return success();
}

}  // namespace

result<handler_stats> event_handler::run_once() {
  auto& s = *state_;
  if (s.closed) return handler_errc::closed;
  if (!std::holds_alternative<record_handler>(s.fn)) return handler_errc::wrong_form;
  if (!s.dlq_ready) {
    CAIRN_TRY(ensure_dlq(s));
  }
  CAIRN_TRY(auto batch, s.cons->poll(s.options.poll_timeout_ms));

  handler_stats stats;
  batch_progress b;
  for (const auto& tp : s.needing_rebuild(batch)) {
    auto rebuilt = rebuild(s, tp);
    if (!rebuilt) {
      b.rebuild_failed(tp, rebuilt.error());
      continue;
    }
    s.rebuilt(tp, std::move(rebuilt).value());
  }
  for (const auto& r : batch) {
    if (b.left_for_later(r)) continue;
    auto processed = process(s, s.indexes.at(topic_partition{r.topic, r.partition}), r, stats);
    if (processed) {
      b.done(r);
    } else {
      b.failed(r, processed.error());
    }
  }
  if (!b.next.empty()) s.commit_tried(b.next, s.cons->commit(b.next).has_value(), stats);
  for (const auto& [tp, offset] : b.rewind) {
    if (offset >= 0) (void)s.cons->seek(tp, offset);  // not_assigned: no longer ours anyway
  }
  if (b.failure) return b.failure;
  return stats;
}

result<handler_stats> event_handler::run(std::stop_token stop) {
  handler_stats total;
  while (!stop.stop_requested()) {
    auto once = run_once();
    if (!once) {
      if (!worth_retrying(once.error())) return once.error();
      std::this_thread::sleep_for(std::chrono::milliseconds(state_->backoff_ms(1)));
      continue;
    }
    total += once.value();
  }
  return total;
}

}  // namespace cairn::es
