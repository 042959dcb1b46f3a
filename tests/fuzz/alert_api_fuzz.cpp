// libFuzzer target for the Alertmanager bodies hawatch takes over HTTP (posted alerts, webhook
// messages of version 4 and silences): any input ends in values or an ApiError, and accepted alerts are well-formed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/api_v2.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  using namespace hawatch::alerting;
  const Time now{std::chrono::seconds(1'800'000'000)};
  try {
    const PostedAlerts p = parse_postable_alerts(body, now, std::chrono::minutes(5));
    for (const Alert& a : p.alerts) {
      if (a.labels.empty() || a.ends_at < a.starts_at) __builtin_trap();
    }
  } catch (const ApiError&) {
  }
  try {
    const PostedAlerts p = parse_webhook_message(body, now, std::chrono::hours(25));
    for (const Alert& a : p.alerts) {
      if (a.labels.empty() || a.ends_at < a.starts_at) __builtin_trap();
    }
  } catch (const ApiError&) {
  }
  try {
    (void)parse_postable_silence(body);
  } catch (const ApiError&) {
  }
  return 0;
}
