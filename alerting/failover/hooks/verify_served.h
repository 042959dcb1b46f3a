#pragma once
// After a write: ask the authoritative server (through the hook's current()) until it serves the
// new value, bounded in time. The failover controller runs the same check step by step in its
// own loop (controller.cpp, verify); this blocking form is for one-shot callers (tools, a
// receiver that updates without a controller).

#include <chrono>
#include <string>

#include "hooks/dns_update.h"

namespace hawatch::alerting::failover {

struct VerifyBounds {
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  std::chrono::milliseconds interval = std::chrono::milliseconds(50);
};

// ok when the record serves `value` before the timeout (detail: after how many queries);
// timeout otherwise, with the last answer or error in the detail.
UpdateOutcome verify_served(DnsUpdater& updater, const RecordRef& record, const std::string& value,
                            const VerifyBounds& bounds);

}  // namespace hawatch::alerting::failover
