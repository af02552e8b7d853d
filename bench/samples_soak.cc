// samples_soak: the booking scenario at scale, with random failures, for hours if you like (not
// CI). Starts a broker and both sample services (samples/demo/cluster.h), stocks items, funds
// accounts (some too poor to pay), then client threads request thousands of bookings while a
// chaos thread kills -9 a random service and restarts it. At the end, with every booking settled,
// it checks the invariants the demo shows on a small scale:
//   - no item is oversold: sold = confirmed bookings of it <= capacity, nothing left held;
//   - money is exact: each account's balance = its deposit - the captured amounts of its
//     confirmed bookings, never negative, nothing left held;
//   - every confirmed booking's payment is captured; no cancelled booking's payment is;
//   - booking-service's read model rebuilt from the log has the checksum it had.
// Prints a table (or --json one line) and exits 1 if any invariant fails.
#include <atomic>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "base/command_line.h"
#include "samples/common/http_client.h"
#include "samples/demo/cluster.h"
#include "samples/demo/scenario.h"

namespace demo = samples::demo;
namespace po = boost::program_options;
namespace json = boost::json;

namespace {

struct settings {
  int bookings = 2000;
  int items = 40;
  int units = 20;
  int accounts = 100;
  int clients = 8;
  std::int64_t chaos_every_ms = 0;  // 0: no crashes
  std::int64_t payment_timeout_ms = 5'000;
  unsigned seed = 1;
  bool json_out = false;
};

struct item {
  std::string id;
  std::int64_t price = 0;
};

struct account {
  std::string id;
  std::int64_t deposit = 0;
};

std::int64_t number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Sends one booking request until it gets an answer: while a service restarts, the same request
// (same booking id) is sent again, which the service applies once.
bool request_until_answered(demo::services& s, const std::string& id, const std::string& item_id,
                            const std::string& account_id) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    try {
      auto a = s.request_booking(id, item_id, account_id);
      if (a.http_status == 202 || a.http_status == 409) return true;
    } catch (const std::exception&) {
      // connection refused or reset: the service is restarting
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class invariants {
 public:
  void fail(const std::string& what) {
    if (failures_ < 20) std::fprintf(stderr, "samples_soak: INVARIANT: %s\n", what.c_str());
    ++failures_;
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  settings cfg;
  std::string build_dir = "build";
  std::string data_dir = "samples-soak-data";
  po::options_description desc("samples_soak");
  desc.add_options()("help,h", "this help")                                               //
      ("build-dir", po::value(&build_dir)->default_value(build_dir), "the build")         //
      ("data-dir", po::value(&data_dir)->default_value(data_dir), "emptied first")        //
      ("bookings", po::value(&cfg.bookings)->default_value(cfg.bookings))                 //
      ("items", po::value(&cfg.items)->default_value(cfg.items))                          //
      ("units", po::value(&cfg.units)->default_value(cfg.units), "rooms per item")        //
      ("accounts", po::value(&cfg.accounts)->default_value(cfg.accounts))                 //
      ("clients", po::value(&cfg.clients)->default_value(cfg.clients), "client threads")  //
      ("chaos-every-ms", po::value(&cfg.chaos_every_ms)->default_value(cfg.chaos_every_ms),
       "kill -9 and restart a random service this often (0: never)")  //
      ("payment-timeout-ms",
       po::value(&cfg.payment_timeout_ms)->default_value(cfg.payment_timeout_ms))  //
      ("seed", po::value(&cfg.seed)->default_value(cfg.seed))                      //
      ("json", po::bool_switch(&cfg.json_out), "one JSON line instead of a table");
  po::variables_map vm;
  if (auto exit_code = cairn::parse_options("samples_soak", argc, argv, desc, vm))
    return *exit_code;

  std::mt19937 rng(cfg.seed);
  const auto data = std::filesystem::absolute(data_dir);
  std::filesystem::remove_all(data);
  demo::cluster c(
      {.build_dir = build_dir, .data_dir = data, .payment_timeout_ms = cfg.payment_timeout_ms});
  invariants check;
  int crashes = 0;
  std::atomic<int> unanswered{0};
  double submit_s = 0;
  double settle_s = 0;
  std::map<std::string, int> outcomes;
  try {
    c.start_broker();
    c.start_payment();
    c.start_booking();
    demo::services s(c.payment(), c.booking());

    std::vector<item> items;
    for (int i = 0; i < cfg.items; ++i) {
      items.push_back({"soak/item-" + std::to_string(i),
                       std::uniform_int_distribution<std::int64_t>(50, 300)(rng) * 100});
      s.stock(items.back().id, cfg.units, items.back().price);
    }
    // A quarter of the accounts hold less than the cheapest room: their payments are declined.
    std::vector<account> accounts;
    for (int i = 0; i < cfg.accounts; ++i) {
      const bool poor = i % 4 == 0;
      accounts.push_back(
          {"soak-acc-" + std::to_string(i),
           poor ? 10'00 : std::uniform_int_distribution<std::int64_t>(1, 20)(rng) * 1000'00});
      s.open_account(accounts.back().id, "Soak " + std::to_string(i), accounts.back().deposit);
    }

    struct plan {
      std::string id;
      std::size_t item;
      std::size_t account;
    };
    std::vector<plan> plans;
    for (int i = 0; i < cfg.bookings; ++i) {
      plans.push_back({"soak-bk-" + std::to_string(i),
                       std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng),
                       std::uniform_int_distribution<std::size_t>(0, accounts.size() - 1)(rng)});
    }

    // Clients and chaos.
    const auto started = std::chrono::steady_clock::now();
    std::atomic<std::size_t> next{0};
    std::mutex clients_mu;
    std::condition_variable clients_done;
    int finished = 0;
    std::vector<std::thread> clients;
    for (int t = 0; t < cfg.clients; ++t) {
      clients.emplace_back([&] {
        demo::services mine(c.payment(), c.booking());
        for (std::size_t i = next++; i < plans.size(); i = next++) {
          const auto& p = plans[i];
          if (!request_until_answered(mine, p.id, items[p.item].id, accounts[p.account].id)) {
            ++unanswered;
          }
        }
        std::lock_guard done(clients_mu);
        ++finished;
        clients_done.notify_all();
      });
    }
    // The chaos runs on this thread, not a thread of its own: a child dies with the thread that
    // started it (PR_SET_PDEATHSIG follows the thread), and restarted services must outlive it.
    std::mt19937 chaos_rng(cfg.seed + 1);
    std::unique_lock lock(clients_mu);
    while (true) {
      const auto pause = cfg.chaos_every_ms > 0 ? std::chrono::milliseconds(cfg.chaos_every_ms)
                                                : std::chrono::hours(24);
      if (clients_done.wait_for(lock, pause, [&] { return finished == cfg.clients; })) break;
      lock.unlock();
      if (chaos_rng() % 2 == 0) {
        c.crash_and_restart_payment();
      } else {
        c.crash_and_restart_booking();
      }
      ++crashes;
      lock.lock();
    }
    lock.unlock();
    for (auto& t : clients)
      t.join();
    submit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    // Settle: every booking reaches a final state (the saga's timeout bounds the wait).
    const auto settling = std::chrono::steady_clock::now();
    std::map<std::string, std::int64_t> sold_by_item;
    std::map<std::string, std::int64_t> spent_by_account;
    for (const auto& p : plans) {
      auto b = s.settled_booking(p.id, std::chrono::seconds(120));
      ++outcomes[b.status];
      const auto amount = number(b.body, "amountCents");
      if (b.status == "confirmed") {
        ++sold_by_item[items[p.item].id];
        spent_by_account[accounts[p.account].id] += amount;
        auto paid = s.settled_payment(p.id, "captured");
        if (number(paid, "amountCents") != amount) check.fail(p.id + " captured another amount");
      } else if (b.status == "cancelled") {
        auto pay = samples::http::get(c.payment(), "/payments/" + p.id);
        if (pay && pay.value().status == 200 && pay.value().body.is_object() &&
            text(pay.value().body.as_object(), "status") == "captured") {
          check.fail(p.id + " is cancelled but its payment was captured");
        }
      }
    }
    settle_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - settling).count();

    for (const auto& i : items) {
      auto a = s.availability(i.id);
      const auto sold = number(a, "sold");
      if (sold != sold_by_item[i.id]) {
        check.fail(i.id + " sold " + std::to_string(sold) + " but " +
                   std::to_string(sold_by_item[i.id]) + " bookings are confirmed");
      }
      if (sold > cfg.units) check.fail(i.id + " is oversold");
      if (number(a, "held") != 0) check.fail(i.id + " still holds rooms");
    }
    for (const auto& a : accounts) {
      // Captures follow confirmations through the log: wait until the account shows them.
      json::object now;
      const auto want = a.deposit - spent_by_account[a.id];
      for (int i = 0; i < 200; ++i) {
        now = s.account(a.id);
        if (number(now, "balanceCents") == want && number(now, "heldCents") == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (number(now, "balanceCents") != want || number(now, "heldCents") != 0) {
        check.fail(a.id + " holds " + json::serialize(now) + ", expected balance " +
                   demo::money(want) + " and nothing held");
      }
      if (number(now, "balanceCents") < 0) check.fail(a.id + " is negative");
    }

    const auto before = s.settled_checksum(c.booking());
    c.stop_booking();
    auto rebuilt = c.rebuild_booking();
    if (!rebuilt.ok || rebuilt.checksum != before) {
      check.fail("booking-service rebuilt " + rebuilt.checksum + ", had " + before);
    }
    c.stop_all();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "samples_soak: %s (logs in %s)\n", e.what(), c.logs().c_str());
    return 1;
  }

  if (cfg.json_out) {
    json::object o{{"bookings", cfg.bookings},
                   {"confirmed", outcomes["confirmed"]},
                   {"cancelled", outcomes["cancelled"]},
                   {"rejected", outcomes["rejected"]},
                   {"crashes", crashes},
                   {"unanswered", unanswered.load()},
                   {"submit_s", submit_s},
                   {"settle_s", settle_s},
                   {"invariant_failures", check.failures()}};
    std::printf("%s\n", json::serialize(o).c_str());
  } else {
    std::printf("samples_soak: %d bookings from %d clients, %d crashes injected\n", cfg.bookings,
                cfg.clients, crashes);
    std::printf("  confirmed %d, cancelled %d, rejected (sold out) %d, unanswered %d\n",
                outcomes["confirmed"], outcomes["cancelled"], outcomes["rejected"],
                unanswered.load());
    std::printf("  submitted in %.1f s (%.0f bookings/s), all settled %.1f s later\n", submit_s,
                cfg.bookings / submit_s, settle_s);
    std::printf("  invariants: %s\n", check.failures() == 0
                                          ? "all hold"
                                          : (std::to_string(check.failures()) + " failed").c_str());
  }
  return check.failures() == 0 && unanswered.load() == 0 ? 0 : 1;
}
