#pragma once
// Waits before notifying. In an Alertmanager cluster this is the peer's position times the peer
// timeout, so the first peer notifies and the others find it in the (gossiped) notification log;
// hawatch nodes of an HA pair may stagger themselves the same way. Zero by default.

#include <functional>
#include <thread>

#include "notify/stage.h"

namespace hawatch::alerting {

class WaitStage : public Stage {
 public:
  using Sleep = std::function<void(Duration)>;
  explicit WaitStage(
      Duration wait, Sleep sleep = [](Duration d) { std::this_thread::sleep_for(d); })
      : wait_(wait), sleep_(std::move(sleep)) {}
  std::string_view name() const override { return "wait"; }
  StageStatus exec(NotifyContext&, std::vector<Alert>&) override {
    if (wait_.count() > 0) sleep_(wait_);
    return {};
  }

 private:
  Duration wait_;
  Sleep sleep_;
};

}  // namespace hawatch::alerting
