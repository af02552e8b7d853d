#include "protocol/sasl/plain.h"

#include "protocol/sasl/errc.h"
#include "protocol/sasl/limits.h"
#include "protocol/sasl/scram_message.h"

namespace cairn::sasl {
namespace {

result<std::string> read_field(std::string_view field, std::size_t bytes_max) {
  if (field.empty()) return errc::malformed_message;
  if (field.size() > bytes_max) return errc::message_too_large;
  if (!detail::is_valid_utf8(field)) return errc::invalid_encoding;
  return std::string(field);
}

}  // namespace

result<plain_message> parse_plain(std::string_view message) {
  if (message.size() > message_bytes_max) return errc::message_too_large;
  const std::size_t first = message.find('\0');
  if (first == std::string_view::npos) return errc::malformed_message;
  const std::size_t second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return errc::malformed_message;
  // A third NUL would sit inside the password.
  if (message.find('\0', second + 1) != std::string_view::npos) return errc::malformed_message;

  const std::string_view authzid = message.substr(0, first);
  plain_message out;
  CAIRN_TRY(out.username,
            read_field(message.substr(first + 1, second - first - 1), username_bytes_max));
  CAIRN_TRY(out.password, read_field(message.substr(second + 1), password_bytes_max));
  if (!authzid.empty() && authzid != out.username) {
    if (authzid.size() > username_bytes_max) return errc::message_too_large;
    if (!detail::is_valid_utf8(authzid)) return errc::invalid_encoding;
    return errc::authzid_not_permitted;
  }
  return out;
}

result<std::string> make_plain(std::string_view username, std::string_view password) {
  for (auto [field, bytes_max] :
       {std::pair{username, username_bytes_max}, std::pair{password, password_bytes_max}}) {
    if (field.empty() || field.size() > bytes_max || !detail::is_valid_utf8(field) ||
        field.find('\0') != std::string_view::npos) {
      return errc::invalid_argument;
    }
  }
  std::string out;
  out.reserve(username.size() + password.size() + 2);
  out += '\0';
  out += username;
  out += '\0';
  out += password;
  return out;
}

}  // namespace cairn::sasl
