#pragma once
// The active alerts, saved so a restart neither loses a firing alert, nor restarts its `for`
// clock, nor notifies again before its resend delay (Prometheus gets this from ALERTS_FOR_STATE in
// its TSDB; hawatch has no TSDB).
//
// A line format, not JSON: hawatch_rules then needs no JSON library, a line is one alert (easy to
// read, diff and grep on a node), and the version header makes a foreign file easy to detect:
//
//   hawatch-alert-state 1
//   alert FILE GROUP RULE STATE ACTIVE_AT FIRED_AT RESOLVED_AT KEEP_FIRING_SINCE LAST_SENT_AT
//         VALID_UNTIL VALUE N LABEL VALUE ... M ANNOTATION VALUE ...      (one line)
//
// Fields are separated by single spaces; each text field is percent-escaped (%, space, control
// bytes, and "-" alone for an empty or absent value as "%2D"); times are milliseconds or "-";
// VALUE is a hex float (exact round trip).

#include <string>
#include <variant>
#include <vector>

#include "alerting_rule.h"

namespace hawatch::rules {

struct SavedAlert {
  std::string file;
  std::string group;
  std::string rule;
  Alert alert;
};

std::string encode_alert_state(const std::vector<SavedAlert>& alerts);
// The alerts, or why the text is not a state file (the caller reports it and starts empty).
std::variant<std::vector<SavedAlert>, std::string> decode_alert_state(const std::string& text);

// Writes atomically: a temporary file beside it, fsync, rename over, fsync of the directory.
// Returns an error message, empty on success.
std::string write_alert_state_file(const std::string& path, const std::vector<SavedAlert>& alerts);
// A missing file is an empty state; an unreadable, corrupt or foreign one is an error message.
std::variant<std::vector<SavedAlert>, std::string> read_alert_state_file(const std::string& path);

}  // namespace hawatch::rules
