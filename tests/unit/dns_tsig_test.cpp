// TSIG keys and signatures: BIND key files as tsig-keygen writes them (every algorithm, comments,
// several keys), each malformed file rejected with FILE:LINE, the bounds; RFC 8945 signatures
// checked against a MAC computed independently, a signed response verified, and every way a
// response can be tampered with rejected; the rfc2136 block's config errors at FILE:LINE:COL.
#define BOOST_TEST_MODULE dns_tsig
#include <openssl/hmac.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "contains.h"
#include "hooks/rfc2136/dns_message.h"
#include "hooks/tsig/tsig.h"
#include "hooks/update_reader.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting::failover;
using hawatch::test::contains;

namespace {
const char* kKeygenOutput =
    "key \"ddns-key\" {\n"
    "\talgorithm hmac-sha256;\n"
    "\tsecret \"x/ToE1pzq8Nq/hrBjThoLOrIFf2XJlCYJzwZGnlwafM=\";\n"
    "};\n";

std::string parse_error(const std::string& text) {
  std::string error;
  const auto keys = parse_tsig_key_file(text, "k.key", error);
  BOOST_TEST(!keys.has_value(), text);
  return error;
}

std::vector<std::uint8_t> message() {
  std::string error;
  auto m = build_cas_update({"test.example", "vip.test.example", "A", 30}, "127.0.0.10",
                            "127.0.0.20", 0x1234, error);
  BOOST_REQUIRE_MESSAGE(m.has_value(), error);
  return *m;
}

TsigKey key(TsigAlgorithm a = TsigAlgorithm::hmac_sha256) {
  return {"ddns-key.", a, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
}

void put_wire_name(std::vector<std::uint8_t>& out, const std::string& name) {
  std::size_t start = 0;
  while (start < name.size()) {
    const std::size_t dot = name.find('.', start);
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
}

void put_u16(std::vector<std::uint8_t>& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

const EVP_MD* md_of(TsigAlgorithm a) {
  const EVP_MD* md[] = {EVP_md5(),    EVP_sha1(),   EVP_sha224(),
                        EVP_sha256(), EVP_sha384(), EVP_sha512()};
  return md[static_cast<int>(a)];
}

// The TSIG variables (RFC 8945 4.3.3) for key `k` at `t` with error 0 and no other data.
std::vector<std::uint8_t> variables(const TsigKey& k, std::uint64_t t) {
  std::vector<std::uint8_t> v;
  put_wire_name(v, k.name);
  for (int b : {0, 255, 0, 0, 0, 0}) v.push_back(static_cast<std::uint8_t>(b));
  put_wire_name(v, std::string(tsig_algorithm_wire_name(k.algorithm)));
  for (int s = 40; s >= 0; s -= 8) v.push_back(static_cast<std::uint8_t>(t >> s));
  for (int b : {1, 44, 0, 0, 0, 0}) v.push_back(static_cast<std::uint8_t>(b));
  return v;
}

std::vector<std::uint8_t> hmac_of(const TsigKey& k, const std::vector<std::uint8_t>& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(md_of(k.algorithm), k.secret.data(), static_cast<int>(k.secret.size()), data.data(),
       data.size(), out, &n);
  return {out, out + n};
}

// A server's signed response to `request`, computed here from RFC 8945 4.3.1 independently of
// tsig.cpp: MAC over request MAC, the unsigned response and the TSIG variables.
std::vector<std::uint8_t> signed_response(std::vector<std::uint8_t> request,
                                          const std::vector<std::uint8_t>& request_mac,
                                          const TsigKey& k, std::uint64_t now) {
  std::string error;
  const auto tsig = find_tsig_record(request, error);
  BOOST_REQUIRE(tsig.has_value());
  std::vector<std::uint8_t> response(request.begin(),
                                     request.begin() + static_cast<long>(tsig->offset));
  response[2] |= 0x80;  // QR
  response[11] = 0;     // ARCOUNT: no additional records besides the TSIG
  std::vector<std::uint8_t> data;
  put_u16(data, static_cast<unsigned>(request_mac.size()));
  data.insert(data.end(), request_mac.begin(), request_mac.end());
  data.insert(data.end(), response.begin(), response.end());
  const auto vars = variables(k, now);
  data.insert(data.end(), vars.begin(), vars.end());
  const auto mac = hmac_of(k, data);
  std::vector<std::uint8_t> rdata;
  put_wire_name(rdata, std::string(tsig_algorithm_wire_name(k.algorithm)));
  for (int s = 40; s >= 0; s -= 8) rdata.push_back(static_cast<std::uint8_t>(now >> s));
  put_u16(rdata, 300);
  put_u16(rdata, static_cast<unsigned>(mac.size()));
  rdata.insert(rdata.end(), mac.begin(), mac.end());
  put_u16(rdata, static_cast<unsigned>(response[0] << 8 | response[1]));
  put_u16(rdata, 0);
  put_u16(rdata, 0);
  put_wire_name(response, k.name);
  put_u16(response, 250);
  put_u16(response, 255);
  for (int b = 0; b < 4; ++b) response.push_back(0);
  put_u16(response, static_cast<unsigned>(rdata.size()));
  response.insert(response.end(), rdata.begin(), rdata.end());
  response[11] = 1;
  return response;
}
}  // namespace

BOOST_AUTO_TEST_CASE(reads_tsig_keygen_output_for_every_algorithm) {
  std::string error;
  const auto keys = parse_tsig_key_file(kKeygenOutput, "k.key", error);
  BOOST_REQUIRE_MESSAGE(keys.has_value(), error);
  BOOST_REQUIRE(keys->size() == 1u);
  BOOST_TEST(keys->front().name == "ddns-key.");
  BOOST_TEST((keys->front().algorithm == TsigAlgorithm::hmac_sha256));
  BOOST_TEST(keys->front().secret.size() == 32u);
  for (const char* a :
       {"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"}) {
    const std::string text =
        std::string("# comment\nkey Key-") + a + " { // why\n algorithm " + a +
        "; /* multi\nline */ secret \"AAECAwQ=\"; };\nkey \"second\" { secret \"AA==\"; "
        "algorithm hmac-sha1; };";
    const auto k = parse_tsig_key_file(text, "k.key", error);
    BOOST_REQUIRE_MESSAGE(k.has_value(), error);
    BOOST_TEST(k->size() == 2u);
    BOOST_TEST(k->front().name == std::string("key-") + a + ".");
    BOOST_TEST(tsig_algorithm_name(k->front().algorithm) == a);
    BOOST_TEST(k->front().secret == (std::vector<std::uint8_t>{0, 1, 2, 3, 4}));
    BOOST_TEST(k->back().secret == (std::vector<std::uint8_t>{0}));
  }
}

BOOST_AUTO_TEST_CASE(malformed_key_files_name_file_and_line) {
  BOOST_TEST(contains(parse_error(""), "k.key:1: no key statement"));
  BOOST_TEST(contains(parse_error("\n\nzone \"x\" {};"), "k.key:3: expected a key statement"));
  BOOST_TEST(contains(parse_error("key \"k\" {\n algorithm hmac-sha999;\n secret \"AA==\";\n};"),
                      "k.key:2: unknown algorithm \"hmac-sha999\""));
  BOOST_TEST(contains(parse_error("key \"k\" {\n algorithm hmac-sha1;\n};"),
                      "k.key:1: key \"k\" has no secret"));
  BOOST_TEST(contains(parse_error("key \"k\" {\n secret \"AA==\";\n};"), "has no algorithm"));
  BOOST_TEST(contains(parse_error("key k { algorithm hmac-sha1;\n secret \"A===\"; };"),
                      "k.key:2: the secret is not valid base64"));
  BOOST_TEST(contains(parse_error("key k { algorithm hmac-sha1; secret \"AA=A\"; };"),
                      "not valid base64"));
  BOOST_TEST(contains(parse_error("key k { algorithm hmac-sha1; secret \"A*==\"; };"),
                      "not valid base64"));
  BOOST_TEST(
      contains(parse_error("key k { algorithm hmac-sha1; secret AA==; };"), "quoted base64"));
  BOOST_TEST(contains(parse_error("key k { algorithm hmac-sha1; secret \"AA==\"; }"),
                      "';' after the key statement"));
  BOOST_TEST(
      contains(parse_error("key k { algorithm hmac-sha1 secret \"AA==\"; };"), "expected ';'"));
  BOOST_TEST(contains(parse_error("key k { algorithm hmac-sha1; algorithm hmac-sha1; };"),
                      "algorithm given twice"));
  BOOST_TEST(contains(parse_error("key k { owner x; };"), "unknown clause \"owner\""));
  BOOST_TEST(contains(parse_error("key \"k\n\" {};"), "k.key:1: string not closed on its line"));
  BOOST_TEST(contains(parse_error("key k {\n/* never closed"), "k.key:2: comment not closed"));
  BOOST_TEST(contains(parse_error("key \"a b\" {};"), "not a valid key name"));
  BOOST_TEST(contains(parse_error("key k { algorithm hmac-sha1; secret \"AA==\"; };\n"
                                  "key K { algorithm hmac-sha1; secret \"AA==\"; };"),
                      "k.key:2: key \"k.\" twice"));
  BOOST_TEST(contains(parse_error(std::string("key k \x01")), "unexpected character byte 1"));
  BOOST_TEST(contains(parse_error(std::string(kMaxKeyFileBytes + 1, ' ')), "larger than"));
  std::string many;
  for (std::size_t i = 0; i <= kMaxKeysPerFile; ++i)
    many += "key k" + std::to_string(i) + " { algorithm hmac-sha1; secret \"AA==\"; };\n";
  BOOST_TEST(contains(parse_error(many), "more than 64 keys"));
  BOOST_TEST(contains(parse_error("key k { algorithm hmac-sha1; secret \"" +
                                  std::string(2 * kMaxSecretBytes + 4, 'A') + "\"; };"),
                      "too long"));
}

BOOST_AUTO_TEST_CASE(picks_a_key_from_a_file) {
  test::TempDir dir;
  const auto path = (dir.path / "keys").string();
  std::ofstream(path) << kKeygenOutput << "key other { algorithm hmac-sha512; secret \"AA==\"; };";
  std::string error;
  BOOST_TEST(!read_tsig_key(path, "", error).has_value());
  BOOST_TEST(contains(error, "holds 2 keys; say which one with tsig_key_name"), error);
  const auto k = read_tsig_key(path, "OTHER", error);
  BOOST_REQUIRE_MESSAGE(k.has_value(), error);
  BOOST_TEST((k->algorithm == TsigAlgorithm::hmac_sha512));
  BOOST_TEST(!read_tsig_key(path, "third", error).has_value());
  BOOST_TEST(contains(error, "has no key \"third\""), error);
  BOOST_TEST(!read_tsig_key((dir.path / "absent").string(), "", error).has_value());
  BOOST_TEST(contains(error, "absent: "), error);
  BOOST_TEST(!read_tsig_key(dir.path.string(), "", error).has_value());  // a directory
}

BOOST_AUTO_TEST_CASE(request_mac_is_rfc8945s) {
  for (auto a :
       {TsigAlgorithm::hmac_md5, TsigAlgorithm::hmac_sha1, TsigAlgorithm::hmac_sha224,
        TsigAlgorithm::hmac_sha256, TsigAlgorithm::hmac_sha384, TsigAlgorithm::hmac_sha512}) {
    const TsigKey k = key(a);
    const auto original = message();
    auto signed_msg = original;
    const auto mac = tsig_sign(signed_msg, k, 1'800'000'000);
    std::string error;
    const auto tsig = find_tsig_record(signed_msg, error);
    BOOST_REQUIRE_MESSAGE(tsig.has_value(), error);
    BOOST_TEST(tsig->key_name == "ddns-key.");
    BOOST_TEST(tsig->algorithm == std::string(tsig_algorithm_wire_name(a)));
    BOOST_TEST(tsig->time_signed == 1'800'000'000u);
    BOOST_TEST(tsig->fudge == 300);
    BOOST_TEST(tsig->original_id == 0x1234);
    BOOST_TEST(tsig->mac == mac);
    // The MAC computed from the RFC's layout here: the message, then the TSIG variables.
    std::vector<std::uint8_t> data = original;
    const auto vars = variables(k, 1'800'000'000);
    data.insert(data.end(), vars.begin(), vars.end());
    BOOST_TEST(mac == hmac_of(k, data));
  }
}

BOOST_AUTO_TEST_CASE(responses_verify_and_tampering_is_caught) {
  const TsigKey k = key();
  auto request = message();
  const auto request_mac = tsig_sign(request, k, 1'800'000'000);
  const auto response = signed_response(request, request_mac, k, 1'800'000'001);
  auto check = tsig_verify_response(response, k, request_mac, 1'800'000'002);
  BOOST_TEST((check.verdict == TsigVerdict::valid), check.detail);

  BOOST_TEST((tsig_verify_response(response, k, request_mac, 1'800'000'400).verdict ==
              TsigVerdict::invalid));  // outside the fudge
  auto other = k;
  other.secret[0] ^= 1;
  BOOST_TEST((tsig_verify_response(response, other, request_mac, 1'800'000'002).verdict ==
              TsigVerdict::invalid));
  auto wrong_mac = request_mac;
  wrong_mac[0] ^= 1;
  BOOST_TEST((tsig_verify_response(response, k, wrong_mac, 1'800'000'002).verdict ==
              TsigVerdict::invalid));  // an answer to some other request
  // Every byte but the ID (which the MAC does not cover: RFC 8945 replaces it by the original
  // ID; the transport matches it against the request).
  for (std::size_t i = 2; i < response.size(); ++i) {
    auto tampered = response;
    tampered[i] ^= 0x20;
    const auto v = tsig_verify_response(tampered, k, request_mac, 1'800'000'002).verdict;
    // Flipping the case of a letter in the key or algorithm name is no change (names compare
    // case-insensitively); every other byte must break the signature.
    if (v == TsigVerdict::valid) {
      BOOST_TEST(std::isalpha(response[i]), "byte " << i << " changed and still verifies");
    }
  }
  auto unsigned_response = response;
  std::string error;
  unsigned_response.resize(find_tsig_record(response, error)->offset);
  unsigned_response[11] = 0;
  BOOST_TEST((tsig_verify_response(unsigned_response, k, request_mac, 1'800'000'002).verdict ==
              TsigVerdict::unsigned_msg));
  for (std::size_t cut = 0; cut < response.size(); ++cut) {
    const std::vector<std::uint8_t> part(response.begin(),
                                         response.begin() + static_cast<long>(cut));
    BOOST_TEST(
        (tsig_verify_response(part, k, request_mac, 1'800'000'002).verdict != TsigVerdict::valid));
  }
}

BOOST_AUTO_TEST_CASE(rfc2136_config_errors_with_positions) {
  test::TempDir dir;
  const auto keyfile = (dir.path / "ddns.key").string();
  std::ofstream(keyfile) << kKeygenOutput;
  std::ofstream(dir.path / "bad.key") << "key k {\n algorithm md4;\n};\n";
  const auto errors = [](const std::string& yaml) {
    ConfigContext ctx("hawatch.yml");
    const auto u = read_dns_updater(parse_yaml(yaml, ctx), ctx, "failover[0].update");
    std::string all;
    for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
    BOOST_TEST(!u == !all.empty(), yaml);
    return all;
  };
  BOOST_TEST(errors("rfc2136: { server: '127.0.0.1:53', tsig_key_file: '" + keyfile +
                    "', timeout: 2s }") == "");
  BOOST_TEST(errors("rfc2136: { server: '[::1]:5353' }") == "");
  BOOST_TEST(errors("rfc2136: { server: 192.0.2.1 }") == "");
  BOOST_TEST(contains(errors("rfc2136: {}"),
                      "hawatch.yml:1:10: failover[0].update.rfc2136.server is required"),
             errors("rfc2136: {}"));
  BOOST_TEST(
      contains(errors("rfc2136: { server: ns1.example.com:53 }"),
               "hawatch.yml:1:20: failover[0].update.rfc2136.server: \"ns1.example.com:53\": "
               "the server must be an IP address"));
  BOOST_TEST(contains(errors("rfc2136: { server: '127.0.0.1:0' }"), "port must be 1-65535"));
  BOOST_TEST(contains(errors("rfc2136: { server: '[::1' }"), "'[' without ']'"));
  BOOST_TEST(contains(errors("rfc2136:\n  server: 127.0.0.1\n  tsig_key_file: '" +
                             (dir.path / "bad.key").string() + "'\n"),
                      "hawatch.yml:3:18: failover[0].update.rfc2136.tsig_key_file: " +
                          (dir.path / "bad.key").string() + ":2: unknown algorithm \"md4\""));
  BOOST_TEST(contains(errors("rfc2136: { server: 127.0.0.1, tsig_key_name: k }"),
                      "tsig_key_name needs tsig_key_file"));
  BOOST_TEST(contains(errors("rfc2136: { server: 127.0.0.1, timeout: 2m }"), "at most 1m"));
  BOOST_TEST(contains(errors("rfc2136: { server: 127.0.0.1, tsig_secret: x }"), "tsig_secret"));
  BOOST_TEST(contains(errors("rfc2136: { server: 127.0.0.1 }\nexec: { command: [/bin/true] }"),
                      "needs exactly one of rfc2136"));
}

BOOST_AUTO_TEST_CASE(values_cannot_smuggle_rdata) {
  std::string error;
  const RecordRef r{"test.example", "vip.test.example", "A", 30};
  for (const char* bad : {"127.0.0.1 127.0.0.2", "127.0.0.1;", "1.2.3.4\nvip 60 IN A 6.6.6.6", "",
                          "not-an-address", "1.2.3.4 ; comment"}) {
    BOOST_TEST(!build_cas_update(r, "127.0.0.1", bad, 1, error).has_value(), bad);
    BOOST_TEST(!build_cas_update(r, bad, "127.0.0.1", 1, error).has_value(), bad);
  }
  const RecordRef cname{"test.example", "app.test.example", "CNAME", 30};
  BOOST_TEST(build_cas_update(cname, "a.test.example", "b.test.example", 1, error).has_value(),
             error);
  BOOST_TEST(!build_cas_update(cname, "a.test.example", "b.test.example. IN A 1.2.3.4", 1, error));
  const RecordRef v6{"test.example", "vip.test.example", "AAAA", 30};
  BOOST_TEST(build_cas_update(v6, "2001:db8::1", "2001:db8::2", 1, error).has_value(), error);
  BOOST_TEST(!build_cas_update(v6, "2001:db8::1", "127.0.0.1", 1, error).has_value());
}
