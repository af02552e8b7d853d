// cluster: the demo's processes — one cairn-broker and the two services — each in its own
// directory under one data directory, started and stopped by PID. Used by the demo program and by
// the end-to-end test, so both run exactly the same set-up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "samples/demo/child.h"

namespace samples::demo {

struct cluster_options {
  std::filesystem::path build_dir;  // holds broker/cairn-broker and samples/{payment,booking}/
  std::filesystem::path data_dir;   // broker/, payment/, booking/ and logs/ go here
  std::int64_t payment_timeout_ms = 30'000;  // booking-service's saga timeout
};

// What `booking-service --rebuild` reported.
struct rebuild_report {
  bool ok = false;
  std::string line;  // its summary line
  std::int64_t events = 0;
  std::string checksum;
};

class cluster {
 public:
  explicit cluster(cluster_options options);  // starts nothing
  ~cluster();                                 // stop_all()

  // Each start waits (bounded) for the program's "listening on" line; throws if it never comes.
  void start_broker();
  void start_payment();
  void start_booking();
  void stop_payment();
  void stop_booking();
  void stop_all();
  // kill -9 and start again on the same HTTP address (the soak's chaos: clients keep their URL).
  void crash_and_restart_payment();
  void crash_and_restart_booking();

  // booking-service must be stopped. Deletes its read model, then runs `booking-service
  // --rebuild` (its progress bar on our stderr) and parses what it reports.
  rebuild_report rebuild_booking();

  const std::string& broker() const { return broker_address_; }
  const std::string& payment() const { return payment_address_; }
  const std::string& booking() const { return booking_address_; }
  std::filesystem::path booking_read_model() const;
  std::filesystem::path logs() const { return options_.data_dir / "logs"; }

 private:
  std::unique_ptr<child> start(const std::string& name, std::vector<std::string> argv,
                               std::string& address);
  std::vector<std::string> service_args(const std::string& name, const std::string& http) const;
  std::vector<std::string> booking_args(const std::string& http) const;

  cluster_options options_;
  std::unique_ptr<child> broker_, payment_, booking_;
  std::string broker_address_, payment_address_, booking_address_;
};

}  // namespace samples::demo
