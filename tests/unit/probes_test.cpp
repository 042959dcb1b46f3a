// Pure parts of the probes collector: JSON field checks, HOST:PORT parsing, and config
// validation through the real config path (every error with FILE:LINE:COL).
#define BOOST_TEST_MODULE probes
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "collectors/shared/host_address.h"
#include "collectors/probes/probe_json_check.h"
#include "core/collector_set.h"
#include "core/config.h"

using namespace hawatch;
using namespace hawatch::probe;
using namespace hawatch::net;

namespace {

std::vector<JsonCheckResult> check(const std::vector<std::string>& texts, const std::string& body,
                                   std::string* body_error = nullptr) {
  std::vector<JsonCheck> checks;
  for (const auto& t : texts) {
    std::string why;
    auto c = parse_json_check(t, &why);
    BOOST_TEST_REQUIRE(c.has_value(), t << ": " << why);
    checks.push_back(*c);
  }
  return evaluate_json_checks(checks, body, body_error);
}

bool passes(const std::string& text, const std::string& body) { return check({text}, body).at(0).passed; }

std::string parse_error(const std::string& text) {
  std::string why;
  BOOST_TEST(!parse_json_check(text, &why).has_value(), text << " should not parse");
  return why;
}

// All diagnostics (as "LINE:COL: message") for a config, through parse_config + build_collectors.
std::vector<std::string> config_errors(const std::string& yaml) {
  try {
    const Config cfg = parse_config(yaml, "test.yml");
    (void)build_collectors(cfg, Environment{});
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics())
      out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
    return out;
  }
  return {};
}

bool has_error(const std::vector<std::string>& errors, const std::string& prefix,
               const std::string& fragment) {
  for (const auto& e : errors)
    if (e.rfind(prefix, 0) == 0 && e.find(fragment) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

const std::string kAmslprStatus =
    R"({"available": true, "mock": false, "version": "2.1.0", "config_loaded": true,
        "workers": [{"queue": 3}, {"queue": 12}], "name": "ocr", "ratio": 0.5, "nothing": null})";

}  // namespace

BOOST_AUTO_TEST_SUITE(json_checks)

BOOST_AUTO_TEST_CASE(amslpr_ocr_status) {
  const auto r = check({"available == true", "mock == false"}, kAmslprStatus);
  BOOST_TEST(r.at(0).passed);
  BOOST_TEST(r.at(1).passed);
  const auto mock = check({"available == true", "mock == false"},
                          R"({"available": true, "mock": true})");
  BOOST_TEST(mock.at(0).passed);
  BOOST_TEST(!mock.at(1).passed);
  BOOST_TEST(mock.at(1).detail == "mock == false: actual value is true");
}

BOOST_AUTO_TEST_CASE(typed_comparisons) {
  BOOST_TEST(passes(R"(version == "2.1.0")", kAmslprStatus));
  BOOST_TEST(passes("version != 'x'", kAmslprStatus));
  BOOST_TEST(passes("workers[0].queue < 10", kAmslprStatus));
  BOOST_TEST(!passes("workers[1].queue < 10", kAmslprStatus));
  BOOST_TEST(passes("workers[1].queue >= 12", kAmslprStatus));
  BOOST_TEST(passes("ratio <= 0.5", kAmslprStatus));
  BOOST_TEST(passes("nothing == null", kAmslprStatus));
  BOOST_TEST(passes("name != null", kAmslprStatus));
  // The string "true" is not the boolean true.
  BOOST_TEST(!passes("available == true", R"({"available": "true"})"));
  BOOST_TEST(!passes("available == 1", R"({"available": true})"));
}

BOOST_AUTO_TEST_CASE(missing_fields_and_wrong_shapes_fail_with_reasons) {
  auto r = check({"missing == true"}, kAmslprStatus);
  BOOST_TEST(!r.at(0).passed);
  BOOST_TEST(r.at(0).detail == "missing == true: field missing is missing");
  r = check({"workers[5].queue < 1"}, kAmslprStatus);
  BOOST_TEST(r.at(0).detail == "workers[5].queue < 1: no element workers[5]");
  r = check({"available.x == 1"}, kAmslprStatus);
  BOOST_TEST(r.at(0).detail == "available.x == 1: available is not an object");
  r = check({"a == 1"}, "[1, 2]");
  BOOST_TEST(r.at(0).detail == "a == 1: the document is not an object");
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_json_fail_every_check) {
  for (const std::string body : {"", "{\"available\": true, \"mock\": fals", "<html>login</html>"}) {
    std::string why;
    const auto r = check({"available == true", "mock == false"}, body, &why);
    BOOST_TEST(!r.at(0).passed);
    BOOST_TEST(!r.at(1).passed);
    BOOST_TEST(why.rfind("response is not JSON", 0) == 0, why);
  }
}

BOOST_AUTO_TEST_CASE(bad_check_text_is_rejected_with_a_reason) {
  BOOST_TEST(parse_error("available") .find("no operator") != std::string::npos);
  BOOST_TEST(parse_error("== true").find("bad field path") != std::string::npos);
  BOOST_TEST(parse_error("a..b == 1").find("bad field path") != std::string::npos);
  BOOST_TEST(parse_error("a[x] == 1").find("bad array index") != std::string::npos);
  BOOST_TEST(parse_error("a == yes").find("bad value") != std::string::npos);
  BOOST_TEST(parse_error("a < true").find("needs a number or a string") != std::string::npos);
  BOOST_TEST(parse_error("a == ").find("bad value") != std::string::npos);
  // Operators inside a quoted literal are not operators.
  std::string why;
  auto c = parse_json_check("title == \"a < b\"", &why);
  BOOST_TEST_REQUIRE(c.has_value(), why);
  BOOST_TEST(passes("title == \"a < b\"", R"({"title": "a < b"})"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(host_port)

BOOST_AUTO_TEST_CASE(forms) {
  std::string why;
  auto hp = parse_host_port("192.168.1.20:554", 0, &why);
  BOOST_TEST_REQUIRE(hp.has_value(), why);
  BOOST_TEST(hp->host == "192.168.1.20");
  BOOST_TEST(hp->port == 554);
  hp = parse_host_port("[::1]:5353", 0, &why);
  BOOST_TEST_REQUIRE(hp.has_value(), why);
  BOOST_TEST(hp->host == "::1");
  BOOST_TEST(format_host_port(*hp) == "[::1]:5353");
  hp = parse_host_port("ns1.example", 53, &why);
  BOOST_TEST_REQUIRE(hp.has_value(), why);
  BOOST_TEST(hp->port == 53);
  hp = parse_host_port("fe80::1", 53, &why);
  BOOST_TEST_REQUIRE(hp.has_value(), why);
  BOOST_TEST(hp->host == "fe80::1");
}

BOOST_AUTO_TEST_CASE(rejects) {
  for (const std::string bad : {"camera", "camera:", "camera:0", "camera:65536", "camera:55x", "[::1",
                                "[::1]x", ":554", "a b:1"}) {
    std::string why;
    BOOST_TEST(!parse_host_port(bad, 0, &why).has_value(), bad);
    BOOST_TEST(!why.empty(), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(a_good_config_builds_one_unit_per_probe) {
  const Config cfg = parse_config(R"(
collectors:
  probes:
    - { name: app, http: { url: "http://127.0.0.1:5000/health" } }
    - name: ocr
      interval: 30s
      timeout: 3s
      http:
        url: http://127.0.0.1:5000/ocr/api/status
        json_checks: ["available == true", "mock == false"]
    - { name: camera, tcp: { address: "192.168.1.20:554", send: "OPTIONS * RTSP/1.0\r\n\r\n", expect: "^RTSP/1.0 200" } }
    - { name: gw, icmp: { host: 192.168.1.1 } }
    - { name: vip, dns: { server: "127.0.0.1:5353", name: vip.test.example, type: A } }
    - { name: backup-node, peer: { url: "http://10.0.0.2:9847" } }
  backups:
    - { name: db, path_glob: "/mnt/backup/amslpr/amslpr_*.db.gz", max_age: 26h, verify_sqlite: true }
)",
                                  "good.yml");
  const auto units = build_collectors(cfg, Environment{});
  std::vector<std::string> names;
  for (const auto& u : units) names.push_back(u.name);
  const std::vector<std::string> expected{"backups/db",   "probes/app", "probes/ocr",        "probes/camera",
                                          "probes/gw",    "probes/vip", "probes/backup-node"};
  for (const auto& e : expected)
    BOOST_TEST((std::find(names.begin(), names.end(), e) != names.end()), e << " scheduled");
  for (const auto& u : units) {
    if (u.name == "probes/ocr") {
      BOOST_TEST(u.interval.count() == 30000);
      BOOST_TEST(u.timeout.count() == 3000);
    }
    if (u.name == "probes/app") {
      BOOST_TEST(u.interval.count() == 10000);  // the HA heartbeat's 10 s
      BOOST_TEST(u.timeout.count() == 5000);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_mistake_is_reported_with_its_position) {
  const auto errors = config_errors(R"(collectors:
  probes:
    - { name: a, http: { url: "http://x/", methd: GET } }
    - { name: a, http: { url: "ftp://x/" } }
    - { name: c, http: { url: "http://x/", body_regex: "(" } }
    - { name: d, interval: 10 , http: { url: "http://x/" } }
    - { name: e }
    - { name: f, http: { url: "http://x/" }, tcp: { address: "x:1" } }
    - { name: g, tcp: { address: "camera" } }
    - { name: h, http: { url: "http://x/", json_checks: ["available"] } }
    - { name: i, dns: { server: "127.0.0.1:5353", name: x.example, type: NOPE } }
    - { name: j, icmp: {} }
    - { name: "bad name", peer: { url: "http://x:9847" } }
    - { http: { url: "http://x/" } }
    - { name: k, interval: 2s, timeout: 5s, http: { url: "http://x/" } }
    - { name: l, http: { url: "http://x/", valid_status_codes: [200, 999] } }
)");
  BOOST_TEST_INFO(joined(errors));
  BOOST_TEST(has_error(errors, "3:44:", "unknown key \"collectors.probes[0].http.methd\""));
  BOOST_TEST(has_error(errors, "4:15:", "duplicate probe name \"a\""));
  BOOST_TEST(has_error(errors, "4:31:", "bad URL \"ftp://x/\""));
  BOOST_TEST(has_error(errors, "5:56:", "bad regular expression"));
  BOOST_TEST(has_error(errors, "6:28:", "collectors.probes[3].interval"));
  BOOST_TEST(has_error(errors, "7:7:", "needs one probe kind: dns, http, icmp, peer, tcp"));
  BOOST_TEST(has_error(errors, "8:51:", "two probe kinds (http and tcp)"));
  BOOST_TEST(has_error(errors, "9:34:", "needs a port"));
  BOOST_TEST(has_error(errors, "10:58:", "has no operator"));
  BOOST_TEST(has_error(errors, "11:74:", "unknown record type \"NOPE\""));
  BOOST_TEST(has_error(errors, "12:24:", "\"collectors.probes[9].icmp.host\" is required"));
  BOOST_TEST(has_error(errors, "13:15:", "may only contain"));
  BOOST_TEST(has_error(errors, "14:7:", "\"collectors.probes[11].name\" is required"));
  BOOST_TEST(has_error(errors, "15:41:", "longer than its interval"));
  BOOST_TEST(has_error(errors, "16:70:", "not an HTTP status code"));
  BOOST_TEST(errors.size() == 15u);
}

BOOST_AUTO_TEST_CASE(sections_of_the_wrong_shape) {
  auto errors = config_errors("collectors:\n  probes:\n    app: { http: { url: \"http://x/\" } }\n");
  BOOST_TEST_INFO(joined(errors));
  BOOST_TEST(has_error(errors, "3:5:", "must be a list of probes"));
  errors = config_errors("collectors:\n  backups:\n    - { name: db, path_glob: relative/*.gz, max_age: 1d }\n"
                         "    - { name: db, path_glob: /b/*.gz, max_age: soon }\n    - { name: x }\n");
  BOOST_TEST_INFO(joined(errors));
  BOOST_TEST(has_error(errors, "3:30:", "must be an absolute path"));
  BOOST_TEST_INFO(joined(errors));
  BOOST_TEST(has_error(errors, "4:15:", "duplicate backup name \"db\""));
  BOOST_TEST(has_error(errors, "4:48:", "collectors.backups[1].max_age"));
  BOOST_TEST(has_error(errors, "5:7:", "\"collectors.backups[2].path_glob\" is required"));
  BOOST_TEST(has_error(errors, "5:7:", "\"collectors.backups[2].max_age\" is required"));
}

BOOST_AUTO_TEST_SUITE_END()
