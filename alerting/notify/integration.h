#pragma once
// One way of notifying a receiver (Alertmanager's notify.Integration): webhook, email, ... Each
// lives in alerting/receivers/<kind>/. The body is rendered once, when the notification enters
// the spool; delivery may then be attempted many times, also after a restart.

#include <string>
#include <string_view>
#include <vector>

#include "model/alert.h"
#include "notify/stage.h"

namespace hawatch::alerting {

struct DeliveryResult {
  enum class Outcome {
    delivered,
    retry,      // network error, timeout, 5xx, 429: try again later
    permanent,  // the receiver refused it for good (other 4xx, bad local config)
  };
  Outcome outcome = Outcome::delivered;
  std::string detail;  // for the log: status code or error
};

class Integration {
 public:
  virtual ~Integration() = default;
  virtual std::string_view kind() const = 0;  // "webhook"
  virtual bool send_resolved() const = 0;
  virtual std::string render(const NotifyContext& ctx, const std::vector<Alert>& alerts) const = 0;
  // `idempotency_key` is the same for every attempt at one notification, so a receiver can drop
  // duplicates of an at-least-once delivery.
  virtual DeliveryResult deliver(const std::string& body, const std::string& idempotency_key) = 0;
};

}  // namespace hawatch::alerting
