// Who asks: Kafka's principal, `Type:name` ("User:alice"). Authentication produces it (SASL
// gives `User:<username>`, mTLS `User:<certificate subject>`); ACLs name it; `User:*` in an ACL
// applies to every principal. The name may itself hold ':' (a certificate subject can): only
// the first ':' separates the type.
#pragma once

#include <compare>
#include <cstddef>
#include <string>
#include <string_view>

#include "cairn/base/result.h"

namespace cairn::broker::security {

// Kafka strings carry an int16 length: nothing longer reaches the wire, so nothing longer is
// accepted from a file or a command either.
inline constexpr std::size_t kAclStringMax = 32767;

class principal {
 public:
  // `Type:name` with a non-empty type and a non-empty name, at most kAclStringMax bytes.
  static result<principal> parse(std::string_view text);
  // `User:<name>`; the name must not be empty.
  static result<principal> user(std::string_view name);
  // `User:*`, the ACL principal that applies to everyone.
  static const principal& wildcard();

  std::string_view type() const noexcept { return std::string_view(text_).substr(0, colon_); }
  std::string_view name() const noexcept { return std::string_view(text_).substr(colon_ + 1); }
  // The whole `Type:name`, as parsed: what indexes, logs and the wire use.
  const std::string& str() const noexcept { return text_; }
  bool is_wildcard() const noexcept { return text_ == "User:*"; }

  friend bool operator==(const principal& a, const principal& b) noexcept {
    return a.text_ == b.text_;
  }
  friend std::strong_ordering operator<=>(const principal& a, const principal& b) noexcept {
    return a.text_ <=> b.text_;
  }

 private:
  principal(std::string text, std::size_t colon) : text_(std::move(text)), colon_(colon) {}

  std::string text_;
  std::size_t colon_;  // INVARIANT: 0 < colon_ < text_.size() - 1 and text_[colon_] == ':'
};

}  // namespace cairn::broker::security
