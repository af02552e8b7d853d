// event_registry<Event>: stable type names (the `type` header) <-> the alternatives of an event
// variant, with a codec per alternative and upcasters that turn stored old events into current
// ones on read.
//
// Every alternative names itself: `static constexpr std::string_view type = "bank.Deposited.v2";`.
// The name is data, not a C++ name, so renaming a struct never breaks stored events; a new
// schema is a new name (".v2") plus an upcaster from the old one.
//
// Codecs, chosen per alternative at compile time:
//   - Cap'n Proto, when the alternative is a capnp_event (declares `using capnp_schema = ...`
//     and maps itself to and from it: capnp_codec.h);
//   - JSON otherwise (Boost.JSON value_from / value_to, so the struct provides tag_invoke or is
//     described).
// A type name therefore fixes its encoding, and decoding needs only the name and the bytes (as
// every stored record has). Encoded Cap'n Proto events also carry a `content-type:
// application/x-capnp` header, so that tools and services in other languages can tell without
// the registry; a record without one is JSON (every record written before this codec was).
// decode(recorded_event) checks that header against the registered encoding.
//
// Upcasters see the stored event raw (raw_event: its type and its JSON document or its Cap'n
// Proto bytes) and return a newer one, in either encoding: a JSON v1 may become a Cap'n Proto
// v2. add_upcaster says how the old type is stored; capnp_upcaster.h reads an old capnp event
// safely for the upcaster.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/es/capnp_codec.h"
#include "cairn/es/envelope.h"
#include "cairn/es/errc.h"
#include "cairn/streams.h"

namespace cairn::es {

inline constexpr std::string_view kContentTypeHeader = "content-type";
inline constexpr std::string_view kJsonContentType = "application/json";

enum class event_encoding { json, capnp };

// A stored event on its way to the current schema: a type name and its payload, as JSON (`data`)
// or as a Cap'n Proto message (`bytes`, read it with read_capnp) depending on `encoding`.
struct raw_event {
  std::string type{};
  boost::json::value data{};  // encoding json: the parsed document
  event_encoding encoding = event_encoding::json;
  std::string bytes{};  // encoding capnp: the message in flat-array form
};

// Turns one old event into a newer one (possibly still old: upcasters chain).
using upcaster = std::function<result<raw_event>(raw_event)>;

template <class T>
concept named_event = requires {
  { T::type } -> std::convertible_to<std::string_view>;
};

template <class T>
constexpr event_encoding encoding_of() {
  return capnp_event<T> ? event_encoding::capnp : event_encoding::json;
}

// A current event as an upcaster's output: what an upcaster returns when it has built the
// current alternative itself.
template <named_event T>
raw_event to_raw_event(const T& e) {
  if constexpr (capnp_event<T>) {
    return {.type = std::string(T::type),
            .data = {},
            .encoding = event_encoding::capnp,
            .bytes = encode_capnp(e)};
  } else {
    return {.type = std::string(T::type), .data = boost::json::value_from(e)};
  }
}

template <class Event>
class event_registry;

template <named_event... Ts>
class event_registry<std::variant<Ts...>> {
 public:
  using event = std::variant<Ts...>;
  // Bounds an upcast chain so that a cycle (a -> b -> a) is an error, not a hang.
  static constexpr int upcast_steps_max = 32;

  event_registry() { (add_decoder<Ts>(), ...); }

  // Registers an upcaster for events stored as `old_type` in JSON. Replaces an earlier one.
  void add_upcaster(std::string old_type, upcaster fn) {
    add_upcaster(std::move(old_type), event_encoding::json, std::move(fn));
  }
  // Registers an upcaster for events stored as `old_type` in `stored_as`.
  void add_upcaster(std::string old_type, event_encoding stored_as, upcaster fn) {
    upcasters_.insert_or_assign(std::move(old_type), stored_upcaster{stored_as, std::move(fn)});
  }

  static std::string_view type_of(const event& e) {
    return std::visit(
        [](const auto& v) { return std::string_view(std::decay_t<decltype(v)>::type); }, e);
  }

  // Encodes the event with its type name in its alternative's codec. The headers hold the
  // content type of Cap'n Proto events; other headers are the caller's to add.
  static event_data encode(const event& e) {
    return std::visit(
        [](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (capnp_event<T>) {
            return event_data{
                .type = std::string(T::type),
                .data = encode_capnp(v),
                .headers = {{std::string(kContentTypeHeader), std::string(kCapnpContentType)}}};
          } else {
            return event_data{.type = std::string(T::type),
                              .data = boost::json::serialize(boost::json::value_from(v)),
                              .headers = {}};
          }
        },
        e);
  }

  // Decodes a stored event, upcasting it first when its type is an old one.
  result<event> decode(std::string_view type, std::string_view data) const {
    if (auto d = decoders_.find(type); d != decoders_.end()) return d->second.from_bytes(data);
    auto u = upcasters_.find(type);
    if (u == upcasters_.end()) return errc::unknown_event_type;
    CAIRN_TRY(auto raw, to_raw(type, data, u->second.stored_as));
    return decode(std::move(raw));
  }

  // As above, and a `content-type` header, when present, must agree with the encoding
  // registered for the type: a name reused with another encoding is refused, not misread.
  result<event> decode(const recorded_event& e) const {
    const std::string content_type = header_value(e.headers, kContentTypeHeader);
    if (!content_type.empty()) {
      const auto expected = registered_encoding(e.type);
      if (!expected) return errc::unknown_event_type;
      if (content_type != content_type_of(*expected)) return errc::malformed_event;
    }
    return decode(e.type, e.data);
  }

  result<event> decode(raw_event raw) const {
    for (int step = 0; step <= upcast_steps_max; ++step) {
      if (auto d = decoders_.find(raw.type); d != decoders_.end()) {
        if (raw.encoding != d->second.encoding) return errc::malformed_event;
        return d->second.from_raw(raw);
      }
      auto u = upcasters_.find(raw.type);
      if (u == upcasters_.end()) return errc::unknown_event_type;
      if (raw.encoding != u->second.stored_as) return errc::malformed_event;
      CAIRN_TRY(auto next, u->second.fn(std::move(raw)));
      raw = std::move(next);
    }
    return errc::upcast_loop;
  }

  bool knows(std::string_view type) const {
    return decoders_.contains(type) || upcasters_.contains(type);
  }

  // How events of `type` are stored, as far as this registry knows.
  std::optional<event_encoding> registered_encoding(std::string_view type) const {
    if (auto d = decoders_.find(type); d != decoders_.end()) return d->second.encoding;
    if (auto u = upcasters_.find(type); u != upcasters_.end()) return u->second.stored_as;
    return std::nullopt;
  }

  static std::string_view content_type_of(event_encoding e) {
    return e == event_encoding::capnp ? kCapnpContentType : kJsonContentType;
  }

 private:
  struct decoder {
    event_encoding encoding{};
    result<event> (*from_bytes)(std::string_view);  // a stored record's payload
    result<event> (*from_raw)(const raw_event&);    // an upcaster's output
  };
  struct stored_upcaster {
    event_encoding stored_as{};
    upcaster fn{};
  };

  template <class T>
  void add_decoder() {
    auto [it, inserted] = decoders_.emplace(
        std::string(T::type), decoder{encoding_of<T>(), &from_bytes_as<T>, &from_raw_as<T>});
    // Two alternatives with one name would make decoding ambiguous: a programming error.
    if (!inserted) throw std::logic_error("cairn::es: duplicate event type " + it->first);
  }

  static result<raw_event> to_raw(std::string_view type, std::string_view data,
                                  event_encoding stored_as) {
    if (stored_as == event_encoding::capnp) {
      return raw_event{.type = std::string(type),
                       .data = {},
                       .encoding = event_encoding::capnp,
                       .bytes = std::string(data)};
    }
    boost::system::error_code ec;
    auto parsed = boost::json::parse(data, ec);
    if (ec) return errc::malformed_event;
    return raw_event{.type = std::string(type), .data = std::move(parsed)};
  }

  template <class T>
  static result<event> from_bytes_as(std::string_view data) {
    if constexpr (capnp_event<T>) {
      CAIRN_TRY(auto decoded, decode_capnp<T>(data));
      return event{std::in_place_type<T>, std::move(decoded)};
    } else {
      boost::system::error_code ec;
      auto parsed = boost::json::parse(data, ec);
      if (ec) return errc::malformed_event;
      return from_json_as<T>(parsed);
    }
  }

  template <class T>
  static result<event> from_raw_as(const raw_event& raw) {
    if constexpr (capnp_event<T>) {
      return from_bytes_as<T>(raw.bytes);
    } else {
      return from_json_as<T>(raw.data);
    }
  }

  template <class T>
  static result<event> from_json_as(const boost::json::value& v) {
    auto decoded = boost::json::try_value_to<T>(v);
    if (!decoded) return errc::malformed_event;
    return event{std::in_place_type<T>, std::move(decoded).value()};
  }

  std::map<std::string, decoder, std::less<>> decoders_;
  std::map<std::string, stored_upcaster, std::less<>> upcasters_;
};

}  // namespace cairn::es
