// producer_id_allocator: the producer ids InitProducerId hands out (Kafka's and the native
// protocol's alike), unique for the cluster's life: no two producers, on one broker or on two,
// across any number of restarts, get the same id.
//
// Ids are taken from blocks (Kafka's ProducerIdManager, KIP-730). Before the first id of a block
// is handed out, the end of that block is written to `<dir>/producer_ids` and fsync'd, so after a
// crash the broker starts above every id it may have handed out; at most one block's unused ids
// are skipped per restart (the id space is 2^63).
//
//   - standalone (no block source): the blocks are this broker's own, [used_end, used_end + n);
//   - in a cluster: a block source, the controller granting blocks through its replicated log
//     (broker/cluster/controller_block_source.h), so that two brokers never get overlapping
//     ones whatever happens to their disks. The local file still keeps a restarted broker from
//     using again a block it had started before the crash (its end is the source's at_least).
//
// The file is one line of text: "1 <used_end>\n" (format version, then the end of the last block
// taken: every id below it may have been handed out, none at or above it has been).
//
// KIP-360 for producers without a transactional id: an InitProducerId naming the id and epoch
// this broker handed out last for that id gets the same id with the epoch bumped; anything else
// gets a new id at epoch 0, as Kafka answers every InitProducerId without a transactional id.
// The epochs are remembered in memory for the most recent ids only (epochs_max): a producer
// unknown here (another broker's, or from before a restart) simply gets a new id.
//
// Threads: any; calls are serialised (an allocation that waits for the controller holds the
// others back, which all need that same block anyway).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cairn/base/result.h"

namespace cairn::broker {

struct producer_id_block {
  std::int64_t first = 0;
  std::int64_t count = 0;

  std::int64_t end() const { return first + count; }
  bool operator==(const producer_id_block&) const = default;
};

// A block granted to this broker whose first id is >= at_least, within `timeout`. Errors pass
// through to the InitProducerId answer (not_controller, request_timed_out...).
using producer_id_block_source =
    std::function<result<producer_id_block>(std::int64_t at_least, std::chrono::milliseconds)>;

struct producer_identity_grant {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  bool operator==(const producer_identity_grant&) const = default;
};

class producer_id_allocator {
 public:
  static constexpr std::int64_t kBlockSizeDefault = 1000;

  struct options {
    std::string dir;  // where `producer_ids` lives (the broker's data directory)
    std::int64_t block_size = kBlockSizeDefault;  // standalone blocks; the controller sets its own
    producer_id_block_source source;              // empty: standalone
    std::chrono::milliseconds wait{5'000};        // how long an allocation waits for a block
    std::size_t epochs_max = 100'000;             // ids whose epoch is remembered (KIP-360)
  };

  // Reads (or creates) `<dir>/producer_ids`. Errors: the file's I/O errors, std::errc::
  // invalid_argument for a file this class could not have written or a block_size below 1.
  static result<std::unique_ptr<producer_id_allocator>> open(options opts);

  // InitProducerId without a transactional id. producer_id/epoch: -1/-1 for a new producer, or
  // what the producer holds (v3+). Errors: the block source's, the file's.
  result<producer_identity_grant> init(std::int64_t producer_id, std::int16_t epoch);
  // A new id (epoch 0 implied).
  result<std::int64_t> allocate();

  // Every id below this may have been handed out (what the file says).
  std::int64_t used_end() const;

 private:
  explicit producer_id_allocator(options opts, std::int64_t used_end);
  result<std::int64_t> allocate_locked();
  result<void> take_block_locked();
  void remember_locked(std::int64_t id, std::int16_t epoch);

  const options options_;
  const std::string path_;
  mutable std::mutex mu_;
  std::int64_t used_end_;  // persisted
  std::int64_t next_ = 0;  // the next id of the current block; == block_end_ when spent
  std::int64_t block_end_ = 0;
  std::unordered_map<std::int64_t, std::int16_t> epochs_;
  std::deque<std::int64_t> epoch_order_;  // oldest first: bounds epochs_ at epochs_max
};

}  // namespace cairn::broker
