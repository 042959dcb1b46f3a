#pragma once
// The interface every DNS update hook implements (RFC 2136, PowerDNS' HTTP API, exec), used by a
// failover group and by the dns_update_configs receiver. An update is a compare-and-swap: the
// record is changed only while it still holds the expected old value, so two nodes running the
// same group produce exactly one change.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::alerting::failover {

// The record a failover group moves.
struct RecordRef {
  std::string zone;        // "example.test"
  std::string name;        // "amslpr.example.test" (absolute, without the trailing dot)
  std::string type = "A";  // A, AAAA, CNAME
  std::uint32_t ttl = 30;
};

// Each result is a distinct value of hawatch_dns_updates_total{group,result}.
enum class UpdateResult { ok, cas_lost, refused, notauth, servfail, timeout, error };

constexpr std::string_view to_string(UpdateResult r) {
  switch (r) {
    case UpdateResult::ok:
      return "ok";
    case UpdateResult::cas_lost:
      return "cas_lost";
    case UpdateResult::refused:
      return "refused";
    case UpdateResult::notauth:
      return "notauth";
    case UpdateResult::servfail:
      return "servfail";
    case UpdateResult::timeout:
      return "timeout";
    case UpdateResult::error:
      return "error";
  }
  return "error";
}

struct UpdateOutcome {
  UpdateResult result = UpdateResult::error;
  std::string detail;  // for the log and the audit trail: rcode, HTTP status, exit code, stderr
};

class DnsUpdater {
 public:
  virtual ~DnsUpdater() = default;
  virtual std::string_view kind() const = 0;  // "rfc2136", "powerdns", "exec"

  // Replaces the record's value `expected_old` by `new_value`, only while it holds
  // `expected_old` (else nothing changes and the result is cas_lost). Bounded in time.
  virtual UpdateOutcome compare_and_swap(const RecordRef& record, const std::string& expected_old,
                                         const std::string& new_value) = 0;

  // The values the authoritative server serves for the record now; nullopt with `error` set
  // when it cannot be asked. Used to verify a write and to learn the state at start.
  virtual std::optional<std::vector<std::string>> current(const RecordRef& record,
                                                          std::string& error) = 0;
};

}  // namespace hawatch::alerting::failover
