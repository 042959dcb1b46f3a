// Drives the webhook integration through the spool, for tests/integration/test_webhook.sh:
//   alert_webhook_tool CONFIG SPOOL_DIR send N      one notification of N alerts, then deliver
//   alert_webhook_tool CONFIG SPOOL_DIR enqueue N   spool it and exit without delivering ("crash")
//   alert_webhook_tool CONFIG SPOOL_DIR replay      deliver what the spool holds
// CONFIG is a YAML file with one webhook_configs entry under `webhook:` and the spool's
// `deadline:`. Delivery runs until the spool is empty; the counters are printed as name=value.
#include <iostream>
#include <thread>

#include "notify/spool.h"
#include "receivers/webhook/webhook.h"

using namespace hawatch;
using namespace hawatch::alerting;

namespace {

std::vector<Alert> make_alerts(int n, Time now) {
  std::vector<Alert> out;
  for (int i = 0; i < n; ++i) {
    Alert a;
    a.labels = {
        {"alertname", "HostDown"},
        {"instance", "pi" + std::to_string(i)},
        {"odd", std::string("quote\" backslash\\ nl\n tab\t ctl\x01 del\x7f bad\xff\xfe end")},
        {"utf8", "h\xc3\xa4ll\xc3\xb6 \xe2\x9c\x93"}};
    a.annotations = {{"summary", "host " + std::to_string(i) + " is down </script>"}};
    a.starts_at = now - std::chrono::minutes(5);
    a.generator_url = "http://127.0.0.1:9090/graph?g0.expr=up+%3D%3D+0";
    a.updated_at = now;
    if (i % 2 == 1) a.ends_at = now - std::chrono::seconds(1);  // every other one resolved
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: alert_webhook_tool CONFIG SPOOL_DIR send|enqueue N | replay\n";
    return 2;
  }
  const std::string mode = argv[3];
  ConfigContext ctx(argv[1]);
  YAML::Node doc = load_yaml_file(argv[1], ctx);
  WebhookConfig config = read_webhook_config(doc["webhook"], ctx, "webhook");
  MapReader top(doc, ctx, "");
  (void)top.node("webhook");
  const Duration deadline = top.duration("deadline").value_or(std::chrono::seconds(5));
  top.finish();
  if (!ctx.ok()) {
    for (const auto& d : ctx.diagnostics()) std::cerr << d.to_string() << "\n";
    return 1;
  }
  WebhookIntegration webhook(config);
  Spool::Options options;
  options.directory = argv[2];
  options.deadline = deadline;
  options.initial_backoff = std::chrono::milliseconds(200);
  options.max_backoff = std::chrono::milliseconds(800);
  Spool spool(
      options,
      [&](const std::string& r, const std::string& i) -> Integration* {
        return r == "team-x" && i == "webhook/0" ? &webhook : nullptr;
      },
      Clock::now());
  if (mode == "send" || mode == "enqueue") {
    const int n = argc > 4 ? std::stoi(argv[4]) : 1;
    const Time now = Clock::now();
    NotifyContext nc{now,
                     "{}/{team=\"x\"}:{alertname=\"HostDown\"}",
                     {{"alertname", "HostDown"}},
                     "team-x",
                     std::chrono::hours(4),
                     {},
                     {},
                     {},
                     {}};
    std::string key =
        spool.enqueue("team-x", "webhook/0", webhook.render(nc, make_alerts(n, now)), now);
    std::cout << "key=" << key << "\n";
    if (mode == "enqueue") return 0;
  } else if (mode != "replay") {
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  }
  while (auto next = spool.next_due()) {
    std::this_thread::sleep_until(*next);
    spool.deliver_due(Clock::now());
  }
  const SpoolCounters c = spool.totals();
  std::cout << "attempts=" << c.attempts << " delivered=" << c.delivered
            << " failed_attempts=" << c.failed_attempts << " given_up=" << c.given_up << "\n";
  return 0;
}
