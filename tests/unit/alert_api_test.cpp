// Alertmanager API v2 bodies: posted alerts get Alertmanager's defaults (startsAt now, endsAt
// now + resolve_timeout marked as a timeout) and are rejected one by one with a reason; RFC 3339
// with offsets and fractions; silences parse from postableSilence and print as gettableSilences.
#define BOOST_TEST_MODULE alert_api
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <boost/test/unit_test.hpp>

#include "api/api_v2.h"
#include "contains.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};
}

BOOST_AUTO_TEST_CASE(rfc3339_parses_as_go) {
  BOOST_TEST((parse_rfc3339("2027-01-15T08:00:00Z") == t0));
  BOOST_TEST((parse_rfc3339("2027-01-15T09:30:00+01:30") == t0));
  BOOST_TEST((parse_rfc3339("2027-01-15T08:00:00.25Z") == t0 + 250ms));
  BOOST_TEST((parse_rfc3339(format_rfc3339(t0 + 123456789ns)) == t0 + 123456789ns));
  for (const char* bad :
       {"", "2027-01-15", "2027-01-15T08:00:00", "2027-13-15T08:00:00Z", "2027-01-15T08:00:00.Z",
        "2027-01-15T08:00:00Zx", "2027-01-15 08:00:00Z"}) {
    BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(posted_alerts_get_alertmanagers_defaults) {
  const PostedAlerts p = parse_postable_alerts(R"([
    {"labels": {"alertname": "A", "instance": "pi1"}, "annotations": {"summary": "s"},
     "generatorURL": "http://prom/graph"},
    {"labels": {"alertname": "B"}, "startsAt": "2027-01-15T07:00:00Z",
     "endsAt": "2027-01-15T07:30:00Z"},
    {"labels": {}},
    {"labels": {"1bad": "x"}},
    {"labels": {"a": "b"}, "startsAt": "2027-01-15T08:00:00Z", "endsAt": "2027-01-15T07:00:00Z"},
    {"labels": {"a": "b"}, "startsAt": "yesterday"},
    {"labels": {"a": "b"}, "endsAt": "0001-01-01T00:00:00Z"}
  ])",
                                               t0, 5min);
  BOOST_REQUIRE(p.alerts.size() == 3u);
  const Alert& a = p.alerts[0];
  BOOST_TEST((a.starts_at == t0));
  BOOST_TEST((a.ends_at == t0 + 5min));
  BOOST_TEST(a.timeout);
  BOOST_TEST((a.updated_at == t0));
  BOOST_TEST(a.generator_url == "http://prom/graph");
  BOOST_TEST(a.annotations.at("summary") == "s");
  BOOST_TEST(!p.alerts[1].timeout);
  BOOST_TEST(p.alerts[1].resolved_at(t0));
  BOOST_TEST(p.alerts[2].timeout);  // Go's zero endsAt is "unset"
  std::string all;
  for (const auto& e : p.errors) all += e + "\n";
  BOOST_TEST(p.errors.size() == 4u, all);
  BOOST_TEST(contains(all, "alert 2: at least one label pair required"), all);
  BOOST_TEST(contains(all, "alert 3: invalid label name \"1bad\""), all);
  BOOST_TEST(contains(all, "alert 4: end time must not be before start time"), all);
  BOOST_TEST(contains(all, "alert 5: startsAt \"yesterday\" is not an RFC 3339 time"), all);
  BOOST_CHECK_THROW(parse_postable_alerts("{\"labels\":{}}", t0, 5min), ApiError);
  BOOST_CHECK_THROW(parse_postable_alerts("[", t0, 5min), ApiError);
}

BOOST_AUTO_TEST_CASE(silences_in_and_out) {
  Silence s = parse_postable_silence(R"({"matchers": [
      {"name": "job", "value": "node", "isRegex": false},
      {"name": "instance", "value": "pi.*", "isRegex": true, "isEqual": false}],
    "startsAt": "2027-01-15T08:00:00Z", "endsAt": "2027-01-15T10:00:00Z",
    "createdBy": "ops", "comment": "upgrade"})");
  BOOST_REQUIRE(s.matchers.size() == 2u);
  BOOST_TEST((s.matchers[0].type() == MatchType::equal));
  BOOST_TEST((s.matchers[1].type() == MatchType::not_regex));
  BOOST_TEST((s.ends_at == t0 + 2h));
  s.id = "abc";
  s.updated_at = t0;
  const std::string out = encode_gettable_silences({s}, t0 + 1h);
  Poco::JSON::Parser parser;
  const auto list = parser.parse(out).extract<Poco::JSON::Array::Ptr>();
  const auto o = list->getObject(0);
  BOOST_TEST(o->getValue<std::string>("id") == "abc");
  BOOST_TEST(o->getObject("status")->getValue<std::string>("state") == "active");
  BOOST_TEST(o->getArray("matchers")->getObject(1)->getValue<bool>("isRegex"));
  BOOST_TEST(!o->getArray("matchers")->getObject(1)->getValue<bool>("isEqual"));
  BOOST_TEST(o->getValue<std::string>("endsAt") == "2027-01-15T10:00:00Z");
  BOOST_CHECK_THROW(parse_postable_silence(R"({"matchers": [{"name": "a", "value": "(",
      "isRegex": true}], "startsAt": "2027-01-15T08:00:00Z", "endsAt": "2027-01-15T09:00:00Z"})"),
                    ApiError);
  BOOST_CHECK_THROW(parse_postable_silence(R"({"matchers": []})"), ApiError);
}
