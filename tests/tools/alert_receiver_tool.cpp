// Drives the exec and Alertmanager integrations through the spool, for
// tests/integration/test_exec_receiver.sh and test_alertmanager_forward.sh:
//   alert_receiver_tool CONFIG SPOOL_DIR send firing|resolved [N]     one notification of N
//                                                                     alerts, then deliver
//   alert_receiver_tool CONFIG SPOOL_DIR enqueue firing|resolved [N]  spool it and exit ("crash")
//   alert_receiver_tool CONFIG SPOOL_DIR replay                       deliver what the spool holds
// CONFIG is a YAML file with a receiver's `exec_configs` and/or `alertmanager_configs` under
// `receiver:`, the spool's `deadline:`, and optional `labels:` added to every alert. The
// notification goes to every integration, as the retry stage does, each under its own
// "<kind>/<index>"; delivery runs until the spool is empty; the counters are printed per
// integration as name=value.
#include <iostream>
#include <thread>

#include "notify/spool.h"
#include "receivers/alertmanager/alertmanager.h"
#include "receivers/exec/exec.h"

using namespace hawatch;
using namespace hawatch::alerting;

namespace {

struct Named {
  std::string id;
  std::shared_ptr<Integration> integration;
};

std::vector<Named> name_them(std::vector<std::shared_ptr<Integration>> all) {
  std::map<std::string, int> per_kind;
  std::vector<Named> out;
  for (auto& i : all) {
    const std::string kind(i->kind());
    out.push_back({kind + "/" + std::to_string(per_kind[kind]++), std::move(i)});
  }
  return out;
}

// Alerts started at a fixed time (so that "resolved" later ends the same occurrence).
std::vector<Alert> make_alerts(int n, bool resolved, const LabelSet& extra, Time now) {
  const Time start{std::chrono::duration_cast<Clock::duration>(
      std::chrono::floor<std::chrono::hours>(now.time_since_epoch()))};
  std::vector<Alert> out;
  for (int i = 0; i < n; ++i) {
    Alert a;
    a.labels = extra;
    a.labels["alertname"] = "ForwardTest";
    a.labels["instance"] = "pi" + std::to_string(i);
    a.annotations = {{"summary", "instance " + std::to_string(i) + " is down"}};
    a.starts_at = start;
    a.generator_url = "http://127.0.0.1:9090/graph?g0.expr=up+%3D%3D+0";
    a.updated_at = now;
    if (resolved) a.ends_at = now - std::chrono::seconds(1);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: alert_receiver_tool CONFIG SPOOL_DIR send|enqueue firing|resolved [N]"
                 " | replay\n";
    return 2;
  }
  const std::string mode = argv[3];
  ConfigContext ctx(argv[1]);
  YAML::Node doc = load_yaml_file(argv[1], ctx);
  MapReader top(doc, ctx, "");
  MapReader receiver(top.node("receiver"), ctx, "receiver");
  std::vector<std::shared_ptr<Integration>> all;
  add_exec_integrations(receiver.node("exec_configs"), ctx, "receiver.exec_configs", all);
  add_alertmanager_integrations(receiver.node("alertmanager_configs"), ctx,
                                "receiver.alertmanager_configs", all);
  receiver.finish();
  const Duration deadline = top.duration("deadline").value_or(std::chrono::seconds(5));
  LabelSet extra;
  if (YAML::Node labels = top.node("labels"); labels.IsMap()) {
    for (const auto& kv : labels) extra[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  top.finish();
  if (!ctx.ok()) {
    for (const auto& d : ctx.diagnostics()) std::cerr << d.to_string() << "\n";
    return 1;
  }
  const std::vector<Named> integrations = name_them(std::move(all));
  Spool::Options options;
  options.directory = argv[2];
  options.deadline = deadline;
  options.initial_backoff = std::chrono::milliseconds(200);
  options.max_backoff = std::chrono::milliseconds(800);
  Spool spool(
      options,
      [&](const std::string& r, const std::string& id) -> Integration* {
        for (const Named& n : integrations)
          if (r == "team-x" && n.id == id) return n.integration.get();
        return nullptr;
      },
      Clock::now());
  if (mode == "send" || mode == "enqueue") {
    const bool resolved = argc > 4 && std::string(argv[4]) == "resolved";
    const int n = argc > 5 ? std::stoi(argv[5]) : 1;
    const Time now = Clock::now();
    NotifyContext nc{now,
                     "{}/{team=\"x\"}:{alertname=\"ForwardTest\"}",
                     {{"alertname", "ForwardTest"}},
                     "team-x",
                     std::chrono::minutes(10),
                     {},
                     {},
                     {},
                     {}};
    for (const Named& i : integrations) {
      const std::string key = spool.enqueue(
          "team-x", i.id, i.integration->render(nc, make_alerts(n, resolved, extra, now)), now);
      std::cout << "key " << i.id << "=" << key << "\n";
    }
    if (mode == "enqueue") return 0;
  } else if (mode != "replay") {
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  }
  while (auto next = spool.next_due()) {
    std::this_thread::sleep_until(*next);
    spool.deliver_due(Clock::now());
  }
  for (const auto& [key, c] : spool.counters()) {
    std::cout << "integration=" << key.second << " attempts=" << c.attempts
              << " delivered=" << c.delivered << " failed_attempts=" << c.failed_attempts
              << " given_up=" << c.given_up << "\n";
  }
  const SpoolCounters c = spool.totals();
  std::cout << "attempts=" << c.attempts << " delivered=" << c.delivered
            << " failed_attempts=" << c.failed_attempts << " given_up=" << c.given_up << "\n";
  return 0;
}
