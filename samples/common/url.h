// Percent-decoding of URL parts (RFC 3986), for the HTTP layer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace samples::http {

// nullopt for a malformed escape ("%4", "%zz"); `plus_is_space` for query strings.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

// "a=1&b=x%20y" -> {a: 1, b: "x y"}; nullopt when an escape is malformed. A later duplicate key
// wins.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace samples::http
