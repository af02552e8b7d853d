#include "broker/topics/topic_id.h"

#include <random>

namespace cairn::broker {
namespace {

// RFC 9562 version 4 and variant 10xx bits over 16 otherwise arbitrary bytes.
topic_id shape_v4(topic_id id) {
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0f) | 0x40);
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3f) | 0x80);
  return id;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool dash_at(std::size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

}  // namespace

topic_id random_topic_id() {
  // Seeded once per thread from the OS: ids must differ between brokers and restarts, which a
  // fixed seed would not give.
  thread_local std::mt19937_64 prng{std::random_device{}()};
  topic_id id;
  for (std::size_t i = 0; i < id.size(); i += 8) {
    std::uint64_t word = prng();
    for (std::size_t j = 0; j < 8; ++j)
      id[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  return shape_v4(id);  // the version bits alone make it neither nil nor 0...01
}

topic_id derived_topic_id(std::string_view name, std::int64_t created_offset) {
  // Two FNV-1a 64 passes with different offsets: deterministic on every platform, which
  // std::hash is not.
  auto fnv = [&](std::uint64_t h) {
    auto mix = [&h](std::uint8_t b) {
      h ^= b;
      h *= 0x100000001b3ULL;
    };
    for (char c : name)
      mix(static_cast<std::uint8_t>(c));
    for (int i = 0; i < 8; ++i)
      mix(static_cast<std::uint8_t>(static_cast<std::uint64_t>(created_offset) >> (8 * i)));
    return h;
  };
  const std::uint64_t high = fnv(0xcbf29ce484222325ULL);
  const std::uint64_t low = fnv(high ^ 0x9e3779b97f4a7c15ULL);
  topic_id id;
  for (int i = 0; i < 8; ++i) {
    id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
    id[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
  }
  return shape_v4(id);
}

std::string to_string(const topic_id& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kDigits[id[i] >> 4]);
    out.push_back(kDigits[id[i] & 0x0f]);
  }
  return out;
}

std::optional<topic_id> topic_id_from_string(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  topic_id id{};
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (dash_at(i)) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id[byte++] = static_cast<std::uint8_t>(high << 4 | low);
    i += 2;
  }
  return id;
}

}  // namespace cairn::broker
