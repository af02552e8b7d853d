// cairn::consumer: reads assigned partitions with long-poll Fetch, tracking one position per
// partition. Not thread-safe: use one consumer from one thread at a time (as Kafka's).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/client.h"

namespace cairn {

// Where a partition without a position starts (Kafka's auto.offset.reset); also what an
// offset out of range resets to. `none` makes both an error.
enum class offset_reset { earliest, latest, none };

struct consumer_options {
  offset_reset reset = offset_reset::earliest;
  std::int32_t fetch_bytes_max = 1 << 20;            // per poll
  std::int32_t partition_fetch_bytes_max = 1 << 20;  // per partition per poll
  std::size_t records_max = 10'000;                  // per poll
};

struct record_header {
  std::string key;
  std::optional<std::string> value;
};

struct consumer_record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<record_header> headers;
};

class consumer {
 public:
  consumer(client& c, consumer_options options = {});
  ~consumer();

  // Replaces the assignment. New partitions start per options.reset at the first poll.
  void assign(std::vector<topic_partition> partitions);
  std::vector<topic_partition> assignment() const;

  // errc::not_assigned for a partition that is not assigned.
  result<void> seek(const topic_partition& tp, std::int64_t offset);
  // ListOffsets: the log start / the high watermark / the first offset whose timestamp is >=
  // timestamp_ms (the end when there is none).
  result<void> seek_to_beginning(const std::vector<topic_partition>& tps);
  result<void> seek_to_end(const std::vector<topic_partition>& tps);
  result<void> seek_to_timestamp(const topic_partition& tp, std::int64_t timestamp_ms);
  awaitable<result<void>> async_seek_to_beginning(std::vector<topic_partition> tps);
  awaitable<result<void>> async_seek_to_end(std::vector<topic_partition> tps);
  awaitable<result<void>> async_seek_to_timestamp(topic_partition tp, std::int64_t timestamp_ms);

  // The next offset this consumer reads from tp, if it has one.
  std::optional<std::int64_t> position(const topic_partition& tp) const;

  // Records after the positions, waiting up to timeout_ms for some (long poll); empty when
  // none arrived. protocol::errc::offset_out_of_range when a position is outside the log and
  // reset is none (seek, then poll again).
  result<std::vector<consumer_record>> poll(std::int64_t timeout_ms);
  awaitable<result<std::vector<consumer_record>>> async_poll(std::int64_t timeout_ms);

 private:
  struct state;
  client& client_;
  consumer_options options_;
  std::unique_ptr<state> state_;  // touched on the client's thread only
};

}  // namespace cairn
