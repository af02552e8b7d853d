// admin_http_server: the broker's HTTP side door (Boost.Beast): GET /metrics in Prometheus' text
// format, GET /health. One request per connection, small bounded reads, nothing else served.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "broker/admin/metrics.h"
#include "cairn/base/result.h"

namespace cairn::broker {

class admin_http_server {
 public:
  admin_http_server(boost::asio::io_context& io, const broker_metrics& metrics,
                    const topic_manager& topics);
  ~admin_http_server();

  result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void start();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cairn::broker
