// The DLQ record codec (cairn/es/dead_letter.h).
#include "cairn/es/dead_letter.h"

#include <charconv>

namespace cairn::es {
namespace {

constexpr std::string_view kKindParked = "parked";
constexpr std::string_view kKindResolved = "resolved";
constexpr std::string_view kReasonFailed = "failed";
constexpr std::string_view kReasonParkedBehind = "parked-behind";

const std::optional<std::string>* find(const std::vector<record_header>& hs, std::string_view k) {
  for (const auto& h : hs) {
    if (h.key == k) return &h.value;
  }
  return nullptr;
}

std::optional<std::string> text(const std::vector<record_header>& hs, std::string_view k) {
  const auto* v = find(hs, k);
  if (v == nullptr || !v->has_value()) return std::nullopt;
  return **v;
}

template <class Int>
std::optional<Int> number(std::string_view s) {
  Int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

template <class Int>
std::optional<Int> number_header(const std::vector<record_header>& hs, std::string_view k) {
  auto t = text(hs, k);
  if (!t) return std::nullopt;
  return number<Int>(*t);
}

bool is_dlq_header(std::string_view key) {
  return key.starts_with(kDlqHeaderPrefix);
}

}  // namespace

std::string_view to_string(park_reason r) {
  return r == park_reason::failed ? kReasonFailed : kReasonParkedBehind;
}

std::string error_code_text(std::error_code ec) {
  return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

dead_letter_record decode_dead_letter(const consumer_record& r) {
  const auto& hs = r.headers;
  auto kind = text(hs, kDlqKind);
  auto group = text(hs, kDlqGroup);
  if (!kind || !group) return not_dead_letter{"no dlq-kind or dlq-group header"};
  if (*kind == kKindResolved) {
    auto resolves = number_header<std::int64_t>(hs, kDlqResolves);
    if (!resolves) return not_dead_letter{"a resolved marker without dlq-resolves"};
    return dead_letter_resolution{.group = std::move(*group),
                                  .key = r.key,
                                  .dlq_partition = r.partition,
                                  .resolves = *resolves,
                                  .dlq_offset = r.offset};
  }
  if (*kind != kKindParked) return not_dead_letter{"unknown dlq-kind " + *kind};
  auto topic = text(hs, kDlqSourceTopic);
  auto partition = number_header<std::int32_t>(hs, kDlqSourcePartition);
  auto offset = number_header<std::int64_t>(hs, kDlqSourceOffset);
  auto reason = text(hs, kDlqReason);
  if (!topic || !partition || !offset || !reason) {
    return not_dead_letter{"a parked record without its source or reason"};
  }
  if (*reason != kReasonFailed && *reason != kReasonParkedBehind) {
    return not_dead_letter{"unknown dlq-reason " + *reason};
  }
  dead_letter_entry e{
      .group = std::move(*group),
      .source_topic = std::move(*topic),
      .source_partition = *partition,
      .source_offset = *offset,
      .reason = *reason == kReasonFailed ? park_reason::failed : park_reason::parked_behind,
      .error = text(hs, kDlqError).value_or(""),
      .error_code = text(hs, kDlqErrorCode).value_or(""),
      .attempts = number_header<std::int32_t>(hs, kDlqAttempts).value_or(0),
      .parked_at_ms = number_header<std::int64_t>(hs, kDlqParkedAtMs).value_or(0),
      .replaces = number_header<std::int64_t>(hs, kDlqReplaces),
      .key = r.key,
      .value = r.value,
      .timestamp_ms = r.timestamp_ms,
      .headers = {},
      .dlq_partition = r.partition,
      .dlq_offset = r.offset};
  for (const auto& h : hs) {
    if (!is_dlq_header(h.key)) e.headers.push_back(h);
  }
  return e;
}

dead_letter_entry parked_entry(const consumer_record& source, std::string group, park_reason reason,
                               std::error_code ec, std::string error, std::int32_t attempts,
                               std::int64_t parked_at_ms, std::optional<std::int64_t> replaces) {
  dead_letter_entry e{.group = std::move(group),
                      .source_topic = source.topic,
                      .source_partition = source.partition,
                      .source_offset = source.offset,
                      .reason = reason,
                      .error = std::move(error),
                      .error_code = ec ? error_code_text(ec) : std::string{},
                      .attempts = attempts,
                      .parked_at_ms = parked_at_ms,
                      .replaces = replaces,
                      .key = source.key,
                      .value = source.value,
                      .timestamp_ms = source.timestamp_ms,
                      .headers = {},
                      .dlq_partition = source.partition,
                      .dlq_offset = -1};
  for (const auto& h : source.headers) {
    if (!is_dlq_header(h.key)) e.headers.push_back(h);
  }
  return e;
}

producer_record encode_parked(const consumer_record& source, const dead_letter_entry& why,
                              const std::string& dlq_topic) {
  producer_record out{.topic = dlq_topic,
                      .key = source.key,
                      .value = source.value,
                      .headers = {},
                      .timestamp_ms = source.timestamp_ms,
                      .partition = source.partition};
  for (const auto& h : why.headers)
    out.headers.push_back({h.key, h.value});
  auto add = [&](std::string_view k, std::string v) {
    out.headers.push_back({std::string(k), std::move(v)});
  };
  add(kDlqKind, std::string(kKindParked));
  add(kDlqGroup, why.group);
  add(kDlqSourceTopic, source.topic);
  add(kDlqSourcePartition, std::to_string(source.partition));
  add(kDlqSourceOffset, std::to_string(source.offset));
  add(kDlqReason, std::string(to_string(why.reason)));
  add(kDlqError, why.error);
  add(kDlqErrorCode, why.error_code);
  add(kDlqAttempts, std::to_string(why.attempts));
  add(kDlqParkedAtMs, std::to_string(why.parked_at_ms));
  if (why.replaces) add(kDlqReplaces, std::to_string(*why.replaces));
  return out;
}

producer_record encode_resolved(const dead_letter_resolution& r, const std::string& dlq_topic) {
  producer_record out{.topic = dlq_topic,
                      .key = r.key,
                      .value = std::nullopt,
                      .headers = {},
                      .timestamp_ms = -1,
                      .partition = r.dlq_partition};
  out.headers.push_back({std::string(kDlqKind), std::string(kKindResolved)});
  out.headers.push_back({std::string(kDlqGroup), r.group});
  out.headers.push_back({std::string(kDlqResolves), std::to_string(r.resolves)});
  return out;
}

producer_record encode_replay(const dead_letter_entry& e) {
  producer_record out{.topic = e.source_topic,
                      .key = e.key,
                      .value = e.value,
                      .headers = {},
                      .timestamp_ms = -1,
                      .partition = e.source_partition};
  for (const auto& h : e.headers)
    out.headers.push_back({h.key, h.value});
  out.headers.push_back({std::string(kDlqReplayOf),
                         std::to_string(e.dlq_partition) + ":" + std::to_string(e.dlq_offset)});
  return out;
}

std::optional<replay_ref> replay_of(const consumer_record& r) {
  auto t = text(r.headers, kDlqReplayOf);
  if (!t) return std::nullopt;
  auto colon = t->find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto p = number<std::int32_t>(std::string_view(*t).substr(0, colon));
  auto o = number<std::int64_t>(std::string_view(*t).substr(colon + 1));
  if (!p || !o) return std::nullopt;
  return replay_ref{*p, *o};
}

}  // namespace cairn::es
