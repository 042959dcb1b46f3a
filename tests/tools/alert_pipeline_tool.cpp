// Runs hawatch's whole alert path on the system clock, for the comparison with a real
// Alertmanager (tests/integration/test_alertmanager_parity.sh):
//   alert_pipeline_tool CONFIG ALERTS_JSON STATE_DIR NOTIFICATIONS
// CONFIG is an Alertmanager-format file (route, receivers with webhook_configs, inhibit_rules,
// time_intervals, external_url); ALERTS_JSON an API v2 postableAlerts body. The alerts go through
// the API parser, the inhibitor, the dispatcher and the notification pipeline into the spool and
// the webhooks; the tool exits once NOTIFICATIONS were delivered (or after 20 s), printing the
// spool's counters.
#include <iostream>
#include <thread>

#include "api/api_v2.h"
#include "config/alerting_config.h"
#include "core/file_io.h"
#include "dispatch/dispatch_loop.h"
#include "notify/pipeline.h"

using namespace hawatch;
using namespace hawatch::alerting;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: alert_pipeline_tool CONFIG ALERTS_JSON STATE_DIR NOTIFICATIONS\n";
    return 2;
  }
  ConfigContext ctx(argv[1]);
  const AlertingConfig cfg = read_alerting_config(load_yaml_file(argv[1], ctx), ctx, "");
  if (!ctx.ok() || !cfg.route) {
    for (const auto& d : ctx.diagnostics()) std::cerr << d.to_string() << "\n";
    return 1;
  }
  const std::filesystem::path state = argv[3];
  const std::uint64_t want = std::stoull(argv[4]);
  Inhibitor inhibitor(cfg.inhibit_rules);
  Silences silences({state / "silences.json"});
  NotificationLog nflog({state / "nflog.json"});
  std::vector<ReceiverConfig> receivers;
  for (const ReceiverSpec& r : cfg.receivers) {
    ReceiverConfig rc{r.name, {}};
    for (const WebhookConfig& w : r.webhook_configs) {
      rc.integrations.push_back(std::make_shared<WebhookIntegration>(w));
    }
    receivers.push_back(std::move(rc));
  }
  NotificationPipeline* pipeline_ptr = nullptr;
  Spool::Options spool_options;
  spool_options.directory = state / "spool";
  Spool spool(
      spool_options,
      [&](const std::string& r, const std::string& i) { return pipeline_ptr->find(r, i); },
      Clock::now());
  SpoolWorker worker(spool);
  NotificationPipeline pipeline(
      {&inhibitor, &silences, &cfg.time_intervals, &nflog, &spool, {}, [&] { worker.wake(); }},
      receivers);
  pipeline_ptr = &pipeline;
  Dispatcher dispatcher(cfg.route, [&](const GroupNotification& n) { return pipeline.notify(n); });
  DispatchLoop loop(dispatcher);
  const PostedAlerts posted =
      parse_postable_alerts(read_file(argv[2]), Clock::now(), std::chrono::minutes(5));
  for (const auto& e : posted.errors) std::cerr << e << "\n";
  for (const Alert& a : posted.alerts) inhibitor.observe(a);
  loop.insert(posted.alerts);  // one request, one batch
  const auto give_up = Clock::now() + std::chrono::seconds(20);
  while (spool.totals().delivered < want && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const SpoolCounters c = spool.totals();
  std::cout << "delivered=" << c.delivered << " given_up=" << c.given_up << "\n";
  return c.delivered >= want ? 0 : 1;
}
