#pragma once
// The RFC 2136 hook: a dynamic update of the authoritative server, signed with TSIG. YAML:
//
//   rfc2136:
//     server: "192.0.2.53:53"          # IP:PORT or [IPv6]:PORT of the primary server
//     tsig_key_file: /etc/hawatch/ddns.key   # BIND key syntax (tsig-keygen); the algorithm is
//                                            # the file's. Absent: unsigned (servers that allow
//                                            # updates by address only)
//     tsig_key_name: ddns-key          # optional: the key to use when the file holds several
//     timeout: 5s                      # per exchange (UDP and its TCP fallback), at most 1m
//
// Each update is a compare-and-swap in one message: the prerequisite says the RRset holds exactly
// the expected old value, the update deletes that value and adds the new one. The server applies
// it atomically or not at all. Response codes: NOERROR ok, NXRRSET/YXRRSET cas_lost, REFUSED
// refused, NOTAUTH notauth (with the TSIG error: BADSIG, BADKEY, BADTIME), SERVFAIL servfail, no
// answer (deadline, connection refused) timeout, anything else error. A signed request wants a
// signed answer: an ok or cas_lost that is unsigned or does not verify is an error, since it
// could be forged. The key file is read when the config is read, so a reload rereads it.
//
// current() asks the same server for the record (signed when there is a key) and returns the
// authoritative answer's values; the controller uses it to verify a write and at start.

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>

#include "core/config_reader.h"
#include "hooks/dns_update.h"
#include "hooks/rfc2136/dns_transport.h"
#include "hooks/tsig/tsig_key.h"

namespace hawatch::alerting::failover {

struct Rfc2136Config {
  DnsServer server;
  std::optional<TsigKey> key;
  Duration timeout = std::chrono::seconds(5);
};

std::optional<Rfc2136Config> read_rfc2136_config(const YAML::Node& node, ConfigContext& ctx,
                                                 const std::string& where);

class Rfc2136Updater : public DnsUpdater {
 public:
  explicit Rfc2136Updater(Rfc2136Config config) : config_(std::move(config)) {}
  std::string_view kind() const override { return "rfc2136"; }
  UpdateOutcome compare_and_swap(const RecordRef& record, const std::string& expected_old,
                                 const std::string& new_value) override;
  std::optional<std::vector<std::string>> current(const RecordRef& record,
                                                  std::string& error) override;

 private:
  struct Answer;
  // Signs (with a key), sends, and checks the answer's signature.
  Answer exchange(std::vector<std::uint8_t> request, const RecordRef* record);
  Rfc2136Config config_;
};

std::unique_ptr<DnsUpdater> read_rfc2136_updater(const YAML::Node& node, ConfigContext& ctx,
                                                 const std::string& where);

}  // namespace hawatch::alerting::failover
