// The webhook message and its parts without a network: Alertmanager's version 4 shape and field
// order, valid JSON for any label bytes (parsed back with Poco::JSON), max_alerts truncation,
// common labels, the HMAC against a known vector (RFC 4231 case 2), status classification and
// the config reader's errors. Delivery against a real HTTP receiver: test_webhook.sh.
#define BOOST_TEST_MODULE alert_webhook
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <boost/test/unit_test.hpp>

#include "contains.h"
#include "receivers/webhook/webhook.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};

NotifyContext context() {
  return {t0, "{}:{alertname=\"A\"}", {{"alertname", "A"}}, "team.x", 4h, {}, {}, {}, {}};
}

std::vector<Alert> alerts(int n) {
  std::vector<Alert> out;
  for (int i = 0; i < n; ++i) {
    Alert a;
    a.labels = {
        {"alertname", "A"}, {"i", std::to_string(i)}, {"odd", std::string("\x01\xff\"\\\n", 5)}};
    a.annotations = {{"summary", "s"}, {"n", std::to_string(i)}};
    a.starts_at = t0 - 1min;
    if (i == 1) a.ends_at = t0 - 1s;
    out.push_back(a);
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(message_is_alertmanagers_version_4) {
  const std::string body = render_webhook_message(context(), alerts(2), {"http://hawatch:9184", 0});
  // Go's field order.
  const std::vector<std::string> order{"\"receiver\"",     "\"status\"",
                                       "\"alerts\"",       "\"groupLabels\"",
                                       "\"commonLabels\"", "\"commonAnnotations\"",
                                       "\"externalURL\"",  "\"version\"",
                                       "\"groupKey\"",     "\"truncatedAlerts\""};
  std::size_t pos = 0;
  for (const auto& key : order) {
    const std::size_t at = body.find(key + ":", key == "\"status\"" ? 0 : pos);
    BOOST_TEST_REQUIRE(at != std::string::npos, key);
    if (key != "\"status\"") BOOST_TEST(at >= pos, key);
    pos = at;
  }
  Poco::JSON::Parser parser;
  const auto o = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  BOOST_TEST(o->getValue<std::string>("version") == "4");
  BOOST_TEST(o->getValue<std::string>("receiver") == "team\\.x");  // regexp.QuoteMeta, as upstream
  BOOST_TEST(o->getValue<std::string>("status") == "firing");
  BOOST_TEST(o->getValue<std::string>("groupKey") == "{}:{alertname=\"A\"}");
  BOOST_TEST(o->getValue<int>("truncatedAlerts") == 0);
  BOOST_TEST(o->getValue<std::string>("externalURL") == "http://hawatch:9184");
  const auto list = o->getArray("alerts");
  BOOST_REQUIRE(list->size() == 2u);
  const auto a0 = list->getObject(0);
  BOOST_TEST(a0->getValue<std::string>("status") == "firing");
  BOOST_TEST(a0->getValue<std::string>("endsAt") == "0001-01-01T00:00:00Z");
  BOOST_TEST(a0->getValue<std::string>("startsAt") == "2027-01-15T07:59:00Z");
  BOOST_TEST(a0->getValue<std::string>("fingerprint") ==
             format_fingerprint(fingerprint(alerts(1)[0].labels)));
  BOOST_TEST(a0->getObject("labels")->getValue<std::string>("odd") == "\x01\xef\xbf\xbd\"\\\n");
  BOOST_TEST(list->getObject(1)->getValue<std::string>("status") == "resolved");
  const auto common = o->getObject("commonLabels");
  BOOST_TEST(common->has("alertname"));
  BOOST_TEST(!common->has("i"));
  BOOST_TEST(o->getObject("commonAnnotations")->has("summary"));
  BOOST_TEST(!o->getObject("commonAnnotations")->has("n"));
}

BOOST_AUTO_TEST_CASE(max_alerts_truncates_and_says_so) {
  const std::string body = render_webhook_message(context(), alerts(5), {"", 2});
  Poco::JSON::Parser parser;
  const auto o = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  BOOST_TEST(o->getArray("alerts")->size() == 2u);
  BOOST_TEST(o->getValue<int>("truncatedAlerts") == 3);
}

BOOST_AUTO_TEST_CASE(all_resolved_is_resolved) {
  auto as = alerts(2);
  for (auto& a : as) a.ends_at = t0 - 1s;
  const std::string body = render_webhook_message(context(), as, {"", 0});
  BOOST_TEST(contains(body, "\"status\":\"resolved\",\"alerts\""));
}

BOOST_AUTO_TEST_CASE(hmac_matches_rfc4231) {
  BOOST_TEST(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(status_classification) {
  using O = DeliveryResult::Outcome;
  BOOST_TEST((classify_http_status(200) == O::delivered));
  BOOST_TEST((classify_http_status(204) == O::delivered));
  BOOST_TEST((classify_http_status(429) == O::retry));
  BOOST_TEST((classify_http_status(503) == O::retry));
  BOOST_TEST((classify_http_status(400) == O::permanent));
  BOOST_TEST((classify_http_status(301) == O::permanent));
}

BOOST_AUTO_TEST_CASE(config_errors) {
  ConfigContext ctx("alerting.yml");
  YAML::Node n = parse_yaml(R"(url: "ftp://x"
timeout: 0s
headers: {"Bad Header": x, X-Ok: "a"}
hmac_signature_header: "no spaces"
http_config: {tls_config: {insecure_skip_verify: false}, bogus: 1}
)",
                            ctx);
  const WebhookConfig c = read_webhook_config(n, ctx, "receivers[0].webhook_configs[0]");
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  BOOST_TEST(contains(all, "alerting.yml:1:6: \"receivers[0].webhook_configs[0].url\": bad URL"),
             all);
  BOOST_TEST(contains(all, "alerting.yml:2:10: receivers[0].webhook_configs[0].timeout must be"),
             all);
  BOOST_TEST(
      contains(all, "alerting.yml:3:11: receivers[0].webhook_configs[0].headers: \"Bad Header\""),
      all);
  BOOST_TEST(
      contains(all, "alerting.yml:4:24: receivers[0].webhook_configs[0].hmac_signature_header"),
      all);
  BOOST_TEST(contains(all, "unknown key \"receivers[0].webhook_configs[0].http_config.bogus\""),
             all);
  BOOST_TEST(c.headers.at("X-Ok") == "a");
  BOOST_TEST(c.send_resolved);
  BOOST_TEST(!c.tls.insecure_skip_verify);
}

BOOST_AUTO_TEST_CASE(url_or_url_file) {
  ConfigContext ctx("alerting.yml");
  read_webhook_config(parse_yaml("{url: 'http://a/', url_file: /f}", ctx), ctx, "w");
  read_webhook_config(parse_yaml("{send_resolved: false}", ctx), ctx, "v");
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  BOOST_TEST(contains(all, "w: url and url_file are mutually exclusive"), all);
  BOOST_TEST(contains(all, "v: url or url_file is required"), all);
  ConfigContext ok("alerting.yml");
  const WebhookConfig c = read_webhook_config(parse_yaml("{url_file: /run/hook-url}", ok), ok, "u");
  BOOST_TEST(ok.ok());
  BOOST_TEST(c.url_file == "/run/hook-url");
}
