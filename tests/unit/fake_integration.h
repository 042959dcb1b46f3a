#pragma once
// Test helper: an Integration that renders a notification as its alerts' names and statuses and
// answers deliveries from a script (delivered when the script is empty).

#include <deque>
#include <string>
#include <vector>

#include "notify/integration.h"

namespace hawatch::test {

struct FakeIntegration : alerting::Integration {
  bool resolved = true;
  std::deque<alerting::DeliveryResult::Outcome> script;
  std::vector<std::pair<std::string, std::string>> deliveries;  // body, idempotency key

  std::string_view kind() const override { return "fake"; }
  bool send_resolved() const override { return resolved; }
  std::string render(const alerting::NotifyContext& ctx,
                     const std::vector<alerting::Alert>& alerts) const override {
    std::string out = ctx.receiver + ":";
    for (const auto& a : alerts) {
      out += " " + a.labels.at("alertname") + "=" +
             std::string(alerting::to_string(a.status_at(ctx.now)));
    }
    return out;
  }
  alerting::DeliveryResult deliver(const std::string& body, const std::string& key) override {
    deliveries.emplace_back(body, key);
    if (script.empty()) return {alerting::DeliveryResult::Outcome::delivered, "ok"};
    auto o = script.front();
    script.pop_front();
    return {o, "scripted"};
  }
};

}  // namespace hawatch::test
