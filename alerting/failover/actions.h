#pragma once
// What the API and the dns_update_configs receiver may ask of the failover groups. A small
// interface so that the receiver (receivers/dns_update) depends on it only, not on the service.

#include <string>

namespace hawatch::alerting::failover {

struct ActionReply {
  // As the API answers: 200 accepted, 404 unknown group, 409 refused now (hold time, already
  // there, a change in progress, state unknown).
  int status = 200;
  std::string message;
  std::string state;  // the group's state after the request ("" for an unknown group)
  // accepted, already, held, busy, unknown_state, unknown_group: what a caller that retries
  // (the receiver) needs to tell apart.
  std::string code;
};

class FailoverActions {
 public:
  virtual ~FailoverActions() = default;
  virtual ActionReply fail_over(const std::string& group, const std::string& reason) = 0;
  virtual ActionReply fail_back(const std::string& group, const std::string& reason) = 0;
};

}  // namespace hawatch::alerting::failover
