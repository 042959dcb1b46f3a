// The Alertmanager integration without a network: the postable alerts' shape (as Prometheus'
// notifier sends them; endsAt of firing and resolved alerts), valid JSON for odd label bytes, the
// endpoint URL joins with path_prefix, the config reader's errors, and one integration per URL.
// Against a real Alertmanager 0.25: test_alertmanager_forward.sh.
#define BOOST_TEST_MODULE alert_alertmanager
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <boost/test/unit_test.hpp>

#include "contains.h"
#include "receivers/alertmanager/alertmanager.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};  // 2027-01-15T08:00:00Z

NotifyContext context(Duration repeat = 4h) {
  return {t0, "{}:{alertname=\"A\"}", {{"alertname", "A"}}, "am", repeat, {}, {}, {}, {}};
}

std::vector<Alert> two_alerts() {
  Alert firing;
  firing.labels = {{"alertname", "A"}, {"odd", std::string("\x01\xff\"\\\n", 5)}};
  firing.annotations = {{"summary", "s"}};
  firing.starts_at = t0 - 1min;
  firing.generator_url = "http://prom:9090/graph?g0.expr=up";
  Alert resolved;
  resolved.labels = {{"alertname", "A"}, {"instance", "b"}};
  resolved.starts_at = t0 - 2min;
  resolved.ends_at = t0 - 1s;
  return {firing, resolved};
}

std::string join(const std::string& base, const std::string& prefix = "") {
  std::string why;
  const auto url = alerts_endpoint(base, prefix, why);
  return url ? *url : "error: " + why;
}

std::string errors_of(const std::string& yaml) {
  ConfigContext ctx("alerting.yml");
  read_alertmanager_config(parse_yaml(yaml, ctx), ctx, "receivers[0].alertmanager_configs[0]");
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  return all;
}
}  // namespace

BOOST_AUTO_TEST_CASE(postable_alerts_as_prometheus_sends_them) {
  const std::string body = render_postable_alerts(context(), two_alerts());
  Poco::JSON::Parser parser;
  const auto arr = parser.parse(body).extract<Poco::JSON::Array::Ptr>();
  BOOST_REQUIRE(arr->size() == 2u);
  const auto f = arr->getObject(0);
  std::vector<std::string> keys;
  for (const auto& kv : *f) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  BOOST_TEST(keys == (std::vector<std::string>{"annotations", "endsAt", "generatorURL", "labels",
                                               "startsAt"}));
  BOOST_TEST(f->getObject("labels")->getValue<std::string>("alertname") == "A");
  BOOST_TEST(f->getObject("labels")->getValue<std::string>("odd") ==
             std::string("\x01\xef\xbf\xbd\"\\\n"));  // invalid byte as U+FFFD: still valid JSON
  BOOST_TEST(f->getValue<std::string>("startsAt") == "2027-01-15T07:59:00Z");
  // Firing: valid for 4 repeat intervals.
  BOOST_TEST(f->getValue<std::string>("endsAt") == format_rfc3339(t0 + 16h));
  BOOST_TEST(f->getValue<std::string>("generatorURL") == "http://prom:9090/graph?g0.expr=up");
  const auto r = arr->getObject(1);
  BOOST_TEST(r->getValue<std::string>("endsAt") == "2027-01-15T07:59:59Z");  // the resolve time
  BOOST_TEST(!r->has("generatorURL"));
  BOOST_TEST(r->getObject("annotations")->size() == 0u);
  // A short repeat interval still leaves a few minutes.
  BOOST_TEST((firing_valid_until(context(10s)) == t0 + 4min));
  BOOST_TEST(render_postable_alerts(context(), {}) == "[]");
}

BOOST_AUTO_TEST_CASE(endpoint_joins) {
  BOOST_TEST(join("http://127.0.0.1:9093") == "http://127.0.0.1:9093/api/v2/alerts");
  BOOST_TEST(join("http://127.0.0.1:9093/") == "http://127.0.0.1:9093/api/v2/alerts");
  BOOST_TEST(join("http://am:9093/am") == "http://am:9093/am/api/v2/alerts");
  BOOST_TEST(join("http://am:9093/am/", "/x/") == "http://am:9093/am/x/api/v2/alerts");
  BOOST_TEST(join("https://am.example", "alertmanager") ==
             "https://am.example/alertmanager/api/v2/alerts");
  BOOST_TEST(join("http://am:9093", "//a//") == "http://am:9093/a/api/v2/alerts");
  BOOST_TEST(contains(join("ftp://am"), "scheme must be http or https"));
  BOOST_TEST(contains(join("http://am:9093/?x=1"), "no query"));
  BOOST_TEST(contains(join("http://am:9093/#f"), "no query or fragment"));
  BOOST_TEST(contains(join("http://u:p@am:9093"), "basic_auth"));
  BOOST_TEST(contains(join("http://am:9093", "a?b"), "path_prefix may hold only"));
  BOOST_TEST(contains(join("http://am:9093", "a b"), "path_prefix may hold only"));
  BOOST_TEST(contains(join("not a url"), "error: "));
}

BOOST_AUTO_TEST_CASE(config_reader_and_its_errors) {
  ConfigContext ctx("alerting.yml");
  const AlertmanagerConfig c = read_alertmanager_config(
      parse_yaml("{urls: ['http://127.0.0.1:9093', 'http://127.0.0.2:9093/'], timeout: 3s,"
                 " api_version: v2, path_prefix: /am, send_resolved: true,"
                 " tls_config: {insecure_skip_verify: true}}",
                 ctx),
      ctx, "a");
  BOOST_TEST(ctx.ok());
  BOOST_TEST(c.endpoints == (std::vector<std::string>{"http://127.0.0.1:9093/am/api/v2/alerts",
                                                      "http://127.0.0.2:9093/am/api/v2/alerts"}));
  BOOST_TEST(c.timeout.count() == 3000);
  BOOST_TEST(c.tls.insecure_skip_verify);

  BOOST_TEST(contains(errors_of("{timeout: 1s}"),
                      "alerting.yml:1:1: receivers[0].alertmanager_configs[0].urls is required"));
  BOOST_TEST(contains(errors_of("{urls: []}"), "at least one"));
  const std::string bad = errors_of("urls:\n  - http://a:9093\n  - ftp://b\n  - http://a:9093/\n");
  BOOST_TEST(contains(bad,
                      "alerting.yml:3:5: receivers[0].alertmanager_configs[0].urls[1]: bad "
                      "Alertmanager URL: scheme must be http or https"),
             bad);
  BOOST_TEST((contains(bad, "alerting.yml:4:5: ") && contains(bad, "listed twice")), bad);
  BOOST_TEST(contains(errors_of("{urls: [http://a], api_version: v1}"), "api_version"));
  BOOST_TEST(contains(errors_of("{urls: [http://a], send_resolved: false}"), "cannot be false"));
  BOOST_TEST(contains(errors_of("{urls: [http://a], timeout: 0s}"), "timeout must be positive"));
  BOOST_TEST(contains(errors_of("{urls: [http://a], basic_auth: {password_file: /x}}"),
                      "username\" is required"));
  BOOST_TEST(contains(errors_of("{urls: [http://a], static_configs: []}"), "static_configs"));
}

BOOST_AUTO_TEST_CASE(one_integration_per_url) {
  ConfigContext ctx("alerting.yml");
  std::vector<std::shared_ptr<Integration>> list;
  add_alertmanager_integrations(
      parse_yaml("[{urls: ['http://a:9093', 'http://b:9093']}, {urls: ['http://c:9093']}]", ctx),
      ctx, "r.alertmanager_configs", list);
  BOOST_TEST(ctx.ok());
  BOOST_REQUIRE(list.size() == 3u);
  for (const auto& i : list) {
    BOOST_TEST(i->kind() == "alertmanager");
    BOOST_TEST(i->send_resolved());
  }
  BOOST_TEST(dynamic_cast<AlertmanagerIntegration&>(*list[2]).endpoint() ==
             "http://c:9093/api/v2/alerts");
  add_alertmanager_integrations(YAML::Node(), ctx, "r", list);
  BOOST_TEST(list.size() == 3u);
  add_alertmanager_integrations(parse_yaml("{urls: [http://a]}", ctx), ctx, "r", list);
  BOOST_TEST(!ctx.ok());
}

// Nothing listens there: a network error is retried, with the reason in the detail.
BOOST_AUTO_TEST_CASE(unreachable_alertmanager_is_retried) {
  AlertmanagerIntegration am("http://127.0.0.1:1/api/v2/alerts", 2s, {}, {});
  const DeliveryResult r = am.deliver(render_postable_alerts(context(), two_alerts()), "k");
  BOOST_TEST((r.outcome == DeliveryResult::Outcome::retry), r.detail);
  BOOST_TEST(contains(r.detail, "connect"), r.detail);
}
