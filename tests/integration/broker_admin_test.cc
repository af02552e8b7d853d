// The broker's HTTP side door: /health and Prometheus /metrics.
#include "tests/integration/broker_harness.h"

using namespace cairn::testing;

namespace {

// A minimal HTTP/1.1 GET over a plain socket; returns the whole response.
std::string http_get(std::uint16_t port, const std::string& path) {
  wire_client c(port);  // only its socket and bounded reads are used
  c.send_bytes("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  return c.read_all(std::chrono::seconds(10));
}

}  // namespace

TEST_CASE("health and metrics are served over HTTP", "[broker][admin]") {
  temp_dir dir;
  broker_process broker(broker_binary(), dir.path().string());
  REQUIRE(broker.http_port() != 0);
  auto health = http_get(broker.http_port(), "/health");
  CHECK(health.starts_with("HTTP/1.1 200"));
  CHECK(health.find("\"status\":\"ok\"") != std::string::npos);
  CHECK(http_get(broker.http_port(), "/nope").starts_with("HTTP/1.1 404"));

  {
    wire_client c(broker.port());
    create_topic(c, "metered", 2);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(produce(c, "metered", 1, batch_of({{"k", "v"}, {"k", "w"}})).error ==
              wire::ErrorCode::NONE);
    }
  }
  auto metrics = http_get(broker.http_port(), "/metrics");
  CHECK(metrics.starts_with("HTTP/1.1 200"));
  CHECK(metrics.find("cairn_requests_total{kind=\"produce\"} 3") != std::string::npos);
  CHECK(metrics.find("cairn_partition_log_end_offset{topic=\"metered\",partition=\"1\"} 6") !=
        std::string::npos);
  CHECK(metrics.find("cairn_partition_high_watermark{topic=\"metered\",partition=\"0\"} 0") !=
        std::string::npos);
  CHECK(metrics.find("cairn_produce_latency_seconds_count 3") != std::string::npos);
  auto at = metrics.find("\ncairn_bytes_in_total ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoll(metrics.substr(at + std::string("\ncairn_bytes_in_total ").size())) > 0);
}
