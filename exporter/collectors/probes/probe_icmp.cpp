// icmp probe: one echo request over an unprivileged ICMP datagram socket (icmp_echo.h).

#include <stdexcept>

#include "collectors/shared/icmp_echo.h"
#include "probe.h"
#include "collectors/shared/host_address.h"

namespace hawatch::probe {

// The address, ICMP and HTTP helpers probes share with other collectors.
using namespace net;
namespace {

class IcmpProbe final : public Probe {
 public:
  IcmpProbe(std::string host, int family, Environment env)
      : host_(std::move(host)), family_(family), env_(std::move(env)) {}

  std::string kind() const override { return "icmp"; }
  std::vector<std::string> failure_reasons() const override {
    return {"resolve", "unreachable", "timeout"};
  }

  Outcome run(std::chrono::steady_clock::time_point deadline, MetricSink&, const Labels&) override {
    ResolvedAddress target;
    try {
      target = resolve_host(host_, family_, deadline);
    } catch (const ResolveError& e) {
      return Outcome::fail(e.timed_out() ? "timeout" : "resolve", e.what());
    }
    const auto echo = icmp_echo(target, ++sequence_, deadline, env_);
    // icmp_echo() throws for Status::error: a local problem, not the target's.
    if (echo.status == EchoResult::Status::reply) return Outcome::ok();
    if (echo.status == EchoResult::Status::unreachable) return Outcome::fail("unreachable", echo.detail);
    return Outcome::fail("timeout", echo.detail);
  }

 private:
  std::string host_;
  int family_;
  Environment env_;
  std::uint16_t sequence_ = 0;
};

}  // namespace

std::unique_ptr<Probe> make_icmp_probe(const KindArgs& args) {
  MapReader r(args.options, args.ctx, args.where);
  if (!args.options.IsMap()) {
    if (r.valid()) args.ctx.error(args.options, "\"" + args.where + "\" needs a host");
    return nullptr;
  }
  auto host = r.string("host");
  if (!host && !r.node("host").IsDefined())
    args.ctx.error(args.options, "\"" + args.where + ".host\" is required");
  if (host && (host->empty() || host->find_first_of(" /:") != std::string::npos) &&
      !is_ip_literal(*host)) {
    args.ctx.error(r.node("host"), "\"" + args.where + ".host\": bad host \"" + *host + "\"");
    host.reset();
  }
  const auto protocol = r.choice("ip_protocol", {"ip4", "ip6"});
  r.finish();
  if (!host) return nullptr;
  const int family = !protocol ? AF_UNSPEC : *protocol == "ip4" ? AF_INET : AF_INET6;
  return std::make_unique<IcmpProbe>(*host, family, args.env);
}

}  // namespace hawatch::probe
