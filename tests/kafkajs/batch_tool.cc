// batch_tool: Cairn's RecordBatch v2 codec behind a JSON <-> bytes command line, so that another
// implementation (KafkaJS, see cross_check.js) can check it in both directions.
//
//   batch_tool encode < batch.json > batch.bin   lays out one batch with record_batch_builder
//   batch_tool decode < batch.bin > batch.json   validates one batch with record_batch_view::parse
//
// JSON shape (encode reads the producer fields and records; decode prints every header field):
//   { "baseOffset": 0, "partitionLeaderEpoch": -1, "producerId": -1, "producerEpoch": -1,
//     "baseSequence": -1, "compression": "none" | "gzip" | "snappy" | "lz4" | "zstd",
//     "records": [ { "key": BYTES, "value": BYTES, "timestamp": 1700000000000,
//                    "headers": { "name": BYTES or [BYTES, ...] } } ] }
// BYTES is null, a string (its UTF-8 bytes), or {"hex": "00ff..."} for bytes that are not UTF-8;
// decode prints a string whenever the bytes are valid UTF-8. Repeated header names become an array,
// as KafkaJS reports them. Decode also prints, per record, offset/offsetDelta and
// timestamp/timestampDelta, and the batch's "compression" by name. Encode compresses the records
// with the codec when that makes them smaller, as Cairn's producer does.
//
// A one-shot test tool: bad input ends the process with a message on stderr and exit status 1
// (a batch Cairn rejects) or 2 (usage or JSON errors).
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/record/record_batch.h"

namespace json = boost::json;
using namespace cairn::eventstore;

namespace {

// An input error in the JSON given to `encode`; main() reports it.
struct input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- bytes <-> JSON
// ------------------------------------------------------------------------------

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is ill-formed (Unicode
// Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto continuation = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  unsigned char b = byte(i);
  if (b <= 0x7f) return 1;
  if (b >= 0xc2 && b <= 0xdf) return continuation(i + 1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    unsigned char lo = b == 0xe0 ? 0xa0 : 0x80;
    unsigned char hi = b == 0xed ? 0x9f : 0xbf;
    return continuation(i + 1, lo, hi) && continuation(i + 2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    unsigned char lo = b == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = b == 0xf4 ? 0x8f : 0xbf;
    return continuation(i + 1, lo, hi) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}

bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Header keys are strings in Kafka: ill-formed bytes become U+FFFD, as Java's decoder does.
std::string utf8_or_replacement(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      i += 1;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) throw input_error("hex string of odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) throw input_error("not a hex digit in \"" + std::string(hex) + "\"");
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

json::value bytes_to_json(const std::optional<std::string_view>& bytes) {
  if (!bytes) return nullptr;
  if (is_utf8(*bytes)) return json::string(*bytes);
  return json::object{{"hex", to_hex(*bytes)}};
}

std::optional<std::string> bytes_from_json(const json::value& v, std::string_view what) {
  if (v.is_null()) return std::nullopt;
  if (const json::string* s = v.if_string()) return std::string(*s);
  if (const json::object* o = v.if_object(); o && o->size() == 1) {
    if (const json::value* hex = o->if_contains("hex"); hex && hex->is_string()) {
      return from_hex(hex->get_string());
    }
  }
  throw input_error(std::string(what) + ": expected null, a string or {\"hex\": ...}, got " +
                    json::serialize(v));
}

template <class Int>
Int int_field(const json::object& o, std::string_view name, Int fallback) {
  const json::value* v = o.if_contains(name);
  if (!v) return fallback;
  std::error_code ec;
  auto n = v->to_number<std::int64_t>(ec);
  if (ec || n < std::numeric_limits<Int>::min() || n > std::numeric_limits<Int>::max()) {
    throw input_error("\"" + std::string(name) +
                      "\": not an integer of the field's width: " + json::serialize(*v));
  }
  return static_cast<Int>(n);
}

// ---- encode
// --------------------------------------------------------------------------------------

compression_codec codec_field(const json::object& batch) {
  const json::value* v = batch.if_contains("compression");
  if (v == nullptr) return compression_codec::none;
  const json::string* name = v->if_string();
  auto codec = name ? codec_from_name(*name) : std::nullopt;
  if (!codec) throw input_error("\"compression\": not one of none, gzip, snappy, lz4, zstd");
  return *codec;
}

std::string encode(const json::object& batch) {
  record_batch_builder builder({
      .base_offset = int_field<std::int64_t>(batch, "baseOffset", 0),
      .partition_leader_epoch = int_field<std::int32_t>(batch, "partitionLeaderEpoch", -1),
      .compression = codec_field(batch),
      .producer_id = int_field<std::int64_t>(batch, "producerId", -1),
      .producer_epoch = int_field<std::int16_t>(batch, "producerEpoch", -1),
      .base_sequence = int_field<std::int32_t>(batch, "baseSequence", -1),
  });
  const json::value* records = batch.if_contains("records");
  if (!records || !records->is_array() || records->get_array().empty()) {
    throw input_error("\"records\": expected a non-empty array");
  }
  for (const json::value& record_json : records->get_array()) {
    if (!record_json.is_object()) throw input_error("a record is not an object");
    const json::object& record = record_json.get_object();
    const json::value* key = record.if_contains("key");
    const json::value* value = record.if_contains("value");
    std::optional<std::string> key_bytes = key ? bytes_from_json(*key, "key") : std::nullopt;
    std::optional<std::string> value_bytes =
        value ? bytes_from_json(*value, "value") : std::nullopt;

    // Owned header bytes first, then views over them: header_view borrows until add() returns.
    std::vector<std::pair<std::string, std::optional<std::string>>> owned_headers;
    if (const json::value* headers = record.if_contains("headers")) {
      if (!headers->is_object()) throw input_error("\"headers\": expected an object");
      for (const auto& [name, header_value] : headers->get_object()) {
        if (const json::array* repeated = header_value.if_array()) {
          for (const json::value& v : *repeated) {
            owned_headers.emplace_back(std::string(name), bytes_from_json(v, name));
          }
        } else {
          owned_headers.emplace_back(std::string(name), bytes_from_json(header_value, name));
        }
      }
    }
    std::vector<header_view> header_views;
    header_views.reserve(owned_headers.size());
    for (const auto& [name, header_value] : owned_headers) {
      header_views.push_back(
          {.key = name,
           .value = header_value ? std::optional<std::string_view>(*header_value) : std::nullopt});
    }

    builder.add({
        .key = key_bytes ? std::optional<std::string_view>(*key_bytes) : std::nullopt,
        .value = value_bytes ? std::optional<std::string_view>(*value_bytes) : std::nullopt,
        .headers = header_views,
        .timestamp_ms = int_field<std::int64_t>(record, "timestamp", 0),
    });
  }
  return builder.finish();
}

// ---- decode
// --------------------------------------------------------------------------------------

json::object decode(const record_batch_view& batch) {
  const batch_header& h = batch.header();
  json::array records;
  for (const record_view& r : batch) {
    json::object headers;
    for (const header_view& header : r.headers()) {
      std::string name = utf8_or_replacement(header.key);
      json::value v = bytes_to_json(header.value);
      if (json::value* existing = headers.if_contains(name)) {
        if (!existing->is_array()) *existing = json::array{std::move(*existing)};
        existing->get_array().push_back(std::move(v));
      } else {
        headers.emplace(name, std::move(v));
      }
    }
    records.push_back(json::object{
        {"offset", h.base_offset + r.offset_delta},
        {"offsetDelta", r.offset_delta},
        {"timestamp", h.base_timestamp + r.timestamp_delta},
        {"timestampDelta", r.timestamp_delta},
        {"key", bytes_to_json(r.key)},
        {"value", bytes_to_json(r.value)},
        {"headers", std::move(headers)},
    });
  }
  return json::object{
      {"baseOffset", h.base_offset},
      {"batchLength", h.batch_length},
      {"partitionLeaderEpoch", h.partition_leader_epoch},
      {"magic", h.magic},
      {"crc", h.crc},
      {"attributes", h.attributes},
      {"compression", codec_name(batch.compression())},
      {"lastOffsetDelta", h.last_offset_delta},
      {"baseTimestamp", h.base_timestamp},
      {"maxTimestamp", h.max_timestamp},
      {"producerId", h.producer_id},
      {"producerEpoch", h.producer_epoch},
      {"baseSequence", h.base_sequence},
      {"recordsCount", h.records_count},
      {"records", std::move(records)},
  };
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

int usage() {
  std::fputs(
      "usage: batch_tool encode < batch.json > batch.bin\n"
      "       batch_tool decode < batch.bin > batch.json\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return usage();
  std::string_view command = argv[1];
  try {
    if (command == "encode") {
      std::error_code ec;
      json::value input = json::parse(read_stdin(), ec);
      if (ec) throw input_error("input is not JSON: " + ec.message());
      if (!input.is_object()) throw input_error("input is not a JSON object");
      std::string bytes = encode(input.get_object());
      std::fwrite(bytes.data(), 1, bytes.size(), stdout);
      return std::fflush(stdout) == 0 ? 0 : 1;
    }
    if (command == "decode") {
      std::string bytes = read_stdin();
      auto batch = record_batch_view::parse(bytes);
      if (!batch) {
        std::fprintf(stderr, "batch_tool decode: rejected: %s\n", batch.error().message().c_str());
        return 1;
      }
      if (batch.value().size_bytes() != bytes.size()) {
        std::fprintf(stderr, "batch_tool decode: rejected: %zu bytes after the batch\n",
                     bytes.size() - batch.value().size_bytes());
        return 1;
      }
      std::string out = json::serialize(decode(batch.value()));
      out += '\n';
      std::fwrite(out.data(), 1, out.size(), stdout);
      return std::fflush(stdout) == 0 ? 0 : 1;
    }
    return usage();
  } catch (const input_error& e) {
    std::fprintf(stderr, "batch_tool %s: %s\n", argv[1], e.what());
    return 2;
  }
}
