// A valid request body for every served Kafka API and version, one entry in each array, written
// field by field from Kafka's message specs (clients/src/main/resources/common/message/*Request
// .json): the known-good inputs of the decoder generator test and the fuzz targets' seed corpus.
// They check that the decoders read what the specs say, not what a client sends: the
// compatibility tests with real clients (tests/kafka/) are what check that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/api_key.h"
#include "broker/kafka/codec/writer.h"
#include "broker/kafka/served_apis.h"

namespace cairn::test {

// The body of a valid `key` request at `version` (a served version), in `flexible` encoding.
inline std::vector<std::byte> kafka_sample_body(broker::kafka::api_key key, std::int16_t v,
                                                bool flexible) {
  using broker::kafka::api_key;
  broker::kafka::writer w(flexible);
  const broker::kafka::uuid id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const std::vector<std::byte> opaque(24, std::byte{0x5a});  // records, metadata, assignments
  // A one-element array of whatever `entry` writes, ending in the entry's tagged fields.
  auto one = [&w](auto entry) {
    w.array_length(1);
    entry();
    w.tagged_fields();
  };
  switch (key) {
    case api_key::produce:
      if (v >= 3) w.nullable_string(std::nullopt);  // transactional_id
      w.int16(-1);                                  // acks
      w.int32(1000);                                // timeout_ms
      one([&] {
        w.string("orders");
        one([&] {
          w.int32(0);
          w.nullable_bytes(opaque);
        });
      });
      break;
    case api_key::fetch:
      w.int32(-1);  // replica_id
      w.int32(500);
      w.int32(1);
      w.int32(1 << 20);
      w.int8(0);
      if (v >= 7) {
        w.int32(0);
        w.int32(-1);
      }
      one([&] {
        if (v >= 13) {
          w.uuid_value(id);
        } else {
          w.string("orders");
        }
        one([&] {
          w.int32(0);
          if (v >= 9) w.int32(-1);
          w.int64(0);
          if (v >= 12) w.int32(-1);
          if (v >= 5) w.int64(-1);
          w.int32(1 << 20);
        });
      });
      if (v >= 7) {
        one([&] {
          if (v >= 13) {
            w.uuid_value(id);
          } else {
            w.string("gone");
          }
          w.array_length(1);
          w.int32(1);
        });
      }
      if (v >= 11) w.string("rack-a");
      break;
    case api_key::list_offsets:
      w.int32(-1);
      if (v >= 2) w.int8(0);
      one([&] {
        w.string("orders");
        one([&] {
          w.int32(0);
          if (v >= 4) w.int32(-1);
          w.int64(-1);
        });
      });
      break;
    case api_key::metadata:
      one([&] {
        if (v >= 10) {
          w.uuid_value(id);
          w.nullable_string("orders");
        } else {
          w.string("orders");
        }
      });
      if (v >= 4) w.boolean(false);
      if (v >= 8 && v <= 10) w.boolean(false);
      if (v >= 8) w.boolean(false);
      break;
    case api_key::offset_commit:
      w.string("group");
      if (v >= 1) {
        w.int32(1);
        w.string("member-1");
      }
      if (v >= 7) w.nullable_string(std::nullopt);
      if (v >= 2 && v <= 4) w.int64(-1);
      one([&] {
        w.string("orders");
        one([&] {
          w.int32(0);
          w.int64(42);
          if (v >= 6) w.int32(-1);
          if (v == 1) w.int64(-1);
          w.nullable_string("meta");
        });
      });
      break;
    case api_key::offset_fetch: {
      auto topics = [&] {
        one([&] {
          w.string("orders");
          w.array_length(1);
          w.int32(0);
        });
      };
      if (v <= 7) {
        w.string("group");
        topics();
      } else {
        one([&] {
          w.string("group");
          topics();
        });
      }
      if (v >= 7) w.boolean(false);
      break;
    }
    case api_key::find_coordinator:
      if (v <= 3) {
        w.string("group");
        if (v >= 1) w.int8(0);
      } else {
        w.int8(0);
        w.array_length(1);
        w.string("group");
      }
      break;
    case api_key::join_group:
      w.string("group");
      w.int32(10'000);
      if (v >= 1) w.int32(30'000);
      w.string("");
      if (v >= 5) w.nullable_string(std::nullopt);
      w.string("consumer");
      one([&] {
        w.string("range");
        w.bytes(opaque);
      });
      if (v >= 8) w.nullable_string("joining");
      break;
    case api_key::heartbeat:
      w.string("group");
      w.int32(1);
      w.string("member-1");
      if (v >= 3) w.nullable_string(std::nullopt);
      break;
    case api_key::leave_group:
      w.string("group");
      if (v <= 2) {
        w.string("member-1");
      } else {
        one([&] {
          w.string("member-1");
          w.nullable_string(std::nullopt);
          if (v >= 5) w.nullable_string("done");
        });
      }
      break;
    case api_key::sync_group:
      w.string("group");
      w.int32(1);
      w.string("member-1");
      if (v >= 3) w.nullable_string(std::nullopt);
      if (v >= 5) {
        w.nullable_string("consumer");
        w.nullable_string("range");
      }
      one([&] {
        w.string("member-1");
        w.bytes(opaque);
      });
      break;
    case api_key::describe_groups:
      w.array_length(1);
      w.string("group");
      if (v >= 3) w.boolean(true);
      break;
    case api_key::list_groups:
      if (v >= 4) {
        w.array_length(1);
        w.string("Stable");
      }
      break;
    case api_key::api_versions:
      if (v >= 3) {
        w.string("cairn-test");
        w.string("1.0");
      }
      break;
    case api_key::create_topics:
      one([&] {
        w.string("orders");
        w.int32(-1);
        w.int16(-1);
        one([&] {
          w.int32(0);
          w.array_length(1);
          w.int32(1);
        });
        one([&] {
          w.string("retention.ms");
          w.nullable_string("60000");
        });
      });
      w.int32(5000);
      if (v >= 1) w.boolean(false);
      break;
    case api_key::delete_topics:
      if (v >= 6) {
        one([&] {
          w.nullable_string("orders");
          w.uuid_value(id);
        });
      } else {
        w.array_length(1);
        w.string("orders");
      }
      w.int32(5000);
      break;
    case api_key::delete_records:
      one([&] {
        w.string("orders");
        one([&] {
          w.int32(0);
          w.int64(10);
        });
      });
      w.int32(5000);
      break;
    case api_key::init_producer_id:
      w.nullable_string(std::nullopt);
      w.int32(60'000);
      if (v >= 3) {
        w.int64(-1);
        w.int16(-1);
      }
      break;
    case api_key::offset_for_leader_epoch:
      if (v >= 3) w.int32(-1);
      one([&] {
        w.string("orders");
        one([&] {
          w.int32(0);
          if (v >= 2) w.int32(-1);
          w.int32(0);
        });
      });
      break;
    case api_key::describe_configs:
      one([&] {
        w.int8(2);
        w.string("orders");
        w.array_length(1);
        w.string("retention.ms");
      });
      if (v >= 1) w.boolean(true);
      if (v >= 3) w.boolean(true);
      break;
    case api_key::alter_configs:
      one([&] {
        w.int8(2);
        w.string("orders");
        one([&] {
          w.string("retention.ms");
          w.nullable_string("60000");
        });
      });
      w.boolean(true);
      break;
    case api_key::create_partitions:
      one([&] {
        w.string("orders");
        w.int32(4);
        one([&] {
          w.array_length(1);
          w.int32(1);
        });
      });
      w.int32(5000);
      w.boolean(true);
      break;
    case api_key::delete_groups:
      w.array_length(1);
      w.string("group");
      break;
    case api_key::incremental_alter_configs:
      one([&] {
        w.int8(2);
        w.string("orders");
        one([&] {
          w.string("retention.ms");
          w.int8(0);
          w.nullable_string("60000");
        });
      });
      w.boolean(true);
      break;
    case api_key::describe_cluster:
      w.boolean(false);
      if (v >= 1) w.int8(1);
      break;
  }
  w.tagged_fields();  // the request's own
  return w.take();
}

// The request header (v1, or v2 with tagged fields where the version is flexible) for `key` at
// `version`, the header of the frames the broker reads after their size prefix.
inline std::vector<std::byte> kafka_sample_header(broker::kafka::api_key key, std::int16_t version,
                                                  bool flexible, std::int32_t correlation_id = 1) {
  broker::kafka::writer w(false);
  w.int16(static_cast<std::int16_t>(key));
  w.int16(version);
  w.int32(correlation_id);
  w.nullable_string("cairn-test");     // client_id: always classic
  if (flexible) w.unsigned_varint(0);  // the header's tagged fields
  return w.take();
}

// A whole valid frame (without its size prefix): header and body.
inline std::vector<std::byte> kafka_sample_frame(const broker::kafka::served_api& api,
                                                 std::int16_t version) {
  const bool flexible = broker::kafka::request_is_flexible(api, version);
  std::vector<std::byte> frame = kafka_sample_header(api.key, version, flexible);
  std::vector<std::byte> body = kafka_sample_body(api.key, version, flexible);
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

}  // namespace cairn::test
