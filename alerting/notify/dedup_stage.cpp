#include "notify/dedup_stage.h"

#include <algorithm>

namespace hawatch::alerting {

namespace {
bool subset(const std::set<Fingerprint>& part, const std::vector<Fingerprint>& whole) {
  return std::all_of(part.begin(), part.end(), [&](Fingerprint fp) {
    return std::find(whole.begin(), whole.end(), fp) != whole.end();
  });
}
}  // namespace

StageStatus DedupStage::exec(NotifyContext& ctx, std::vector<Alert>& alerts) {
  std::set<Fingerprint> firing, resolved;
  ctx.firing.clear();
  ctx.resolved.clear();
  for (const Alert& a : alerts) {
    const Fingerprint fp = a.fingerprint();
    if (a.resolved_at(ctx.now)) {
      resolved.insert(fp);
      ctx.resolved.push_back(fp);
    } else {
      firing.insert(fp);
      ctx.firing.push_back(fp);
    }
  }
  if (!needs_update(log_.query(ctx.group_key, receiver_key_), firing, resolved, ctx)) {
    alerts.clear();
  }
  return {};
}

bool DedupStage::needs_update(const std::optional<NotificationEntry>& entry,
                              const std::set<Fingerprint>& firing,
                              const std::set<Fingerprint>& resolved,
                              const NotifyContext& ctx) const {
  if (!entry) return !firing.empty();  // nothing said yet: only firing alerts are news
  if (!subset(firing, entry->firing)) return true;
  // All resolved: tell the receiver (whatever send_resolved says, so the log forgets them),
  // unless it never heard of them.
  if (firing.empty()) return !entry->firing.empty();
  if (send_resolved_ && !subset(resolved, entry->resolved)) return true;
  return entry->timestamp < ctx.now - ctx.repeat_interval;
}

}  // namespace hawatch::alerting
