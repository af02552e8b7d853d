#include "tools/cairn/cli.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>

namespace cairn::cli {

args::args(const std::vector<std::string>& words, const std::vector<std::string>& with_value) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.size() < 2 || w[0] != '-' ||
        (w.size() > 1 && std::isdigit(static_cast<unsigned char>(w[1])))) {
      positional_.push_back(w);
      continue;
    }
    bool takes_value = std::find(with_value.begin(), with_value.end(), w) != with_value.end();
    if (!takes_value) {
      flags_.push_back(w);
      continue;
    }
    if (i + 1 >= words.size()) {
      error_ = w + " needs a value";
      return;
    }
    values_.emplace(w, words[++i]);
  }
}

std::optional<std::string> args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> args::all(const std::string& name) const {
  std::vector<std::string> out;
  auto [first, last] = values_.equal_range(name);
  for (auto it = first; it != last; ++it)
    out.push_back(it->second);
  return out;
}

bool args::flag(const std::string& name) const {
  return std::find(flags_.begin(), flags_.end(), name) != flags_.end();
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::unique_ptr<client> connect(const std::string& bootstrap, std::optional<tls_options> tls) {
  auto c = client::create({.bootstrap = {bootstrap}, .client_id = "cairn-cli", .tls = tls});
  if (!c) {
    report(c.error() == sdk::errc::tls_bad_file
               ? "cannot use the --tls-ca/--tls-cert/--tls-key files"
               : "cannot use broker address '" + bootstrap + "'",
           c.error());
    return nullptr;
  }
  return std::move(c).value();
}

void report(const std::string& what, const std::error_code& ec) {
  std::fprintf(stderr, "cairn: %s: %s\n", what.c_str(), ec.message().c_str());
}

bool progress_wanted() {
  return ::isatty(STDERR_FILENO) == 1;
}

}  // namespace cairn::cli
