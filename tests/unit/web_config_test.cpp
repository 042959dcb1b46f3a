// The exporter-toolkit web config: TLS (paths resolved against the file's directory, every
// client_auth_type, TLS versions), basic auth users (bcrypt only) and response headers; every
// mistake is a ConfigError at the LINE:COL of the offending key or value.
#define BOOST_TEST_MODULE web_config
#include "contains.h"
#include "http/web_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace hawatch;

namespace {

const fs::path kWeb = fs::path(HAWATCH_FIXTURES) / "web";
// Inline configs claim to live next to the fixture PEMs, so relative paths find them.
const std::string kInline = (kWeb / "inline.yml").string();
const std::string kCert = (kWeb / "server.crt").string();
const std::string kKey = (kWeb / "server.key").string();
const std::string kCa = (kWeb / "ca.crt").string();
// htpasswd -nbBC 10 prometheus scrape-pass
const std::string kHash = "$2y$10$uTqTT8AqFfLvoCM.T2fJ5.1kdCJXoYSIjbf1mTSYsUh0IlYLpIzlm";

using hawatch::test::contains;

std::string dump(const std::vector<ConfigDiagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += "\n  " + d.to_string();
  return out;
}

// Parses inline `text`, which must be rejected; returns the diagnostics.
std::vector<ConfigDiagnostic> errors_of(const std::string& text) {
  try {
    parse_web_config(text, kInline);
  } catch (const ConfigError& e) {
    return e.diagnostics();
  }
  BOOST_ERROR("accepted:\n" << text);
  return {};
}

bool has_error(const std::vector<ConfigDiagnostic>& diags, int line, int col,
               const std::vector<std::string>& words, const std::string& file = kInline) {
  return std::any_of(diags.begin(), diags.end(), [&](const ConfigDiagnostic& d) {
    if (d.file != file || d.line != line || d.column != col) return false;
    for (const auto& w : words)
      if (!contains(d.message, w)) return false;
    return contains(d.to_string(),
                    file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ");
  });
}

// Checks that `text` fails with exactly one error at line:col mentioning `words`.
void expect_one_error(const std::string& text, int line, int col,
                      const std::vector<std::string>& words) {
  const auto diags = errors_of(text);
  BOOST_TEST(diags.size() == 1u, dump(diags));
  BOOST_TEST(has_error(diags, line, col, words), "expected " << line << ":" << col << " mentioning "
                                                             << words.front() << ", got"
                                                             << dump(diags));
}

// A minimal valid TLS section (relative paths) plus `extra` lines inside it.
std::string tls_with(const std::string& extra) {
  return "tls_server_config:\n"
         "  cert_file: server.crt\n"
         "  key_file: server.key\n" +
         extra;
}

using hawatch::test::TempDir;

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  BOOST_REQUIRE(out.good());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(good)

BOOST_AUTO_TEST_CASE(full_fixture) {
  const std::string path = (kWeb / "tls.yml").string();
  const WebConfig cfg = load_web_config(path);
  BOOST_TEST(cfg.source == path);
  BOOST_REQUIRE(cfg.tls.has_value());
  // Relative paths resolve against the file's directory, whatever the working directory is.
  BOOST_TEST(cfg.tls->cert_file == kCert);
  BOOST_TEST(cfg.tls->key_file == kKey);
  BOOST_TEST(cfg.tls->client_ca_file == kCa);
  BOOST_TEST((cfg.tls->client_auth == ClientAuth::require_and_verify));
  BOOST_TEST((cfg.tls->min_version == TlsVersion::tls12));
  BOOST_REQUIRE(cfg.tls->max_version.has_value());
  BOOST_TEST((*cfg.tls->max_version == TlsVersion::tls13));
  BOOST_TEST(cfg.headers.size() == 2u);
  BOOST_TEST(cfg.headers.at("X-Frame-Options") == "deny");
  BOOST_TEST(cfg.headers.at("Strict-Transport-Security") == "max-age=31536000");
  BOOST_TEST(cfg.basic_auth_users.size() == 2u);
  BOOST_TEST(cfg.basic_auth_users.at("prometheus") == kHash);
  BOOST_TEST(cfg.basic_auth_users.at("user") ==
             "$2y$10$KvkqcCWqeUYB9HQTZVapWujZAGZqgIUwGZQRhLXObOknt.y0dWEea");
}

BOOST_AUTO_TEST_CASE(relative_paths_resolve_against_the_config_directory) {
  const WebConfig cfg = load_web_config((kWeb / "sub" / "relative.yml").string());
  BOOST_REQUIRE(cfg.tls.has_value());
  // "../server.crt" from sub/, normalised.
  BOOST_TEST(cfg.tls->cert_file == kCert);
  BOOST_TEST(cfg.tls->key_file == kKey);
  BOOST_TEST(cfg.tls->client_ca_file.empty());
  BOOST_TEST((cfg.tls->client_auth == ClientAuth::none));
  BOOST_TEST((cfg.tls->min_version == TlsVersion::tls12));  // exporter-toolkit's default
  BOOST_TEST(!cfg.tls->max_version.has_value());
}

BOOST_AUTO_TEST_CASE(absolute_paths_are_kept) {
  const WebConfig cfg =
      parse_web_config("tls_server_config:\n  cert_file: " + kCert + "\n  key_file: " + kKey + "\n",
                       "/nonexistent/dir/web.yml");
  BOOST_REQUIRE(cfg.tls.has_value());
  BOOST_TEST(cfg.tls->cert_file == kCert);
  BOOST_TEST(cfg.tls->key_file == kKey);
}

BOOST_AUTO_TEST_CASE(empty_file_means_plain_http_without_auth) {
  for (const char* text : {"", "# nothing\n", "{}\n"}) {
    const WebConfig cfg = parse_web_config(text, kInline);
    BOOST_TEST(!cfg.tls.has_value());
    BOOST_TEST(cfg.basic_auth_users.empty());
    BOOST_TEST(cfg.headers.empty());
  }
}

BOOST_AUTO_TEST_CASE(basic_auth_without_tls) {
  const WebConfig cfg = load_web_config((kWeb / "basic_auth_only.yml").string());
  BOOST_TEST(!cfg.tls.has_value());
  BOOST_TEST(cfg.basic_auth_users.size() == 1u);
  BOOST_TEST(cfg.basic_auth_users.at("prometheus") == kHash);
}

BOOST_AUTO_TEST_CASE(every_client_auth_type) {
  struct Case {
    const char* name;
    ClientAuth expected;
  };
  for (const Case& c :
       {Case{"NoClientCert", ClientAuth::none}, Case{"RequestClientCert", ClientAuth::request},
        Case{"RequireAnyClientCert", ClientAuth::require_any},
        Case{"VerifyClientCertIfGiven", ClientAuth::verify_if_given},
        Case{"RequireAndVerifyClientCert", ClientAuth::require_and_verify}}) {
    BOOST_TEST_CONTEXT(c.name) {
      const WebConfig cfg = parse_web_config(
          tls_with("  client_auth_type: " + std::string(c.name) + "\n  client_ca_file: ca.crt\n"),
          kInline);
      BOOST_REQUIRE(cfg.tls.has_value());
      BOOST_TEST((cfg.tls->client_auth == c.expected));
      BOOST_TEST(cfg.tls->client_ca_file == kCa);
    }
  }
}

BOOST_AUTO_TEST_CASE(client_auth_without_verification_needs_no_ca) {
  for (const char* name : {"NoClientCert", "RequestClientCert", "RequireAnyClientCert"}) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_CHECK_NO_THROW(
          parse_web_config(tls_with("  client_auth_type: " + std::string(name) + "\n"), kInline));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_tls_version) {
  struct Case {
    const char* name;
    TlsVersion expected;
  };
  for (const Case& c : {Case{"TLS10", TlsVersion::tls10}, Case{"TLS11", TlsVersion::tls11},
                        Case{"TLS12", TlsVersion::tls12}, Case{"TLS13", TlsVersion::tls13}}) {
    BOOST_TEST_CONTEXT(c.name) {
      const WebConfig cfg = parse_web_config(
          tls_with("  min_version: " + std::string(c.name) + "\n  max_version: " + c.name + "\n"),
          kInline);
      BOOST_REQUIRE(cfg.tls.has_value());
      BOOST_TEST((cfg.tls->min_version == c.expected));
      BOOST_REQUIRE(cfg.tls->max_version.has_value());
      BOOST_TEST((*cfg.tls->max_version == c.expected));
    }
  }
  const WebConfig low =
      parse_web_config(tls_with("  max_version: TLS12\n  min_version: TLS10\n"), kInline);
  BOOST_TEST((low.tls->min_version == TlsVersion::tls10));
  BOOST_TEST((*low.tls->max_version == TlsVersion::tls12));
}

BOOST_AUTO_TEST_CASE(http_server_config) {
  const WebConfig cfg = parse_web_config(
      "http_server_config:\n"
      "  http2: false\n"
      "  headers: { X-Frame-Options: sameorigin, X-Content-Type-Options: nosniff }\n",
      kInline);
  BOOST_TEST(cfg.headers.size() == 2u);
  BOOST_TEST(cfg.headers.at("X-Frame-Options") == "sameorigin");
  BOOST_TEST(cfg.headers.at("X-Content-Type-Options") == "nosniff");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad)

BOOST_AUTO_TEST_CASE(missing_cert_file_points_at_the_section) {
  expect_one_error("tls_server_config:\n  key_file: server.key\n", 2, 3,
                   {"\"tls_server_config.cert_file\"", "required"});
  expect_one_error("tls_server_config:\n  cert_file: server.crt\n", 2, 3,
                   {"\"tls_server_config.key_file\"", "required"});
  const auto diags = errors_of("tls_server_config: {}\n");
  BOOST_TEST(diags.size() == 2u, dump(diags));
  BOOST_TEST(has_error(diags, 1, 20, {"\"tls_server_config.cert_file\"", "required"}), dump(diags));
  BOOST_TEST(has_error(diags, 1, 20, {"\"tls_server_config.key_file\"", "required"}), dump(diags));
}

BOOST_AUTO_TEST_CASE(empty_cert_file_points_at_the_value) {
  expect_one_error("tls_server_config:\n  cert_file: \"\"\n  key_file: server.key\n", 2, 14,
                   {"\"tls_server_config.cert_file\"", "required"});
}

BOOST_AUTO_TEST_CASE(cert_file_that_does_not_exist) {
  expect_one_error("tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n", 2, 14,
                   {"cert_file", (kWeb / "missing.crt").string(), "No such file"});
}

BOOST_AUTO_TEST_CASE(unreadable_key_file) {
  // Missing.
  expect_one_error("tls_server_config:\n  cert_file: server.crt\n  key_file: nokey.pem\n", 3, 13,
                   {"key_file", (kWeb / "nokey.pem").string(), "No such file"});
  // A directory: "readable" to access(), useless to the TLS setup.
  expect_one_error("tls_server_config:\n  cert_file: server.crt\n  key_file: sub\n", 3, 13,
                   {"key_file", (kWeb / "sub").string(), "not a regular file"});
  // Mode 000: only meaningful when not root (root reads it anyway, and so would the daemon).
  if (::geteuid() != 0) {
    TempDir dir;
    write(dir.path / "locked.key", "not really a key\n");
    fs::permissions(dir.path / "locked.key", fs::perms::none);
    try {
      parse_web_config("tls_server_config:\n  cert_file: " + kCert + "\n  key_file: locked.key\n",
                       (dir.path / "web.yml").string());
      BOOST_ERROR("unreadable key accepted");
    } catch (const ConfigError& e) {
      BOOST_TEST(has_error(e.diagnostics(), 3, 13, {"key_file", "Permission denied"},
                           (dir.path / "web.yml").string()),
                 dump(e.diagnostics()));
    }
  } else {
    BOOST_TEST_MESSAGE("running as root: skipping the mode-000 key file case");
  }
}

BOOST_AUTO_TEST_CASE(verifying_client_auth_needs_a_ca) {
  expect_one_error(tls_with("  client_auth_type: RequireAndVerifyClientCert\n"), 4, 21,
                   {"\"client_auth_type\"", "\"client_ca_file\""});
  expect_one_error(tls_with("  client_auth_type: VerifyClientCertIfGiven\n"), 4, 21,
                   {"\"client_auth_type\"", "\"client_ca_file\""});
}

BOOST_AUTO_TEST_CASE(unreadable_client_ca_file) {
  expect_one_error(tls_with("  client_auth_type: RequireAndVerifyClientCert\n"
                            "  client_ca_file: /nonexistent/ca.crt\n"),
                   5, 19, {"client_ca_file", "/nonexistent/ca.crt"});
}

BOOST_AUTO_TEST_CASE(bad_client_auth_type) {
  expect_one_error(tls_with("  client_auth_type: RequireClientCert\n"), 4, 21,
                   {"\"tls_server_config.client_auth_type\"", "RequireAndVerifyClientCert"});
}

BOOST_AUTO_TEST_CASE(bad_tls_versions) {
  expect_one_error(tls_with("  min_version: TLS14\n"), 4, 16,
                   {"\"tls_server_config.min_version\"", "TLS10, TLS11, TLS12, TLS13"});
  expect_one_error(tls_with("  max_version: tls13\n"), 4, 16,
                   {"\"tls_server_config.max_version\""});
  expect_one_error(tls_with("  min_version: [TLS12]\n"), 4, 16,
                   {"\"tls_server_config.min_version\""});
  // Default min_version is TLS12, so a max of TLS11 alone is already inverted.
  expect_one_error(tls_with("  max_version: TLS11\n"), 4, 16, {"\"max_version\"", "below"});
  expect_one_error(tls_with("  min_version: TLS13\n  max_version: TLS12\n"), 5, 16,
                   {"\"max_version\"", "below \"min_version\""});
}

BOOST_AUTO_TEST_CASE(tls_section_of_the_wrong_type) {
  expect_one_error("tls_server_config: [server.crt, server.key]\n", 1, 20,
                   {"tls_server_config", "expected a mapping", "list"});
  expect_one_error("tls_server_config:\n  cert_file: [server.crt]\n  key_file: server.key\n", 2, 14,
                   {"\"tls_server_config.cert_file\"", "must be a string"});
}

BOOST_AUTO_TEST_CASE(invalid_bcrypt_hashes) {
  // Not bcrypt at all, the right prefix with a bad cost or alphabet, and a truncated hash.
  for (const std::string& hash :
       {std::string("secret"), std::string("$apr1$abc$0123456789012345678901"),
        std::string("$6$salt$") + std::string(52, 'a'), kHash.substr(0, 59),
        "$2y$1x" + kHash.substr(6), "$2y$03" + kHash.substr(6), "$2y$32" + kHash.substr(6),
        kHash.substr(0, 20) + "!" + kHash.substr(21), "$2x" + kHash.substr(3)}) {
    BOOST_TEST_CONTEXT(hash) {
      expect_one_error("basic_auth_users:\n  prometheus: \"" + hash + "\"\n", 2, 15,
                       {"\"basic_auth_users.prometheus\"", "bcrypt"});
    }
  }
  expect_one_error("basic_auth_users:\n  prometheus: [a]\n", 2, 15,
                   {"\"basic_auth_users.prometheus\""});
}

BOOST_AUTO_TEST_CASE(basic_auth_users_problems) {
  expect_one_error("basic_auth_users:\n  \"a:b\": " + kHash + "\n", 2, 3, {"cannot contain ':'"});
  expect_one_error("basic_auth_users:\n  p: " + kHash + "\n  p: " + kHash + "\n", 3, 3,
                   {"duplicate key", "\"basic_auth_users.p\""});
  expect_one_error("basic_auth_users: [prometheus]\n", 1, 19, {"\"basic_auth_users\"", "mapping"});
}

// Found by web_config_fuzz: a YAML-escaped CR LF in a header value would have ended the header
// and started another one (response splitting); a space or colon in a name, a malformed one.
BOOST_AUTO_TEST_CASE(headers_that_would_split_a_response) {
  expect_one_error("http_server_config:\n  headers:\n    X-A: \"a\\r\\nSet-Cookie: s=1\"\n", 3, 10,
                   {"\"http_server_config.headers.X-A\"", "control characters"});
  expect_one_error("http_server_config:\n  headers:\n    X-A: \"a\\u0000b\"\n", 3, 10,
                   {"control characters"});
  expect_one_error("http_server_config:\n  headers:\n    \"X A\": b\n", 3, 5,
                   {"\"X A\" is not an HTTP header name"});
  expect_one_error("http_server_config:\n  headers:\n    \"X-A:\": b\n", 3, 5,
                   {"is not an HTTP header name"});
  const auto cfg = parse_web_config(
      "http_server_config:\n  headers: { X-Tab: \"a\\tb\", X-Utf8: \"caf\u00e9\" }\n", kInline);
  BOOST_TEST(cfg.headers.at("X-Tab") == "a\tb");
  BOOST_TEST(cfg.headers.size() == 2u);
}

BOOST_AUTO_TEST_CASE(unknown_keys) {
  expect_one_error("tls_config:\n  cert_file: server.crt\n", 1, 1,
                   {"unknown key", "\"tls_config\""});
  // Go cipher names do not map to OpenSSL's: rejected rather than silently ignored.
  expect_one_error(tls_with("  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"), 4, 3,
                   {"unknown key", "\"tls_server_config.cipher_suites\""});
  expect_one_error(tls_with("  prefer_server_cipher_suites: true\n"), 4, 3,
                   {"unknown key", "\"tls_server_config.prefer_server_cipher_suites\""});
  expect_one_error("http_server_config:\n  http3: true\n", 2, 3,
                   {"unknown key", "\"http_server_config.http3\""});
}

BOOST_AUTO_TEST_CASE(http2_true_is_rejected) {
  expect_one_error("http_server_config:\n  http2: true\n", 2, 10,
                   {"\"http_server_config.http2\"", "not supported"});
  expect_one_error("http_server_config:\n  http2: maybe\n", 2, 10,
                   {"\"http_server_config.http2\"", "true or false"});
}

BOOST_AUTO_TEST_CASE(bad_headers) {
  expect_one_error("http_server_config:\n  headers: [X-Frame-Options]\n", 2, 12,
                   {"\"http_server_config.headers\"", "mapping"});
  expect_one_error("http_server_config:\n  headers:\n    X-Frame-Options: [deny]\n", 3, 22,
                   {"header values must be strings"});
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error) {
  expect_one_error("basic_auth_users:\n  prometheus: x\n    other: y\n", 3, 10,
                   {"YAML syntax error"});
  expect_one_error("http_server_config:\n  headers: {X-Frame-Options: deny\n", 3, 1,
                   {"YAML syntax error"});
}

BOOST_AUTO_TEST_CASE(all_errors_are_reported) {
  const auto diags = errors_of(
      "tls_server_config:\n"                           // 1
      "  cert_file: missing.crt\n"                     // 2
      "  key_file: server.key\n"                       // 3
      "  client_auth_type: VerifyClientCertIfGiven\n"  // 4
      "http_server_config:\n"                          // 5
      "  http2: true\n"                                // 6
      "basic_auth_users:\n"                            // 7
      "  prometheus: plaintext\n"                      // 8
      "extra: 1\n");                                   // 9
  BOOST_TEST(diags.size() == 5u, dump(diags));
  BOOST_TEST(has_error(diags, 2, 14, {"cert_file"}), dump(diags));
  BOOST_TEST(has_error(diags, 4, 21, {"client_ca_file"}), dump(diags));
  BOOST_TEST(has_error(diags, 6, 10, {"http2"}), dump(diags));
  BOOST_TEST(has_error(diags, 8, 15, {"basic_auth_users.prometheus"}), dump(diags));
  BOOST_TEST(has_error(diags, 9, 1, {"\"extra\""}), dump(diags));
}

BOOST_AUTO_TEST_CASE(file_that_cannot_be_read) {
  for (const fs::path& path : {kWeb / "does-not-exist.yml", kWeb / "sub"}) {
    try {
      load_web_config(path.string());
      BOOST_ERROR(path << " accepted as a web config");
    } catch (const ConfigError& e) {
      BOOST_REQUIRE_EQUAL(e.diagnostics().size(), 1u);
      BOOST_TEST(e.diagnostics()[0].file == path.string());
      BOOST_TEST(contains(e.diagnostics()[0].message, "cannot read web config file"));
      BOOST_TEST(contains(e.what(), path.string()));
    }
  }
}

BOOST_AUTO_TEST_CASE(positions_in_a_file_name_the_file) {
  TempDir dir;
  const fs::path path = dir.path / "web.yml";
  write(path, "# comment\nbasic_auth_users:\n  prometheus: nope\n");
  try {
    load_web_config(path.string());
    BOOST_ERROR("accepted");
  } catch (const ConfigError& e) {
    BOOST_TEST(has_error(e.diagnostics(), 3, 15, {"bcrypt"}, path.string()), dump(e.diagnostics()));
  }
}

BOOST_AUTO_TEST_SUITE_END()
