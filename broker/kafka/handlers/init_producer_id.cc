#include "broker/kafka/handlers/init_producer_id.h"

#include <spdlog/spdlog.h>

#include "broker/partition/producer_id_allocator.h"

namespace cairn::broker::kafka {

response handle_init_producer_id(services& s, const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  std::optional<std::string> transactional_id = in.nullable_string();
  in.int32();  // transaction_timeout_ms: no transactions
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  if (v >= 3) {
    producer_id = in.int64();
    producer_epoch = in.int16();
  }
  in.tagged_fields();

  error_code error = error_code::none;
  producer_identity_grant grant;
  if (!in.ok()) {
    error = error_code::invalid_request;
  } else if (transactional_id) {
    error = error_code::transactional_id_authorization_failed;
  } else if (auto granted = s.producer_ids.init(producer_id, producer_epoch); !granted) {
    kafka_error e = to_kafka_error(granted.error());
    spdlog::warn("kafka InitProducerId from {}: {}", r.client_host, e.message);
    error = e.code;
  } else {
    grant = granted.value();
  }

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.int16(value_of(error));
  w.int64(error == error_code::none ? grant.producer_id : -1);
  w.int16(error == error_code::none ? grant.epoch : -1);
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
