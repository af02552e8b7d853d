// controller_block_source: the producer id blocks of a broker in a cluster, granted by the
// controller through its replicated log (Kafka's AllocateProducerIds, KIP-730): every grant is
// an allocate_producer_ids command that moves the controller's next producer id past the block,
// so no two blocks overlap for the cluster's life, whatever happens to a broker's disk (a node
// id given again to a broker with an empty data directory gets fresh ids too).
//
// The source asks whichever broker is the controller now: itself (the command is submitted
// there) or another broker (an AllocateProducerIds request over the native port). While there
// is no controller, or the one asked answers that it is not (any more), cannot be reached or
// does not answer in time, it waits a little (backoff) and asks the controller it knows then,
// until the allocator's wait is spent. producer_id_allocator's file still keeps a restarted
// broker from reusing a block it had begun: its end is the `at_least` of the next grant.
//
// Threads: the source blocks; the allocator calls it from the handlers' workers, never from the
// broker's I/O thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "broker/controller/controller_state.h"
#include "broker/partition/producer_id_allocator.h"

namespace cairn::broker::cluster {

// Who grants the blocks (cluster_node; a fake in the tests).
class producer_id_grantor {
 public:
  virtual ~producer_id_grantor() = default;
  // The controller as this broker knows it now, -1 while there is none.
  virtual std::int32_t controller_id() const = 0;
  // Asks broker `to`, the controller (maybe this one), for `count` ids at or above `at_least`,
  // waiting at most `timeout`. Errors: protocol::errc::not_controller (it is not the controller), a
  // connection's errors, request_timed_out, producer_ids_exhausted, invalid_request.
  virtual result<controller::producer_id_grant> request_block(
      std::int32_t to, std::int64_t count, std::int64_t at_least,
      std::chrono::milliseconds timeout) = 0;
};

struct controller_block_options {
  std::int64_t block_size = producer_id_allocator::kBlockSizeDefault;
  // Between two attempts: doubling from min to max.
  std::chrono::milliseconds backoff_min{20};
  std::chrono::milliseconds backoff_max{500};
  // One attempt's share of the wait: a controller that died mid-call leaves time to ask the
  // next one.
  std::chrono::milliseconds attempt_timeout_max{2'000};
};

// Errors (once the wait is spent, the last attempt's, or request_timed_out when no controller
// was known): as request_block. producer_ids_exhausted and invalid_request end the wait at once
// (asking again cannot help), and so does a grant that is not the block asked for (a broken
// peer: invalid_request), which never reaches the allocator.
producer_id_block_source controller_block_source(producer_id_grantor& grantor,
                                                 controller_block_options options = {});

}  // namespace cairn::broker::cluster
