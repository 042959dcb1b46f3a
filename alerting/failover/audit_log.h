#pragma once
// The audit trail of every failover decision with its reason: one JSON object per line in
// failover-audit.jsonl (state_directory), and the same in the log. The file is bounded: past
// kMaxBytes it is rotated to .1 (one generation kept), so a flapping health check cannot fill
// the disk.

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

#include "controller.h"

namespace hawatch::alerting::failover {

class AuditLog {
 public:
  static constexpr std::uintmax_t kMaxBytes = 8u << 20;

  // An empty path: the log only.
  explicit AuditLog(std::filesystem::path path) : path_(std::move(path)) {}
  void write(const std::string& group, const Decision& d);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::mutex mutex_;
};

// One audit line (without the newline).
std::string audit_json(const std::string& group, const Decision& d);

}  // namespace hawatch::alerting::failover
