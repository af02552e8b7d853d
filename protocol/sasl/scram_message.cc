#include "protocol/sasl/scram_message.h"

#include "protocol/sasl/errc.h"
#include "protocol/sasl/limits.h"

namespace cairn::sasl::detail {
namespace {

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

struct attribute {
  std::string_view name;
  std::string_view value;
};

// Reads `name=value` attributes separated by ','. A value may contain '=' (base64 padding); the
// name ends at the first '='.
class attribute_reader {
 public:
  explicit attribute_reader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ > text_.size(); }
  // Where the next attribute starts (text_.size() + 1 past the end).
  std::size_t position() const { return pos_; }

  result<attribute> next() {
    if (at_end()) return errc::malformed_message;
    std::size_t end = text_.find(',', pos_);
    if (end == std::string_view::npos) end = text_.size();
    const std::string_view item = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return errc::malformed_message;
    const std::string_view name = item.substr(0, eq);
    for (char c : name) {
      if (!is_alpha(c)) return errc::malformed_message;
    }
    return attribute{name, item.substr(eq + 1)};
  }

  // The next attribute, which must be called `name`.
  result<std::string_view> expect(std::string_view name) {
    CAIRN_TRY(attribute a, next());
    if (a.name == "m") return errc::mandatory_extension;
    if (a.name != name) return errc::malformed_message;
    return a.value;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// The attribute letters RFC 5802 defines: one of them out of place is malformed, not an
// extension.
bool is_defined_attribute(std::string_view name) {
  return name.size() == 1 && std::string_view("acemnprsv").find(name[0]) != std::string_view::npos;
}

result<void> add_extension(extension_list& extensions, const attribute& a) {
  if (a.name == "m") return errc::mandatory_extension;
  if (is_defined_attribute(a.name)) return errc::malformed_message;
  if (a.value.empty()) return errc::malformed_message;
  if (!is_valid_utf8(a.value) || a.value.find('\0') != std::string_view::npos) {
    return errc::invalid_encoding;
  }
  if (extensions.size() == extension_count_max) return errc::message_too_large;
  extensions.emplace_back(std::string(a.name), std::string(a.value));
  return success();
}

result<void> check_size(std::string_view message) {
  if (message.size() > message_bytes_max) return errc::message_too_large;
  if (message.empty()) return errc::malformed_message;
  return success();
}

result<std::string> read_nonce(std::string_view value, std::size_t bytes_max = nonce_bytes_max) {
  if (value.size() > bytes_max) return errc::message_too_large;
  if (!is_valid_nonce(value)) return errc::malformed_message;
  return std::string(value);
}

// posit-number = %x31-39 *DIGIT, within the iteration bounds.
result<int> read_iterations(std::string_view value) {
  if (value.empty() || value[0] < '1' || value[0] > '9') return errc::malformed_message;
  long long n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return errc::malformed_message;
    // Past the ceiling already: stop before the number can overflow.
    if (n > scram_iterations_max) return errc::iteration_count_out_of_range;
    n = n * 10 + (c - '0');
  }
  if (n < scram_iterations_min || n > scram_iterations_max) {
    return errc::iteration_count_out_of_range;
  }
  return static_cast<int>(n);
}

}  // namespace

result<client_first_message> parse_client_first(std::string_view message) {
  CAIRN_TRY(check_size(message));
  client_first_message out;
  // gs2-cbind-flag: we offer no channel binding, so "p=" is refused; "y" says the client could
  // bind but thinks the server cannot, which is true (RFC 5802 §6).
  if (message.starts_with("p=")) return errc::channel_binding_not_supported;
  if (!message.starts_with("n,") && !message.starts_with("y,")) return errc::malformed_message;
  std::size_t pos = 2;
  const std::size_t authzid_end = message.find(',', pos);
  if (authzid_end == std::string_view::npos) return errc::malformed_message;
  if (authzid_end != pos) {
    const std::string_view authzid = message.substr(pos, authzid_end - pos);
    if (!authzid.starts_with("a=")) return errc::malformed_message;
    CAIRN_TRY(auto name, decode_saslname(authzid.substr(2)));
    out.authzid = std::move(name);
  }
  pos = authzid_end + 1;
  out.gs2_header = std::string(message.substr(0, pos));
  out.bare = std::string(message.substr(pos));

  attribute_reader reader(out.bare);
  CAIRN_TRY(auto username, reader.expect("n"));
  CAIRN_TRY(out.username, decode_saslname(username));
  CAIRN_TRY(auto nonce, reader.expect("r"));
  CAIRN_TRY(out.client_nonce, read_nonce(nonce, client_nonce_bytes_max));
  while (!reader.at_end()) {
    CAIRN_TRY(auto a, reader.next());
    CAIRN_TRY(add_extension(out.extensions, a));
  }
  if (out.authzid && *out.authzid != out.username) return errc::authzid_not_permitted;
  return out;
}

result<server_first_message> parse_server_first(std::string_view message) {
  CAIRN_TRY(check_size(message));
  server_first_message out;
  attribute_reader reader(message);
  CAIRN_TRY(auto nonce, reader.expect("r"));
  CAIRN_TRY(out.nonce, read_nonce(nonce));
  CAIRN_TRY(auto salt, reader.expect("s"));
  if (salt.size() > (salt_bytes_max + 2) / 3 * 4) return errc::message_too_large;
  CAIRN_TRY(out.salt, base64_decode(salt));
  if (out.salt.empty()) return errc::malformed_message;
  CAIRN_TRY(auto iterations, reader.expect("i"));
  CAIRN_TRY(out.iterations, read_iterations(iterations));
  extension_list ignored;
  while (!reader.at_end()) {
    CAIRN_TRY(auto a, reader.next());
    CAIRN_TRY(add_extension(ignored, a));
  }
  return out;
}

result<client_final_message> parse_client_final(std::string_view message) {
  CAIRN_TRY(check_size(message));
  client_final_message out;
  attribute_reader reader(message);
  CAIRN_TRY(auto binding, reader.expect("c"));
  CAIRN_TRY(out.channel_binding, base64_decode(binding));
  CAIRN_TRY(auto nonce, reader.expect("r"));
  CAIRN_TRY(out.nonce, read_nonce(nonce));
  for (;;) {
    const std::size_t start = reader.position();
    CAIRN_TRY(auto a, reader.next());
    if (a.name == "p") {
      // The proof is the last attribute; what precedes its ',' is signed.
      if (!reader.at_end()) return errc::malformed_message;
      CAIRN_TRY(out.proof, base64_decode(a.value));
      if (out.proof.empty()) return errc::malformed_message;
      out.without_proof = std::string(message.substr(0, start - 1));
      return out;
    }
    CAIRN_TRY(add_extension(out.extensions, a));
  }
}

result<server_final_message> parse_server_final(std::string_view message) {
  CAIRN_TRY(check_size(message));
  server_final_message out;
  attribute_reader reader(message);
  CAIRN_TRY(auto first, reader.next());
  if (first.name == "e") {
    // server-error-value: value-safe-char text; kept for the caller's message.
    if (first.value.empty() || !is_valid_utf8(first.value)) return errc::malformed_message;
    out.error = std::string(first.value);
  } else if (first.name == "v") {
    CAIRN_TRY(out.verifier, base64_decode(first.value));
    if (out.verifier.empty()) return errc::malformed_message;
  } else {
    return errc::malformed_message;
  }
  extension_list ignored;
  while (!reader.at_end()) {
    CAIRN_TRY(auto a, reader.next());
    CAIRN_TRY(add_extension(ignored, a));
  }
  return out;
}

std::string encode_saslname(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

result<std::string> decode_saslname(std::string_view text) {
  if (text.empty()) return errc::malformed_message;
  // An escaped name is at most three times its decoded size.
  if (text.size() > 3 * username_bytes_max) return errc::message_too_large;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0' || c == ',') return errc::invalid_encoding;
    if (c != '=') {
      out += c;
      continue;
    }
    const std::string_view escape = text.substr(i, 3);
    if (escape == "=2C") {
      out += ',';
    } else if (escape == "=3D") {
      out += '=';
    } else {
      return errc::invalid_encoding;
    }
    i += 2;
  }
  if (out.size() > username_bytes_max) return errc::message_too_large;
  if (!is_valid_utf8(out)) return errc::invalid_encoding;
  return out;
}

bool is_valid_nonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > nonce_bytes_max) return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7E || c == ',') return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
      length = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      length = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      length = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t j = 1; j < length; ++j) {
      const auto b = static_cast<unsigned char>(text[i + j]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

}  // namespace cairn::sasl::detail
