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

}  // namespace

std::unique_ptr<DnsUpdater> read_dns_updater(const YAML::Node& update, ConfigContext& ctx,
                                             const std::string& where) {
  MapReader m(update, ctx, where);
  if (!m.valid()) return nullptr;
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
  const std::size_t errors_before = ctx.diagnostics().size();
  m.finish();
  auto updater = chosen->read(block, ctx, where + "." + key);
  if (ctx.diagnostics().size() != errors_before) return nullptr;
  return updater;
}

}  // namespace hawatch::alerting::failover
