// test_pki: certificates for the TLS tests, made at test time with Debian's `openssl` CLI in a
// temporary directory (P-256 keys: fast to make). One CA signs a server certificate for
// 127.0.0.1 and localhost, a client certificate (CN=alice), an expired server certificate and
// one for another host name; a second CA signs a server certificate of its own.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace cairn::testing {

struct cert_files {
  std::string cert;
  std::string key;
};

class test_pki {
 public:
  test_pki() {
    ca = make_ca("ca");
    other_ca = make_ca("other-ca");
    server = make_cert(ca, "server", "CN=localhost", "DNS:localhost,IP:127.0.0.1", "1", 0x101);
    client = make_cert(ca, "client", "CN=alice,O=Cairn Tests", "", "1", 0x102, true);
    other_server = make_cert(other_ca, "other-server", "CN=localhost", "DNS:localhost,IP:127.0.0.1",
                             "1", 0x103);
    expired = make_cert(ca, "expired", "CN=localhost", "DNS:localhost,IP:127.0.0.1", "-1", 0x104);
    wrong_host = make_cert(ca, "wrong-host", "CN=wrong.example", "DNS:wrong.example", "1", 0x105);
  }

  std::string path(const std::string& name) const { return dir / name; }

  // A server certificate signed by the CA, with `serial`, written to `name`.pem / .key.
  cert_files server_cert(const std::string& name, long serial) {
    return make_cert(ca, name, "CN=localhost", "DNS:localhost,IP:127.0.0.1", "1", serial);
  }

  // `openssl ARGS...`; fails the test when it fails.
  static std::string openssl(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), "openssl");
    auto r = run_command(std::move(args), input, std::chrono::seconds(30));
    INFO("openssl: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }

  temp_dir dir;
  cert_files ca, other_ca, server, client, other_server, expired, wrong_host;

 private:
  cert_files make_ca(const std::string& name) {
    cert_files f{dir / (name + ".pem"), dir / (name + ".key")};
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f.key, "-out", f.cert, "-days", "2", "-subj", "/CN=cairn test " + name});
    return f;
  }

  // `days` "-1" makes a certificate that expired a day ago.
  cert_files make_cert(const cert_files& issuer, const std::string& name,
                       const std::string& subject, const std::string& san, const std::string& days,
                       long serial, bool client_usage = false) {
    cert_files f{dir / (name + ".pem"), dir / (name + ".key")};
    const std::string csr = dir / (name + ".csr");
    const std::string ext = dir / (name + ".ext");
    std::string slashed = "/" + subject;
    for (char& c : slashed)
      if (c == ',') c = '/';
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f.key, "-out", csr, "-subj", slashed});
    {
      std::ofstream out(ext);
      if (!san.empty()) out << "subjectAltName=" << san << "\n";
      out << "extendedKeyUsage=" << (client_usage ? "clientAuth" : "serverAuth") << "\n";
    }
    openssl({"x509", "-req", "-in", csr, "-CA", issuer.cert, "-CAkey", issuer.key, "-set_serial",
             std::to_string(serial), "-days", days, "-extfile", ext, "-out", f.cert});
    return f;
  }
};

// The serial number (hex, as `openssl x509 -serial` prints it) of the certificate a TLS server at
// 127.0.0.1:`port` presents now.
inline std::string served_serial(std::uint16_t port, const std::string& ca_file) {
  auto r = run_command(
      {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-CAfile", ca_file},
      "", std::chrono::seconds(20));
  INFO("s_client: " << r.err);
  REQUIRE(r.out.find("BEGIN CERTIFICATE") != std::string::npos);
  return test_pki::openssl({"x509", "-noout", "-serial"}, r.out);
}

}  // namespace cairn::testing
