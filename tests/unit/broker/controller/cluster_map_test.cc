#include "broker/controller/cluster_map.h"

#include <catch2/catch.hpp>

#include "broker/controller/controller_errc.h"

using namespace cairn::broker;
using namespace cairn::broker::controller;

TEST_CASE("a cluster map parses ID=HOST:PORT entries, sorted by id", "[controller]") {
  std::string why;
  auto map = cluster_map::parse("3=10.0.0.3:7070, 1=10.0.0.1:7070,2=[::1]:7071", &why);
  REQUIRE(map);
  CHECK(why.empty());
  CHECK(map.value().node_ids() == std::vector<std::int32_t>{1, 2, 3});
  REQUIRE(map.value().find(2) != nullptr);
  CHECK(map.value().find(2)->address == host_port{"::1", 7071});
  CHECK(map.value().find(4) == nullptr);
  CHECK(map.value().to_string() == "1=10.0.0.1:7070,2=[::1]:7071,3=10.0.0.3:7070");
  auto again = cluster_map::parse(map.value().to_string());
  REQUIRE(again);
  CHECK(again.value() == map.value());
  auto one = cluster_map::parse("7=broker-7.example:9000");
  REQUIRE(one);
  CHECK(one.value().size() == 1);
  CHECK(one.value().members()[0] == cluster_member{7, {"broker-7.example", 9000}});
}

TEST_CASE("every bad cluster map is refused with a sentence naming the entry", "[controller]") {
  struct bad_case {
    const char* text;
    const char* says;
  };
  for (const auto& c : std::vector<bad_case>{
           {"", "empty"},
           {"   ", "empty"},
           {"1=a:1,", "no '='"},
           {",1=a:1", "no '='"},
           {"1=a:1,,2=b:2", "no '='"},
           {"a:7070", "no '='"},
           {"0=a:7070", "above 0"},
           {"-1=a:7070", "above 0"},
           {"x=a:7070", "above 0"},
           {"1x=a:7070", "above 0"},
           {"99999999999=a:7070", "above 0"},
           {"=a:7070", "above 0"},
           {"1=a", "HOST:PORT"},
           {"1=:7070", "HOST:PORT"},
           {"1=a:", "HOST:PORT"},
           {"1=a:70000", "HOST:PORT"},
           {"1=a:-1", "HOST:PORT"},
           {"1=a:0", "port 0"},
           {"1=a:7070,1=b:7070", "twice"},
           {"1=a:7070,2=a:7070", "same address"},
       }) {
    INFO(c.text);
    std::string why;
    auto map = cluster_map::parse(c.text, &why);
    REQUIRE_FALSE(map);
    CHECK(map.error() == make_error_code(controller::errc::bad_cluster_map));
    CHECK(why.find(c.says) != std::string::npos);
  }
}

TEST_CASE("cluster settings: standalone unchanged, cluster mode binds and advertises",
          "[controller]") {
  SECTION("standalone keeps today's defaults and any node id") {
    auto s = resolve_cluster_settings(1, "", std::nullopt);
    REQUIRE(s);
    CHECK(s.value().standalone);
    CHECK(s.value().listen == host_port{"127.0.0.1", 7070});
    CHECK(s.value().advertised == s.value().listen);
    CHECK(s.value().map.node_ids() == std::vector<std::int32_t>{1});
    auto zero_port = resolve_cluster_settings(5, "", "127.0.0.1:0");
    REQUIRE(zero_port);
    CHECK(zero_port.value().listen.port == 0);
    CHECK(zero_port.value().map.node_ids() == std::vector<std::int32_t>{5});
  }
  SECTION("cluster mode: --listen defaults to the node's entry") {
    auto s = resolve_cluster_settings(2, "1=10.0.0.1:7070,2=10.0.0.2:7070", std::nullopt);
    REQUIRE(s);
    CHECK_FALSE(s.value().standalone);
    CHECK(s.value().node_id == 2);
    CHECK(s.value().listen == host_port{"10.0.0.2", 7070});
    CHECK(s.value().advertised == host_port{"10.0.0.2", 7070});
    CHECK(s.value().map.size() == 2);
  }
  SECTION("cluster mode: bind 0.0.0.0 while advertising the map's host") {
    auto s = resolve_cluster_settings(1, "1=10.0.0.1:7070,2=10.0.0.2:7070", "0.0.0.0:7070");
    REQUIRE(s);
    CHECK(s.value().listen == host_port{"0.0.0.0", 7070});
    CHECK(s.value().advertised == host_port{"10.0.0.1", 7070});
  }
  SECTION("the node must be in the map") {
    std::string why;
    auto s = resolve_cluster_settings(4, "1=a:1,2=b:2", std::nullopt, &why);
    REQUIRE_FALSE(s);
    CHECK(s.error() == make_error_code(controller::errc::node_not_in_cluster));
    CHECK(why.find("--node-id 4 is not in --cluster 1=a:1,2=b:2") != std::string::npos);
    CHECK_FALSE(resolve_cluster_settings(0, "1=a:1", std::nullopt));
  }
  SECTION("bad --listen and bad --cluster say what to do") {
    std::string why;
    CHECK_FALSE(resolve_cluster_settings(1, "", "nonsense", &why));
    CHECK(why.find("--listen wants HOST:PORT") != std::string::npos);
    CHECK_FALSE(resolve_cluster_settings(1, "1=a:1,1=b:2", std::nullopt, &why));
    CHECK(why.find("twice") != std::string::npos);
  }
}
