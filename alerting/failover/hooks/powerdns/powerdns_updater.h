#pragma once
// The PowerDNS hook: the rrset is replaced through PowerDNS' HTTP API. YAML:
//
//   powerdns:
//     api_url: http://127.0.0.1:8081     # the webserver's base URL (http or https)
//     server_id: localhost               # default localhost
//     api_key_file: /etc/hawatch/pdns-api.key   # read when the config is read (a reload rereads)
//     timeout: 5s                        # per HTTP request, at most 1m
//     tls_config: { ca_file: F, cert_file: F, key_file: F, insecure_skip_verify: false }
//     verify_server: "127.0.0.1:53"      # optional: current() asks this DNS server (the one
//                                        # that answers clients) instead of the API
//
// Compare-before-write: GET the zone, and only when the rrset holds exactly the expected old
// value PATCH it (changetype REPLACE) to the new one; else cas_lost and nothing is written.
// PowerDNS' API has no atomic compare-and-swap (no precondition on a PATCH), so a writer that
// changes the rrset between our GET and our PATCH is overwritten: the window is the time between
// the two requests (a few ms on a LAN), narrow but real. Two hawatch nodes must not share a
// PowerDNS group if that matters; RFC 2136 has the atomic prerequisite.
//
// Results: the PATCH's status (2xx ok, 401/403 notauth, 400/422 refused, 5xx servfail, other
// error); the GET's failures the same way; no answer (connect, deadline) timeout.

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>

#include "core/config_reader.h"
#include "hooks/dns_update.h"
#include "hooks/powerdns/powerdns_api.h"
#include "hooks/rfc2136/dns_transport.h"

namespace hawatch::alerting::failover {

struct PowerDnsConfig {
  PowerDnsEndpoint endpoint;
  std::optional<DnsServer> verify_server;
};

std::optional<PowerDnsConfig> read_powerdns_config(const YAML::Node& node, ConfigContext& ctx,
                                                   const std::string& where);

class PowerDnsUpdater : public DnsUpdater {
 public:
  explicit PowerDnsUpdater(PowerDnsConfig config) : config_(std::move(config)) {}
  std::string_view kind() const override { return "powerdns"; }
  UpdateOutcome compare_and_swap(const RecordRef& record, const std::string& expected_old,
                                 const std::string& new_value) override;
  std::optional<std::vector<std::string>> current(const RecordRef& record,
                                                  std::string& error) override;

 private:
  // The rrset's values as the API has them; a failure outcome when they cannot be read.
  std::optional<std::vector<std::string>> api_values(const RecordRef& record,
                                                     UpdateOutcome& failure);
  PowerDnsConfig config_;
};

std::unique_ptr<DnsUpdater> read_powerdns_updater(const YAML::Node& node, ConfigContext& ctx,
                                                  const std::string& where);

}  // namespace hawatch::alerting::failover
