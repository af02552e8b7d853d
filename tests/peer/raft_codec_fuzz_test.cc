// Fuzzing the receiving side with random mutations of valid Replicate frames (bounded
// iterations, seeded by Catch's --rng-seed): byte-level mutations go through the server's
// parse_request and then the replicate_receiver; field-level mutations set random fields of a
// valid message to edge values through Cap'n Proto reflection. Nothing may throw or crash
// (run it under ASan + UBSan), and whatever decodes must re-encode to the same value.
#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <limits>

#include "broker/peer/raft_codec.h"
#include "broker/peer/replicate_frame.h"
#include "broker/peer/replicate_receiver.h"
#include "tests/peer/random_messages.h"

namespace cairn::peer {
namespace {

using testing::describe;
using testing::message_generator;

constexpr int kFrameMutations = 4000;
constexpr int kFieldMutations = 4000;

protocol::frame valid_frame(message_generator& gen) {
  std::vector<group_message> messages;
  for (int kind = 0; kind < 6; ++kind) {
    auto m = gen.message(kind);
    m.message.from = raft::node_id{2};
    m.message.to = raft::node_id{1};
    messages.push_back(std::move(m));
  }
  std::vector<raft::partition_leadership> leaderships{gen.leadership(), gen.leadership()};
  auto frame = build_replicate_frame(1, "cairn", raft::node_id{2}, messages, leaderships,
                                     protocol::frame_bytes_max_default);
  REQUIRE(frame);
  return std::move(frame).value();
}

void mutate(message_generator& gen, std::vector<std::byte>& bytes) {
  const auto mutations = gen.uniform(1, 8);
  for (std::int64_t i = 0; i < mutations && !bytes.empty(); ++i) {
    const auto at =
        static_cast<std::size_t>(gen.uniform(0, static_cast<std::int64_t>(bytes.size()) - 1));
    switch (gen.uniform(0, 4)) {
      case 0:  // flip a bit
        bytes[at] ^= std::byte{static_cast<unsigned char>(1u << gen.uniform(0, 7))};
        break;
      case 1:  // a random byte
        bytes[at] = std::byte{static_cast<unsigned char>(gen.uniform(0, 255))};
        break;
      case 2:  // an edge value over a whole word (pointers, offsets, sizes)
      {
        static constexpr std::uint64_t edges[] = {0,
                                                  1,
                                                  ~std::uint64_t{0},
                                                  0x7fffffffffffffff,
                                                  0x8000000000000000,
                                                  0xfffffffe,
                                                  0x4000000000000000};
        const std::uint64_t v = edges[gen.uniform(0, 6)];
        const std::size_t word = at / 8 * 8;
        for (std::size_t b = 0; b < 8 && word + b < bytes.size(); ++b)
          bytes[word + b] = std::byte{static_cast<unsigned char>(v >> (8 * b))};
        break;
      }
      case 3:  // copy a word over another (aliasing pointers)
      {
        const std::size_t from =
            static_cast<std::size_t>(gen.uniform(0, static_cast<std::int64_t>(bytes.size()) - 1)) /
            8 * 8;
        const std::size_t to = at / 8 * 8;
        for (std::size_t b = 0; b < 8 && from + b < bytes.size() && to + b < bytes.size(); ++b)
          bytes[to + b] = bytes[from + b];
        break;
      }
      default:  // truncate to whole words (the frame reader only ever hands over whole words)
        bytes.resize(std::max<std::size_t>(8, at / 8 * 8));
        break;
    }
  }
}

TEST_CASE("random mutations of valid frames never crash the receiving side", "[peer]") {
  message_generator gen(Catch::rngSeed() + 11);
  std::size_t delivered = 0;
  replicate_receiver receiver(
      {.cluster_id = "cairn",
       .self = raft::node_id{1},
       .members = {raft::node_id{1}, raft::node_id{2}}},
      [&](group_message&& m) {
        ++delivered;
        // What the receiver delivers is valid: it re-encodes and decodes to the same value.
        capnp::MallocMessageBuilder b;
        auto root = b.initRoot<wire::RaftMessage>();
        encode_message(m.group, m.message, root);
        auto again = decode_message(root.asReader());
        REQUIRE(again);
        REQUIRE(describe(again.value()) == describe(m));
      },
      [](raft::node_id, raft::partition_leadership&&) {});
  std::size_t parsed_ok = 0;
  for (int i = 0; i < kFrameMutations; ++i) {
    protocol::frame f = valid_frame(gen);
    auto view = protocol::frame_bytes(f);
    std::vector<std::byte> bytes(view.begin(), view.end());
    mutate(gen, bytes);
    auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words.begin(), bytes.data(), words.size() * sizeof(capnp::word));
    try {
      auto parsed = protocol::parse_request(std::move(words));
      if (!parsed || parsed.value().kind() != wire::Request::REPLICATE) continue;
      ++parsed_ok;
      (void)receiver.on_replicate(parsed.value().root().getReplicate());
    } catch (const std::exception& e) {
      FAIL("mutation " << i << " threw: " << e.what());
    } catch (...) {
      FAIL("mutation " << i << " threw a non-std exception");
    }
  }
  auto c = receiver.counters();
  INFO("parsed " << parsed_ok << ", delivered " << delivered << ", dropped " << c.messages_dropped
                 << ", refused " << c.requests_refused);
  CHECK(parsed_ok > 0);  // the fuzzer reaches the decoder, not only the frame checks
  CHECK(c.messages_dropped > 0);
  CHECK(delivered > 0);
}

// Only the active union member, so that a mutation does not switch the union.
bool active(capnp::DynamicStruct::Builder s, capnp::StructSchema::Field field) {
  if (field.getProto().getDiscriminantValue() == capnp::schema::Field::NO_DISCRIMINANT) {
    return true;
  }
  KJ_IF_MAYBE (member, s.which()) {
    return *member == field;
  }
  return false;
}

// Every primitive field of the struct (recursively, through set struct and list fields) gets an
// edge value with probability 1/4.
void mutate_fields(message_generator& gen, capnp::DynamicStruct::Builder s, int depth = 0) {
  static constexpr std::int64_t edges[] = {std::numeric_limits<std::int64_t>::min(),
                                           -2,
                                           -1,
                                           0,
                                           1,
                                           2,
                                           std::numeric_limits<std::int32_t>::max(),
                                           std::int64_t{1} << 31,
                                           (std::int64_t{1} << 62) - 1,
                                           std::int64_t{1} << 62,
                                           std::numeric_limits<std::int64_t>::max()};
  if (depth > 6) return;
  for (auto field : s.getSchema().getFields()) {
    if (field.getProto().isGroup()) continue;
    auto type = field.getType();
    if (!active(s, field)) continue;
    const auto v = edges[gen.uniform(0, 10)];
    const bool hit = gen.uniform(0, 3) == 0;
    switch (type.which()) {
      case capnp::schema::Type::INT32:
        if (hit) s.set(field, static_cast<std::int32_t>(v));
        break;
      case capnp::schema::Type::INT64:
        if (hit) s.set(field, v);
        break;
      case capnp::schema::Type::BOOL:
        if (hit) s.set(field, v % 2 != 0);
        break;
      case capnp::schema::Type::ENUM:
        if (hit) s.set(field, capnp::DynamicEnum(type.asEnum(), static_cast<std::uint16_t>(v & 7)));
        break;
      case capnp::schema::Type::STRUCT:
        if (s.has(field)) mutate_fields(gen, s.get(field).as<capnp::DynamicStruct>(), depth + 1);
        break;
      case capnp::schema::Type::LIST:
        if (s.has(field)) {
          auto list = s.get(field).as<capnp::DynamicList>();
          for (unsigned i = 0; i < list.size(); ++i) {
            if (list.getSchema().whichElementType() == capnp::schema::Type::STRUCT) {
              mutate_fields(gen, list[i].as<capnp::DynamicStruct>(), depth + 1);
            } else if (list.getSchema().whichElementType() == capnp::schema::Type::INT32 &&
                       gen.uniform(0, 3) == 0) {
              list.set(i, static_cast<std::int32_t>(edges[gen.uniform(0, 10)]));
            }
          }
        }
        break;
      default:
        break;
    }
  }
}

TEST_CASE("edge values in random fields are refused or decoded consistently", "[peer]") {
  message_generator gen(Catch::rngSeed() + 12);
  int refused = 0;
  for (int i = 0; i < kFieldMutations; ++i) {
    auto m = gen.message();
    capnp::MallocMessageBuilder builder;
    auto root = builder.initRoot<wire::RaftMessage>();
    encode_message(m.group, m.message, root);
    mutate_fields(gen, capnp::toDynamic(root));
    auto decoded = decode_message(root.asReader());
    if (!decoded) {
      ++refused;
      CHECK(decoded.error().code == protocol::errc::invalid_request);
      continue;
    }
    capnp::MallocMessageBuilder again;
    auto root2 = again.initRoot<wire::RaftMessage>();
    encode_message(decoded.value().group, decoded.value().message, root2);
    auto twice = decode_message(root2.asReader());
    REQUIRE(twice);
    REQUIRE(describe(twice.value()) == describe(decoded.value()));

    auto l = gen.leadership();
    capnp::MallocMessageBuilder lb;
    auto lroot = lb.initRoot<wire::PartitionLeadership>();
    encode_leadership(l, lroot);
    mutate_fields(gen, capnp::toDynamic(lroot));
    auto ld = decode_leadership(lroot.asReader());
    if (ld) {
      capnp::MallocMessageBuilder lb2;
      auto lroot2 = lb2.initRoot<wire::PartitionLeadership>();
      encode_leadership(ld.value(), lroot2);
      auto ld2 = decode_leadership(lroot2.asReader());
      REQUIRE(ld2);
      REQUIRE(ld2.value() == ld.value());
    }
  }
  CHECK(refused > 0);
  CHECK(refused < kFieldMutations);
}

}  // namespace
}  // namespace cairn::peer
