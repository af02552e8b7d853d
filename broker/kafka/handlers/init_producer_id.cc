#include "broker/kafka/handlers/init_producer_id.h"

#include <spdlog/spdlog.h>

#include "broker/kafka/requests/init_producer_id.h"
#include "broker/partition/producer_id_allocator.h"

namespace cairn::broker::kafka {

response handle_init_producer_id(services& s, const request& r) {
  // transaction_timeout_ms goes unused: no transactions.
  decoded<init_producer_id_request> decoded = decode_init_producer_id(r);
  const init_producer_id_request& asked = decoded.request;

  error_code error = error_code::none;
  producer_identity_grant grant;
  if (!decoded.ok()) {
    error = error_code::invalid_request;
  } else if (asked.transactional_id) {
    error = error_code::transactional_id_authorization_failed;
  } else if (auto granted = s.producer_ids.init(asked.producer_id, asked.producer_epoch);
             !granted) {
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
