// dns probe: ask one server for one name and report the answer, so the record a DNS failover
// moves is visible (hawatch_probe_dns_answer_info{value="..."}). Queries go through ldns.

// ldns/common.h #defines bool/false/true unless stdbool.h came first, which breaks C++ headers.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)
// (keep this order)
#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "probe.h"
#include "collectors/shared/host_address.h"

namespace hawatch::probe {

// The address, ICMP and HTTP helpers probes share with other collectors.
using namespace net;
namespace {

struct DnsOptions {
  HostPort server;
  std::string name;  // absolute (ends with '.')
  std::string type_name = "A";
  ldns_rr_type type = LDNS_RR_TYPE_A;
  bool tcp = false;
  bool recursion_desired = true;
  std::vector<std::string> valid_rcodes{"NOERROR"};
  std::vector<std::string> expect;  // when set, every answer must be one of these
};

struct ResolverFree {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RrListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};

std::string rcode_name(int rcode) {
  const ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
  return entry ? entry->name : "RCODE" + std::to_string(rcode);
}

// The record's data as dig prints it ("127.0.0.10", "ns1.test.example.", "10 mail.example.").
std::string rdata_text(const ldns_rr* rr) {
  std::string out;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    std::unique_ptr<char, decltype(&std::free)> s(ldns_rdf2str(ldns_rr_rdf(rr, i)), &std::free);
    if (!s) continue;
    if (!out.empty()) out += ' ';
    out += s.get();
  }
  return out;
}

class DnsProbe final : public Probe {
 public:
  explicit DnsProbe(DnsOptions o) : o_(std::move(o)) {}

  std::string kind() const override { return "dns"; }
  std::vector<std::string> failure_reasons() const override {
    return {"resolve", "timeout", "network", "rcode", "no_answer", "unexpected_answer"};
  }

  Outcome run(std::chrono::steady_clock::time_point deadline, MetricSink& sink,
              const Labels& labels) override {
    const std::string where = format_host_port(o_.server);
    ResolvedAddress server;
    try {
      server = resolve_host(o_.server.host, AF_UNSPEC, deadline);
    } catch (const ResolveError& e) {
      rcode_gauge(sink, labels, -1);
      return Outcome::fail(e.timed_out() ? "timeout" : "resolve", e.what());
    }
    std::unique_ptr<ldns_resolver, ResolverFree> res(ldns_resolver_new());
    if (!res) throw std::runtime_error("ldns: out of memory");
    std::unique_ptr<ldns_rdf, RdfFree> ns(ldns_rdf_new_frm_str(
        server.family == AF_INET6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, server.text.c_str()));
    if (!ns || ldns_resolver_push_nameserver(res.get(), ns.get()) != LDNS_STATUS_OK)
      throw std::runtime_error("ldns: cannot use server address " + server.text);
    ldns_resolver_set_port(res.get(), static_cast<uint16_t>(o_.server.port));
    ldns_resolver_set_usevc(res.get(), o_.tcp);
    ldns_resolver_set_recursive(res.get(), o_.recursion_desired);
    ldns_resolver_set_retry(res.get(), 1);
    ldns_resolver_set_fallback(res.get(), true);  // retry over TCP when the UDP answer is truncated
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline - std::chrono::steady_clock::now());
    const long us = std::max<long>(1000, static_cast<long>(left.count()));
    ldns_resolver_set_timeout(res.get(), timeval{us / 1000000, us % 1000000});

    std::unique_ptr<ldns_rdf, RdfFree> qname(ldns_dname_new_frm_str(o_.name.c_str()));
    ldns_pkt* raw = nullptr;
    const ldns_status status = ldns_resolver_query_status(
        &raw, res.get(), qname.get(), o_.type, LDNS_RR_CLASS_IN, o_.recursion_desired ? LDNS_RD : 0);
    std::unique_ptr<ldns_pkt, PktFree> pkt(raw);
    if (status != LDNS_STATUS_OK || !pkt) {
      rcode_gauge(sink, labels, -1);
      const bool timed_out = status == LDNS_STATUS_NETWORK_ERR &&
                             std::chrono::steady_clock::now() >= deadline - std::chrono::milliseconds(5);
      return Outcome::fail(timed_out ? "timeout" : "network",
                           where + ": " + ldns_get_errorstr_by_id(status));
    }
    const int rcode = ldns_pkt_get_rcode(pkt.get());
    rcode_gauge(sink, labels, rcode);
    return judge(*pkt, rcode, where, sink, labels);
  }

 private:
  Outcome judge(const ldns_pkt& pkt, int rcode, const std::string& where, MetricSink& sink,
                const Labels& labels) const {
    std::unique_ptr<ldns_rr_list, RrListFree> answers(
        ldns_pkt_rr_list_by_type(&pkt, o_.type, LDNS_SECTION_ANSWER));
    const std::size_t count = answers ? ldns_rr_list_rr_count(answers.get()) : 0;
    sink.gauge("hawatch_probe_dns_answer_records", "Records of the asked type in the answer.",
               static_cast<double>(count), labels);
    std::vector<std::string> values;
    double min_ttl = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(answers.get(), i);
      values.push_back(rdata_text(rr));
      const double ttl = ldns_rr_ttl(rr);
      min_ttl = i == 0 ? ttl : std::min(min_ttl, ttl);
      Labels l = labels;
      l.push_back({"type", o_.type_name});
      l.push_back({"value", values.back()});
      sink.info("hawatch_probe_dns_answer_info", "One record of the probe's last answer.", l);
    }
    if (count > 0)
      sink.gauge("hawatch_probe_dns_answer_ttl_seconds", "Lowest TTL among the answer's records.",
                 min_ttl, labels);

    const std::string rname = rcode_name(rcode);
    if (std::find(o_.valid_rcodes.begin(), o_.valid_rcodes.end(), rname) == o_.valid_rcodes.end())
      return Outcome::fail("rcode", where + ": " + o_.name + " " + o_.type_name + ": " + rname);
    if (rname == "NOERROR" && count == 0)
      return Outcome::fail("no_answer", where + ": " + o_.name + " " + o_.type_name + ": no records");
    for (const auto& v : values) {
      if (!o_.expect.empty() && std::find(o_.expect.begin(), o_.expect.end(), v) == o_.expect.end())
        return Outcome::fail("unexpected_answer", where + ": " + o_.name + " " + o_.type_name +
                                                      " answered " + v + ", not one of expect");
    }
    return Outcome::ok();
  }

  static void rcode_gauge(MetricSink& sink, const Labels& labels, int rcode) {
    sink.gauge("hawatch_probe_dns_rcode",
               "Response code of the last answer (0 NOERROR, 3 NXDOMAIN, 5 REFUSED; -1 no answer).",
               rcode, labels);
  }

  DnsOptions o_;
};

}  // namespace

std::unique_ptr<Probe> make_dns_probe(const KindArgs& args) {
  MapReader r(args.options, args.ctx, args.where);
  if (!args.options.IsMap()) {
    if (r.valid()) args.ctx.error(args.options, "\"" + args.where + "\" needs a server and a name");
    return nullptr;
  }
  DnsOptions o;
  bool ok = true;
  auto required = [&](const std::string& key) {
    auto v = r.string(key);
    if (!v && !r.node(key).IsDefined())
      args.ctx.error(args.options, "\"" + args.where + "." + key + "\" is required");
    if (!v || v->empty()) ok = false;
    return v.value_or("");
  };
  const std::string server = required("server");
  if (!server.empty()) {
    std::string why;
    auto hp = parse_host_port(server, 53, &why);
    if (!hp) {
      args.ctx.error(r.node("server"), "\"" + args.where + ".server\": " + why);
      ok = false;
    } else {
      o.server = *hp;
    }
  }
  o.name = required("name");
  if (!o.name.empty()) {
    if (o.name.back() != '.') o.name += '.';
    std::unique_ptr<ldns_rdf, RdfFree> dname(ldns_dname_new_frm_str(o.name.c_str()));
    if (!dname) {
      args.ctx.error(r.node("name"), "\"" + args.where + ".name\": not a domain name");
      ok = false;
    }
  }
  if (auto type = r.string("type")) {
    o.type_name = *type;
    std::transform(o.type_name.begin(), o.type_name.end(), o.type_name.begin(), ::toupper);
    o.type = ldns_get_rr_type_by_name(o.type_name.c_str());
    if (o.type == 0) {
      args.ctx.error(r.node("type"), "\"" + args.where + ".type\": unknown record type \"" + *type + "\"");
      ok = false;
    }
  }
  o.tcp = r.choice("transport", {"udp", "tcp"}).value_or("udp") == "tcp";
  o.recursion_desired = r.boolean("recursion_desired").value_or(true);
  if (auto rcodes = r.string_list("valid_rcodes")) {
    o.valid_rcodes.clear();
    for (auto code : *rcodes) {
      std::transform(code.begin(), code.end(), code.begin(), ::toupper);
      if (!ldns_lookup_by_name(ldns_rcodes, code.c_str())) {
        args.ctx.error(r.node("valid_rcodes"),
                       "\"" + args.where + ".valid_rcodes\": unknown rcode \"" + code + "\"");
        ok = false;
      }
      o.valid_rcodes.push_back(code);
    }
  }
  o.expect = r.string_list("expect").value_or(std::vector<std::string>{});
  r.finish();
  if (!ok) return nullptr;
  return std::make_unique<DnsProbe>(std::move(o));
}

}  // namespace hawatch::probe
