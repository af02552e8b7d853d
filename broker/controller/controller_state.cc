#include "broker/controller/controller_state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>

#include "broker/controller/controller_errc.h"
#include "broker/errc.h"
#include "cairn/base/assert.h"

namespace cairn::broker::controller {
namespace json = boost::json;

namespace {

// One topic as JSON: its create command's fields, plus where it was created and its version.
json::object record_value(const topic_record& t) {
  json::object entry = json::parse(encode(create_topic{t.config, t.assignment})).as_object();
  entry.erase("v");
  entry.erase("type");
  entry["created_offset"] = t.created_offset;
  entry["version"] = t.version;
  return entry;
}

// errc::malformed_snapshot for anything record_value could not have written. A record without a
// version (written before topics had one) is at its created offset.
result<topic_record> record_from(const json::value& v) {
  if (!v.is_object()) return errc::malformed_snapshot;
  json::object entry = v.as_object();
  const json::value* created = entry.if_contains("created_offset");
  if (created == nullptr || !created->is_int64() || created->as_int64() < 0) {
    return errc::malformed_snapshot;
  }
  const std::int64_t created_offset = created->as_int64();
  std::int64_t version = created_offset;
  if (const json::value* given = entry.if_contains("version")) {
    if (!given->is_int64() || given->as_int64() < created_offset) return errc::malformed_snapshot;
    version = given->as_int64();
  }
  entry.erase("created_offset");
  entry.erase("version");
  entry["v"] = kCommandVersion;
  entry["type"] = "create_topic";
  auto c = decode_command(json::serialize(entry));
  if (!c || !std::holds_alternative<create_topic>(c.value())) return errc::malformed_snapshot;
  auto& create = std::get<create_topic>(c.value());
  if (is_nil(create.config.id)) {
    create.config.id = derived_topic_id(create.config.name, created_offset);
  }
  return topic_record{std::move(create.config), std::move(create.assignment), created_offset,
                      version};
}

}  // namespace

std::string encode_topic_record(const topic_record& t) {
  return json::serialize(record_value(t));
}

result<topic_record> decode_topic_record(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return errc::malformed_snapshot;
  return record_from(v);
}

bool partition_change::involves(std::int32_t node_id) const {
  return std::find(replicas.begin(), replicas.end(), node_id) != replicas.end();
}

result<void> controller_state::check_create(const create_topic& c) const {
  // The replication factor is bounded by the assignment, which check_assignment ties to it;
  // the brokers' count is the proposer's business (assign_replicas).
  if (!validate(c.config, std::numeric_limits<std::int16_t>::max())) {
    return broker::errc::invalid_topic_config;
  }
  CAIRN_TRY(check_assignment(c.config, c.assignment));
  if (topics_.contains(c.config.name)) return broker::errc::topic_already_exists;
  return success();
}

result<void> controller_state::check_alter(const alter_topic& c) const {
  if (!validate(c.config, std::numeric_limits<std::int16_t>::max())) {
    return broker::errc::invalid_topic_config;
  }
  CAIRN_TRY(check_assignment(c.config, c.assignment));
  const topic_record* current = topic(c.config.name);
  if (current == nullptr) return broker::errc::unknown_topic;
  if ((!is_nil(c.config.id) && c.config.id != current->config.id) ||
      c.config.replication_factor != current->config.replication_factor ||
      c.config.partitions < current->config.partitions) {
    return broker::errc::invalid_topic_config;
  }
  if (!std::equal(current->assignment.begin(), current->assignment.end(), c.assignment.begin())) {
    return errc::invalid_assignment;  // moving replicas is a reassignment, not an alter
  }
  if (c.if_version && *c.if_version != current->version) return errc::stale_topic_version;
  return success();
}

result<void> controller_state::check_allocate(const allocate_producer_ids& c) const {
  const std::int64_t first = std::max(next_producer_id_, c.at_least);
  if (c.count < 1 || first > std::numeric_limits<std::int64_t>::max() - c.count) {
    return errc::producer_ids_exhausted;
  }
  return success();
}

result<void> controller_state::check(const command& c) const {
  if (const auto* create = std::get_if<create_topic>(&c)) return check_create(*create);
  if (const auto* alter = std::get_if<alter_topic>(&c)) return check_alter(*alter);
  if (const auto* ids = std::get_if<allocate_producer_ids>(&c)) return check_allocate(*ids);
  const auto& remove = std::get<delete_topic>(c);
  if (!topics_.contains(remove.name)) return broker::errc::unknown_topic;
  return success();
}

result<state_change> controller_state::apply(std::int64_t offset, std::string_view record_value) {
  if (offset <= applied_offset_) return state_change{};
  auto decoded = decode_command(record_value);
  if (!decoded) {
    applied_offset_ = offset;
    return decoded.error();
  }
  return apply(offset, decoded.value());
}

result<state_change> controller_state::apply(std::int64_t offset, const command& c) {
  if (offset <= applied_offset_) return state_change{};
  applied_offset_ = offset;
  CAIRN_TRY(check(c));
  if (const auto* create = std::get_if<create_topic>(&c)) return do_apply(offset, *create);
  if (const auto* alter = std::get_if<alter_topic>(&c)) return do_apply(offset, *alter);
  if (const auto* ids = std::get_if<allocate_producer_ids>(&c)) return do_apply(*ids);
  return do_apply(std::get<delete_topic>(c));
}

state_change controller_state::do_apply(std::int64_t offset, const create_topic& c) {
  state_change change;
  for (std::size_t p = 0; p < c.assignment.size(); ++p) {
    change.created.push_back({c.config.name, static_cast<std::int32_t>(p), c.assignment[p]});
  }
  topic_record record{c.config, c.assignment, offset, offset};
  if (is_nil(record.config.id)) record.config.id = derived_topic_id(c.config.name, offset);
  topics_.emplace(c.config.name, std::move(record));
  return change;
}

state_change controller_state::do_apply(std::int64_t offset, const alter_topic& c) {
  state_change change;
  topic_record& t = topics_.find(c.config.name)->second;
  for (std::size_t p = t.assignment.size(); p < c.assignment.size(); ++p) {
    change.created.push_back({c.config.name, static_cast<std::int32_t>(p), c.assignment[p]});
  }
  const topic_id id = t.config.id;
  t.config = c.config;
  t.config.id = id;
  t.assignment = c.assignment;
  t.version = offset;
  change.altered.push_back(c.config.name);
  return change;
}

state_change controller_state::do_apply(const allocate_producer_ids& c) {
  const std::int64_t first = std::max(next_producer_id_, c.at_least);
  next_producer_id_ = first + c.count;  // check_allocate: no overflow
  CAIRN_ASSERT(next_producer_id_ > first, "producer id block {}+{} overflows", first, c.count);
  state_change change;
  change.granted = producer_id_grant{.node = c.node, .first = first, .count = c.count};
  return change;
}

state_change controller_state::do_apply(const delete_topic& c) {
  state_change change;
  auto it = topics_.find(c.name);
  const topic_record& t = it->second;
  for (std::size_t p = 0; p < t.assignment.size(); ++p) {
    change.removed.push_back({c.name, static_cast<std::int32_t>(p), t.assignment[p]});
  }
  topics_.erase(it);
  return change;
}

const topic_record* controller_state::topic(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

load_map controller_state::load() const {
  load_map out;
  for (const auto& [name, t] : topics_) {
    for (const auto& replicas : t.assignment) {
      for (std::size_t i = 0; i < replicas.size(); ++i) {
        auto& l = out[replicas[i]];
        ++l.replicas;
        if (i == 0) ++l.leaders;
      }
    }
  }
  return out;
}

std::string controller_state::snapshot() const {
  json::object o;
  o["v"] = kCommandVersion;
  o["applied_offset"] = applied_offset_;
  o["next_producer_id"] = next_producer_id_;
  json::array topics;
  for (const auto& [name, t] : topics_)
    topics.emplace_back(record_value(t));
  o["topics"] = std::move(topics);
  return json::serialize(o);
}

result<controller_state> controller_state::restore(std::string_view snapshot) {
  json::error_code ec;
  json::value v = json::parse(snapshot, ec);
  if (ec || !v.is_object()) return errc::malformed_snapshot;
  const json::object& o = v.as_object();
  const json::value* version = o.if_contains("v");
  const json::value* applied = o.if_contains("applied_offset");
  const json::value* topics = o.if_contains("topics");
  if (version == nullptr || !version->is_int64() || applied == nullptr || !applied->is_int64() ||
      topics == nullptr || !topics->is_array()) {
    return errc::malformed_snapshot;
  }
  if (version->as_int64() != kCommandVersion) return errc::malformed_snapshot;
  controller_state state;
  state.applied_offset_ = applied->as_int64();
  if (state.applied_offset_ < -1) return errc::malformed_snapshot;
  if (const json::value* next = o.if_contains("next_producer_id")) {
    if (!next->is_int64() || next->as_int64() < 0) return errc::malformed_snapshot;
    state.next_producer_id_ = next->as_int64();
  }
  for (const auto& t : topics->as_array()) {
    auto record = record_from(t);
    if (!record || record.value().version > state.applied_offset_) {
      return errc::malformed_snapshot;
    }
    std::string name = record.value().config.name;
    if (state.topics_.contains(name)) return errc::malformed_snapshot;
    state.topics_.emplace(std::move(name), std::move(record).value());
  }
  return state;
}

}  // namespace cairn::broker::controller
