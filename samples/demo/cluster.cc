#include "samples/demo/cluster.h"

#include <sys/wait.h>

#include <regex>
#include <stdexcept>

namespace samples::demo {

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);

}  // namespace

cluster::cluster(cluster_options options) : options_(std::move(options)) {
  std::filesystem::create_directories(logs());
}

cluster::~cluster() {
  stop_all();
}

std::unique_ptr<child> cluster::start(const std::string& name, std::vector<std::string> argv,
                                      std::string& address) {
  if (!std::filesystem::exists(argv[0])) {
    throw std::runtime_error(argv[0] + " does not exist: build the project first");
  }
  auto c = std::make_unique<child>(std::move(argv), logs() / (name + ".log"));
  auto line = c->wait_for_line("listening on ", kStartTimeout);
  if (!line) {
    c->kill();
    throw std::runtime_error(name + " did not start; see " + (logs() / (name + ".log")).string());
  }
  address = address_in(*line);
  return c;
}

void cluster::start_broker() {
  // A fresh group's first rebalance waits for no one: the demo's handlers start at once.
  broker_ = start("broker",
                  {(options_.build_dir / "broker" / "cairn-broker").string(), "--data-dir",
                   (options_.data_dir / "broker").string(), "--listen", "127.0.0.1:0",
                   "--kafka-listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--log-level", "warn",
                   "--group-initial-rebalance-delay-ms", "0"},
                  broker_address_);
}

std::vector<std::string> cluster::service_args(const std::string& name,
                                               const std::string& http) const {
  return {(options_.build_dir / "samples" / name / (name + "-service")).string(),
          "--broker",
          broker_address_,
          "--data-dir",
          (options_.data_dir / name).string(),
          "--http",
          http};
}

void cluster::start_payment() {
  payment_ = start("payment-service", service_args("payment", "127.0.0.1:0"), payment_address_);
}

std::vector<std::string> cluster::booking_args(const std::string& http) const {
  auto args = service_args("booking", http);
  args.insert(args.end(), {"--payment-timeout-ms", std::to_string(options_.payment_timeout_ms)});
  return args;
}

void cluster::start_booking() {
  booking_ = start("booking-service", booking_args("127.0.0.1:0"), booking_address_);
}

// The address is not written again (it is the same one): client threads read it meanwhile.
void cluster::crash_and_restart_payment() {
  if (payment_) payment_->kill();
  std::string address;
  payment_ = start("payment-service", service_args("payment", payment_address_), address);
  if (address != payment_address_) throw std::runtime_error("payment-service moved to " + address);
}

void cluster::crash_and_restart_booking() {
  if (booking_) booking_->kill();
  std::string address;
  booking_ = start("booking-service", booking_args(booking_address_), address);
  if (address != booking_address_) throw std::runtime_error("booking-service moved to " + address);
}

void cluster::stop_payment() {
  if (payment_) payment_->stop();
  payment_.reset();
}

void cluster::stop_booking() {
  if (booking_) booking_->stop();
  booking_.reset();
}

void cluster::stop_all() {
  // Services first, so they do not spend their last moments retrying a vanished broker.
  stop_booking();
  stop_payment();
  if (broker_) broker_->stop();
  broker_.reset();
}

std::filesystem::path cluster::booking_read_model() const {
  return options_.data_dir / "booking" / "read-model";
}

rebuild_report cluster::rebuild_booking() {
  if (booking_) throw std::logic_error("rebuild_booking: booking-service is still running");
  std::filesystem::remove_all(booking_read_model());
  auto args = service_args("booking", "127.0.0.1:0");
  args.push_back("--rebuild");
  auto done = run_to_end(std::move(args));
  rebuild_report r;
  static const std::regex summary(R"((\d+) events replayed in .*checksum ([0-9a-f]{16}))");
  std::smatch m;
  for (std::size_t at = 0; at < done.out.size();) {
    const auto nl = done.out.find('\n', at);
    const std::string line = done.out.substr(at, nl == std::string::npos ? nl : nl - at);
    at = nl == std::string::npos ? done.out.size() : nl + 1;
    if (std::regex_search(line, m, summary)) {
      r.line = line;
      r.events = std::stoll(m[1].str());
      r.checksum = m[2].str();
    }
  }
  r.ok = WIFEXITED(done.status) && WEXITSTATUS(done.status) == 0 && !r.checksum.empty();
  return r;
}

}  // namespace samples::demo
