// The option structs of docs/sdk.md, written as the guide writes them, in a file compiled with
// -Wmissing-field-initializers on (CMakeLists.txt here): what a user with -Wall -Wextra -Werror
// on g++ 12 compiles. Every member of a public option struct has a default member initializer,
// so designated initializers may name only the members they set; this file breaks the build
// when a member without one is added. The checks say each value lands where it was named.
#include <catch2/catch.hpp>

#include "cairn/admin.h"
#include "cairn/client.h"
#include "cairn/es/event_handler.h"
#include "cairn/es/process_manager.h"
#include "cairn/es/process_manager_dispatch.h"
#include "cairn/es/projection.h"
#include "cairn/es/read_model.h"
#include "cairn/es/repository.h"

TEST_CASE("the guide's option structs take designated initializers under -Wextra", "[es][docs]") {
  cairn::client_options client{.bootstrap = {"127.0.0.1:9092"}};
  cairn::es::repository_options repo{.topic = "quickstart.accounts",
                                     .snapshots = {.every_events = 100}};
  cairn::es::command_meta meta{.command_id = "deposit-bob-0001"};
  cairn::es::projection_options model{.dir = "/tmp/balances", .dbs = {"balances"}};
  cairn::es::event_handler_options handler{.topics = {"quickstart.accounts"},
                                           .group = "quickstart.notifier"};
  cairn::topic_settings topic{.partitions = 3};
  cairn::es::key_range range{.prefix = "acc-"};
  cairn::es::raw_event raw{.type = "quickstart.MoneyDeposited.v1"};

  CHECK(client.bootstrap.size() == 1);
  CHECK(repo.snapshots.every_events == 100);
  CHECK(repo.attempts_max == 8);
  CHECK(meta.command_id == "deposit-bob-0001");
  CHECK(model.dbs.size() == 1);
  CHECK(handler.attempts_max == 5);
  CHECK(topic.partitions == 3);
  CHECK(range.contains("acc-1"));
  CHECK_FALSE(range.contains("bcc-1"));
  CHECK(raw.encoding == cairn::es::event_encoding::json);
}
