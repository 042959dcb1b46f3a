#pragma once
// What the exec integration hands its command for one notification: the alert group as
// Alertmanager's webhook message (version 4) on stdin, so a script written for webhooks reads it
// unchanged, and the key values in the environment, so a shell script needs no JSON parser:
//
//   HAWATCH_RECEIVER, HAWATCH_STATUS (firing|resolved), HAWATCH_GROUP_KEY, HAWATCH_GROUP_LABELS
//   (Go's {a="b"} form), HAWATCH_ALERTS, HAWATCH_ALERTS_FIRING, HAWATCH_ALERTS_RESOLVED (counts
//   over the whole group), HAWATCH_ALERTS_TRUNCATED (left out of stdin by max_alerts),
//   HAWATCH_EXTERNAL_URL, HAWATCH_GROUP_LABEL_<NAME>, HAWATCH_COMMON_LABEL_<NAME>,
//   HAWATCH_COMMON_ANNOTATION_<NAME>; at delivery HAWATCH_IDEMPOTENCY_KEY as well.
//
// <NAME> is the label name upper-cased with every byte outside [A-Z0-9_] made '_'; when two names
// map to the same variable the first in sorted order wins. Values are passed byte for byte (also
// bytes that are not UTF-8), cut at kMaxEnvValueBytes or at a NUL byte, which an environment
// cannot carry; beyond kMaxEnvBytes in all no more label variables are set. Any cut sets
// HAWATCH_ENV_TRUNCATED=1; stdin always has the whole message.
//
// The spool stores what render() made and delivery may happen after a restart, so both parts
// travel in one body: a small length-prefixed envelope, binary-safe, decoded at each attempt.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/alert.h"
#include "notify/stage.h"

namespace hawatch::alerting {

inline constexpr std::size_t kMaxEnvValueBytes = 4096;
inline constexpr std::size_t kMaxEnvBytes = 64 * 1024;
inline constexpr std::size_t kMaxEnvNameBytes = 128;

struct ExecMessage {
  std::vector<std::string> environment;  // "NAME=value"
  std::string input;                     // stdin
};

struct ExecMessageOptions {
  std::string external_url;
  std::size_t max_alerts = 0;  // 0: all
};

ExecMessage make_exec_message(const NotifyContext& ctx, const std::vector<Alert>& alerts,
                              const ExecMessageOptions& options);

std::string encode_exec_message(const ExecMessage& message);
// nullopt when `body` is not an envelope encode_exec_message wrote.
std::optional<ExecMessage> decode_exec_message(std::string_view body);

// The <NAME> part of a label variable: upper case, [A-Z0-9_] only.
std::string env_name_part(std::string_view label_name);

}  // namespace hawatch::alerting
