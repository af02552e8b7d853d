// event_registry<Event>: stable type names (the `type` header) <-> the alternatives of an event
// variant, with a JSON codec (Boost.JSON value_from / value_to, so each event struct provides
// tag_invoke or is described) and upcasters that turn stored old events into current ones on read.
//
// Every alternative names itself: `static constexpr std::string_view type = "bank.Deposited.v2";`.
// The name is data, not a C++ name, so renaming a struct never breaks stored events; a new
// schema is a new name (".v2") plus an upcaster from the old one.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "cairn/es/errc.h"
#include "cairn/streams.h"
#include "eventstore/base/result.h"

namespace cairn::es {

// A stored event on its way to the current schema: a type name and its JSON.
struct raw_event {
  std::string type;
  boost::json::value data;
};

// Turns one old event into a newer one (possibly still old: upcasters chain).
using upcaster = std::function<result<raw_event>(raw_event)>;

template <class T>
concept named_event = requires {
  { T::type } -> std::convertible_to<std::string_view>;
};

template <class Event>
class event_registry;

template <named_event... Ts>
class event_registry<std::variant<Ts...>> {
 public:
  using event = std::variant<Ts...>;
  // Bounds an upcast chain so that a cycle (a -> b -> a) is an error, not a hang.
  static constexpr int upcast_steps_max = 32;

  event_registry() { (add_decoder<Ts>(), ...); }

  // Registers an upcaster for events stored as `old_type`. Replaces an earlier one.
  void add_upcaster(std::string old_type, upcaster fn) {
    upcasters_.insert_or_assign(std::move(old_type), std::move(fn));
  }

  static std::string_view type_of(const event& e) {
    return std::visit(
        [](const auto& v) { return std::string_view(std::decay_t<decltype(v)>::type); }, e);
  }

  // Encodes the event as JSON with its type name; headers are the caller's to add.
  static event_data encode(const event& e) {
    return std::visit(
        [](const auto& v) {
          return event_data{.type = std::string(std::decay_t<decltype(v)>::type),
                            .data = boost::json::serialize(boost::json::value_from(v)),
                            .headers = {}};
        },
        e);
  }

  // Decodes a stored event, upcasting it first when its type is an old one.
  result<event> decode(std::string_view type, std::string_view data) const {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(data, ec);
    if (ec) return errc::malformed_event;
    return decode(raw_event{std::string(type), std::move(parsed)});
  }

  result<event> decode(raw_event raw) const {
    for (int step = 0; step <= upcast_steps_max; ++step) {
      if (auto d = decoders_.find(raw.type); d != decoders_.end()) return d->second(raw.data);
      auto u = upcasters_.find(raw.type);
      if (u == upcasters_.end()) return errc::unknown_event_type;
      CAIRN_TRY(auto next, u->second(std::move(raw)));
      raw = std::move(next);
    }
    return errc::upcast_loop;
  }

  bool knows(std::string_view type) const {
    return decoders_.contains(std::string(type)) || upcasters_.contains(std::string(type));
  }

 private:
  using decoder = result<event> (*)(const boost::json::value&);

  template <class T>
  void add_decoder() {
    auto [it, inserted] = decoders_.emplace(std::string(T::type), &decode_as<T>);
    // Two alternatives with one name would make decoding ambiguous: a programming error.
    if (!inserted) throw std::logic_error("cairn::es: duplicate event type " + it->first);
  }

  template <class T>
  static result<event> decode_as(const boost::json::value& v) {
    auto decoded = boost::json::try_value_to<T>(v);
    if (!decoded) return errc::malformed_event;
    return event{std::move(decoded).value()};
  }

  std::map<std::string, decoder, std::less<>> decoders_;
  std::map<std::string, upcaster, std::less<>> upcasters_;
};

}  // namespace cairn::es
