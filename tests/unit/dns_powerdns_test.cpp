// The PowerDNS hook's pure parts: the rrset read from a zone's JSON (name case, trailing dots,
// disabled records, other types), the PATCH body, the HTTP status table, and the config reader's
// errors at FILE:LINE:COL. Against a real pdns_server: tests/integration/test_dns_powerdns.sh.
#define BOOST_TEST_MODULE dns_powerdns
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "contains.h"
#include "hooks/powerdns/powerdns_api.h"
#include "hooks/update_reader.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting::failover;
using hawatch::test::contains;

namespace {
const RecordRef kVip{"test.example", "vip.test.example", "A", 30};

std::string errors_of(const std::string& yaml) {
  ConfigContext ctx("hawatch.yml");
  const auto u = read_dns_updater(parse_yaml(yaml, ctx), ctx, "failover[0].update");
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  BOOST_TEST(!u == !all.empty(), yaml);
  return all;
}
}  // namespace

BOOST_AUTO_TEST_CASE(rrset_values_from_a_zone) {
  const std::string zone = R"({"name":"test.example.","rrsets":[
    {"name":"VIP.test.example.","type":"A","ttl":60,"records":[
      {"content":"127.0.0.10","disabled":false},{"content":"127.0.0.11","disabled":true},
      {"content":"127.0.0.12"}]},
    {"name":"vip.test.example.","type":"AAAA","records":[{"content":"::1","disabled":false}]},
    {"name":"other.test.example.","type":"A","records":[{"content":"1.1.1.1"}]},
    {"name":"app.test.example.","type":"CNAME","records":[{"content":"vip.test.example."}]}]})";
  std::string error;
  auto v = rrset_values(zone, kVip, error);
  BOOST_REQUIRE_MESSAGE(v.has_value(), error);
  BOOST_TEST(*v == (std::vector<std::string>{"127.0.0.10", "127.0.0.12"}),
             boost::test_tools::per_element());
  v = rrset_values(zone, {"test.example", "app.test.example", "CNAME", 30}, error);
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(*v == (std::vector<std::string>{"vip.test.example"}),
             boost::test_tools::per_element());
  v = rrset_values(zone, {"test.example", "nope.test.example", "A", 30}, error);
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v->empty());
  for (const char* bad :
       {"", "[]", "{\"rrsets\":3}", "{\"name\":\"x\"}", "{\"rrsets\":[", "nul\0"}) {
    BOOST_TEST(!rrset_values(bad, kVip, error).has_value(), bad);
    BOOST_TEST(!error.empty());
  }
}

BOOST_AUTO_TEST_CASE(patch_body_replaces_one_rrset) {
  Poco::JSON::Parser parser;
  const auto body =
      parser.parse(replace_rrset_body(kVip, "127.0.0.20")).extract<Poco::JSON::Object::Ptr>();
  const auto rrset = body->getArray("rrsets")->getObject(0);
  BOOST_TEST(rrset->getValue<std::string>("name") == "vip.test.example.");
  BOOST_TEST(rrset->getValue<std::string>("type") == "A");
  BOOST_TEST(rrset->getValue<int>("ttl") == 30);
  BOOST_TEST(rrset->getValue<std::string>("changetype") == "REPLACE");
  const auto records = rrset->getArray("records");
  BOOST_TEST(records->size() == 1u);
  BOOST_TEST(records->getObject(0)->getValue<std::string>("content") == "127.0.0.20");
  BOOST_TEST(records->getObject(0)->getValue<bool>("disabled") == false);
  const auto cname = parser.parse(replace_rrset_body({"t", "app.t", "CNAME", 5}, "vip.t"))
                         .extract<Poco::JSON::Object::Ptr>();
  BOOST_TEST(cname->getArray("rrsets")
                 ->getObject(0)
                 ->getArray("records")
                 ->getObject(0)
                 ->getValue<std::string>("content") == "vip.t.");
  // Quotes and control characters are escaped, never spliced into the JSON.
  BOOST_TEST(contains(replace_rrset_body(kVip, "a\"b\n"), "a\\\"b\\n"));
}

BOOST_AUTO_TEST_CASE(http_status_table) {
  BOOST_TEST((result_of_status(200) == UpdateResult::ok));
  BOOST_TEST((result_of_status(204) == UpdateResult::ok));
  BOOST_TEST((result_of_status(401) == UpdateResult::notauth));
  BOOST_TEST((result_of_status(403) == UpdateResult::notauth));
  BOOST_TEST((result_of_status(400) == UpdateResult::refused));
  BOOST_TEST((result_of_status(422) == UpdateResult::refused));
  BOOST_TEST((result_of_status(500) == UpdateResult::servfail));
  BOOST_TEST((result_of_status(503) == UpdateResult::servfail));
  BOOST_TEST((result_of_status(404) == UpdateResult::error));
  BOOST_TEST((result_of_status(302) == UpdateResult::error));
}

BOOST_AUTO_TEST_CASE(config_errors_with_positions) {
  test::TempDir dir;
  const auto key = (dir.path / "api.key").string();
  std::ofstream(key) << "secret-key\n";
  const auto empty = (dir.path / "empty.key").string();
  std::ofstream(empty) << "\n";
  const auto spaced = (dir.path / "spaced.key").string();
  std::ofstream(spaced) << "two words\n";
  const std::string ok =
      "powerdns: { api_url: 'http://127.0.0.1:8081/', api_key_file: '" + key + "'";
  BOOST_TEST(errors_of(ok + " }") == "");
  BOOST_TEST(errors_of(ok + ", server_id: localhost, timeout: 2s, verify_server: '127.0.0.1:53',"
                            " tls_config: { insecure_skip_verify: false } }") == "");
  BOOST_TEST(contains(errors_of("powerdns: { api_key_file: '" + key + "' }"),
                      "hawatch.yml:1:11: failover[0].update.powerdns.api_url is required"));
  BOOST_TEST(contains(errors_of("powerdns: { api_url: 'http://x' }"), "api_key_file is required"));
  BOOST_TEST(contains(errors_of("powerdns: { api_url: 'ftp://x', api_key_file: '" + key + "' }"),
                      "hawatch.yml:1:22: failover[0].update.powerdns.api_url must be an http"));
  BOOST_TEST(contains(errors_of("powerdns:\n  api_url: http://x\n  api_key_file: /nonexistent/k\n"),
                      "hawatch.yml:3:17: failover[0].update.powerdns.api_key_file: "));
  BOOST_TEST(contains(errors_of("powerdns: { api_url: 'http://x', api_key_file: '" + empty + "' }"),
                      "must hold one line of printable text"));
  BOOST_TEST(
      contains(errors_of("powerdns: { api_url: 'http://x', api_key_file: '" + spaced + "' }"),
               "must hold one line of printable text"));
  BOOST_TEST(contains(errors_of(ok + ", server_id: '../x' }"), "server_id must be"));
  BOOST_TEST(contains(errors_of(ok + ", timeout: 0s }"), "must be positive"));
  BOOST_TEST(contains(errors_of(ok + ", verify_server: 'ns1:53' }"), "must be an IP address"));
  BOOST_TEST(contains(errors_of(ok + ", api_key: x }"), "api_key"));
}
