#include "broker/kafka/handlers/delete_topics.h"

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"
#include "broker/kafka/requests/delete_topics.h"

namespace cairn::broker::kafka {
namespace {

using deletable_topic = delete_topics_request::topic;

struct result_entry {
  std::optional<std::string> name;
  topic_id id{};
  kafka_error error;
};

result_entry delete_one(services& s, const deletable_topic& t, std::chrono::milliseconds timeout) {
  result_entry out{t.name, t.id, {}};
  std::string name;
  if (t.name) {
    name = *t.name;
  } else if (auto by_id = describe_topic(s.core, t.id)) {
    name = by_id.value().name;
    out.name = name;
  } else {
    out.error = {is_nil(t.id) ? error_code::invalid_request : error_code::unknown_topic_id,
                 is_nil(t.id) ? "neither a name nor an id" : "no topic has this id"};
    return out;
  }
  if (is_nil(out.id)) {
    if (auto config = describe_topic(s.core, name)) out.id = config.value().id;
  }
  out.error = to_kafka_error(delete_topic(s.core, name, timeout));
  return out;
}

}  // namespace

response handle_delete_topics(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<delete_topics_request> decoded = decode_delete_topics(r);
  if (!decoded.ok()) return close_for(r, decoded.failure);
  const std::vector<deletable_topic>& topics = decoded.request.topics;
  const std::int32_t timeout_ms = decoded.request.timeout_ms;

  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (const deletable_topic& t : topics) {
    result_entry e = delete_one(s, t, admin_timeout(timeout_ms));
    if (v >= 6) {
      w.nullable_string(e.name);
      w.uuid_value(e.id);
    } else {
      w.string(e.name.value_or(""));
    }
    w.int16(value_of(e.error.code));
    if (v >= 5) {
      w.nullable_string(e.error.code == error_code::none
                            ? std::nullopt
                            : std::optional<std::string_view>(e.error.message));
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
