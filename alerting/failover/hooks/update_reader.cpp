#include "hooks/update_reader.h"

#include <array>
#include <string_view>

#include "hooks/exec/exec_updater.h"
#include "hooks/powerdns/powerdns_updater.h"
#include "hooks/rfc2136/rfc2136_updater.h"

namespace hawatch::alerting::failover {
namespace {

using HookReader = std::unique_ptr<DnsUpdater> (*)(const YAML::Node&, ConfigContext&,
                                                   const std::string&);

struct HookKind {
  std::string_view key;
  HookReader read;
};

// One line per hook kind.
constexpr std::array kHookKinds{
    HookKind{"rfc2136", &read_rfc2136_updater},
    HookKind{"powerdns", &read_powerdns_updater},
    HookKind{"exec", &read_exec_updater},
};

std::string known_kinds() {
  std::string out;
  for (const HookKind& k : kHookKinds) out += (out.empty() ? "" : ", ") + std::string(k.key);
  return out;
}

// verify_timeout (default 10s, at most 5m) and verify_interval (default 50ms, 10ms..timeout).
VerifyBounds read_verify_bounds(MapReader& m) {
  VerifyBounds b;
  ConfigContext& ctx = m.context();
  if (auto t = m.duration("verify_timeout")) {
    if (t->count() <= 0 || *t > std::chrono::minutes(5))
      ctx.error(m.node("verify_timeout"),
                m.where() + ".verify_timeout must be positive and at most 5m");
    else
      b.timeout = *t;
  }
  if (auto i = m.duration("verify_interval")) {
    if (*i < std::chrono::milliseconds(10) || *i > b.timeout)
      ctx.error(m.node("verify_interval"),
                m.where() + ".verify_interval must be at least 10ms and at most verify_timeout");
    else
      b.interval = *i;
  }
  return b;
}

}  // namespace

std::unique_ptr<DnsUpdater> read_dns_updater(const YAML::Node& update, ConfigContext& ctx,
                                             const std::string& where) {
  if (!update.IsDefined() || update.IsNull()) {
    ctx.error(update.IsDefined() ? update.Mark() : YAML::Mark::null_mark(),
              where + " is required: one of " + known_kinds());
    return nullptr;
  }
  MapReader m(update, ctx, where);
  if (!m.valid()) return nullptr;
  const std::size_t errors_before = ctx.diagnostics().size();
  const VerifyBounds bounds = read_verify_bounds(m);
  const HookKind* chosen = nullptr;
  int present = 0;
  for (const HookKind& k : kHookKinds) {
    if (!m.has(std::string(k.key))) continue;
    ++present;
    if (!chosen) chosen = &k;
  }
  if (present != 1) {
    for (const HookKind& k : kHookKinds) m.node(std::string(k.key));
    ctx.error(update, where + " needs exactly one of " + known_kinds() +
                          (present == 0 ? "" : " (found " + std::to_string(present) + ")"));
    m.finish();
    return nullptr;
  }
  const std::string key(chosen->key);
  const YAML::Node block = m.node(key);
  m.finish();
  auto updater = chosen->read(block, ctx, where + "." + key);
  if (ctx.diagnostics().size() != errors_before || !updater) return nullptr;
  updater->set_verify_bounds(bounds);
  return updater;
}

}  // namespace hawatch::alerting::failover
