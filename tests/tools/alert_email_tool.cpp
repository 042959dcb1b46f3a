// Drives the email integration through the spool, for tests/integration/test_email.sh:
//   alert_email_tool CONFIG SPOOL_DIR render N     print the message render() makes
//   alert_email_tool CONFIG SPOOL_DIR send N       one notification of N alerts, then deliver
//   alert_email_tool CONFIG SPOOL_DIR enqueue N    spool it and exit without delivering
//   alert_email_tool CONFIG SPOOL_DIR replay       deliver what the spool holds
//   alert_email_tool CONFIG SPOOL_DIR bench N      N deliver() calls in a row: latency in ms
// CONFIG is a YAML file with one email_configs entry under `email:`, the spool's `deadline:`
// and the `group_by:` labels. Alerts are ReplicationLag on amslpr-backup, with hostile label and
// annotation values (markup, quotes, CR/LF with header lines); with HUGE=BYTES in the
// environment, the hostile label and the description are that long (non-ASCII, CR/LF inside).
// The counters print as name=value.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "notify/spool.h"
#include "receivers/email/email.h"

using namespace hawatch;
using namespace hawatch::alerting;

namespace {

// BYTES of text with CR/LF, header-looking lines and multi-byte characters throughout.
std::string huge_value(std::size_t bytes) {
  const std::string piece = "\xe2\x9c\x93 h\xc3\xa4ll\xc3\xb6\r\nBcc: victim@evil.test\r\n";
  std::string out;
  while (out.size() + piece.size() <= bytes) out += piece;
  return out;
}

std::vector<Alert> make_alerts(int n, Time now) {
  const char* huge = std::getenv("HUGE");
  std::vector<Alert> out;
  for (int i = 0; i < n; ++i) {
    Alert a;
    a.labels = {{"alertname", "ReplicationLag"},
                {"instance", "amslpr-backup"},
                {"replica", "standby" + std::to_string(i)},
                {"severity", "warning"},
                {"evil", "<script>alert(1)</script> \"q\" 'a' & \r\nBcc: victim@evil.test"},
                {"utf8", "h\xc3\xa4ll\xc3\xb6 \xe2\x9c\x93 bad\xff"}};
    a.annotations = {{"summary", "replica standby" + std::to_string(i) +
                                     " lags </td><img src=x onerror=alert(2)>"},
                     {"description", "line one\r\nSubject: injected\r\n\r\n.\r\nQUIT\r\n"}};
    if (huge) {
      a.labels["evil"] = huge_value(std::stoul(huge));
      a.annotations["description"] = huge_value(std::stoul(huge));
    }
    a.starts_at = now - std::chrono::minutes(5);
    a.generator_url = i == 0 ? "javascript:alert(3)" : "http://127.0.0.1:9090/graph?g0.expr=lag";
    a.updated_at = now;
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: alert_email_tool CONFIG SPOOL_DIR render|send|enqueue|bench N | replay\n";
    return 2;
  }
  const std::string mode = argv[3];
  const int n = argc > 4 ? std::stoi(argv[4]) : 1;
  ConfigContext ctx(argv[1]);
  YAML::Node doc = load_yaml_file(argv[1], ctx);
  std::shared_ptr<Integration> email =
      make_email(doc["email"], ctx, "email", "http://hawatch.example:9184");
  MapReader top(doc, ctx, "");
  (void)top.node("email");
  const Duration deadline = top.duration("deadline").value_or(std::chrono::seconds(5));
  const auto group_by =
      top.string_list("group_by").value_or(std::vector<std::string>{"alertname", "instance"});
  top.finish();
  if (!ctx.ok()) {
    for (const auto& d : ctx.diagnostics()) std::cerr << d.to_string() << "\n";
    return 1;
  }
  const Time now = Clock::now();
  const std::vector<Alert> alerts = make_alerts(n, now);
  NotifyContext nc;
  nc.now = now;
  nc.receiver = "admin";
  nc.group_key = "{}:{alertname=\"ReplicationLag\"}";
  for (const auto& name : group_by)
    if (auto it = alerts.front().labels.find(name); it != alerts.front().labels.end())
      nc.group_labels.emplace(name, it->second);
  if (mode == "render") {
    std::cout << email->render(nc, alerts);
    return 0;
  }
  if (mode == "bench") {
    const std::string body = email->render(nc, alerts);
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      DeliveryResult r = email->deliver(body, "bench-" + std::to_string(i));
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (r.outcome != DeliveryResult::Outcome::delivered) {
        std::cerr << "attempt " << i << ": " << r.detail << "\n";
        return 1;
      }
    }
    std::sort(ms.begin(), ms.end());
    std::cout << "deliveries=" << n << " min_ms=" << ms.front()
              << " median_ms=" << ms[ms.size() / 2] << " max_ms=" << ms.back() << "\n";
    return 0;
  }
  Spool::Options options;
  options.directory = argv[2];
  options.deadline = deadline;
  options.initial_backoff = std::chrono::milliseconds(200);
  options.max_backoff = std::chrono::milliseconds(800);
  Spool spool(
      options,
      [&](const std::string& r, const std::string& i) -> Integration* {
        return r == "admin" && i == "email/0" ? email.get() : nullptr;
      },
      Clock::now());
  if (mode == "send" || mode == "enqueue") {
    std::string key = spool.enqueue("admin", "email/0", email->render(nc, alerts), now);
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
