#pragma once
// The alert as routing, inhibition, silencing and notification see it: Alertmanager's
// types.Alert. The rule layer (alerting/rules) turns each of its firing or resolved alerts into one
// of these: its promql::Labels become `labels` (same sorted name/value pairs, no empty values),
// `annotations` the expanded annotation templates, `starts_at` the activation time, `ends_at`
// "valid until" (firing) or the resolve time (resolved).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gotext/go_text.h"

namespace hawatch::alerting {

// Sorted by name, as Alertmanager's model.LabelSet; heterogeneous lookup by string_view.
using LabelSet = std::map<std::string, std::string, std::less<>>;

using Clock = std::chrono::system_clock;
using Time = Clock::time_point;  // Time{} means "unset", as Go's zero time.
using Duration = std::chrono::milliseconds;

// prometheus/common model.Fingerprint: FNV-1a 64 over the sorted names and values, each
// followed by the byte 0xff.
using Fingerprint = std::uint64_t;
Fingerprint fingerprint(const LabelSet& labels);
std::string format_fingerprint(Fingerprint fp);  // 16 lower-case hex digits

enum class AlertStatus { firing, resolved };
std::string_view to_string(AlertStatus status);

struct Alert {
  LabelSet labels;
  LabelSet annotations;
  Time starts_at{};
  Time ends_at{};  // unset: firing until told otherwise
  std::string generator_url;
  Time updated_at{};
  // ends_at was set by us (resolve_timeout), not by the sender: a later explicit ends_at wins.
  bool timeout = false;

  Fingerprint fingerprint() const { return alerting::fingerprint(labels); }
  bool resolved_at(Time t) const { return ends_at != Time{} && ends_at <= t; }
  AlertStatus status_at(Time t) const {
    return resolved_at(t) ? AlertStatus::resolved : AlertStatus::firing;
  }
};

// Alertmanager's Alert.Merge: the younger (by updated_at) alert's content with the earliest
// start, and the latest explicit end.
Alert merge_alerts(const Alert& a, const Alert& b, Time now);

// True when `incoming` overlaps `existing` in time, so they are the same occurrence (the
// in-memory provider's rule for merging rather than replacing).
bool overlaps(const Alert& existing, const Alert& incoming);

// Go's model.LabelSet.String(): {a="b", c="d"} with Go %q quoting, entries sorted as strings.
std::string format_label_set(const LabelSet& labels);
// Go's strconv.Quote for label values is gotext::go_quote.
using gotext::go_quote;

// RFC 3339 with nanoseconds and trailing zeros trimmed, UTC ("Z"); Time{} prints as Go's zero
// time "0001-01-01T00:00:00Z".
std::string format_rfc3339(Time t);
// Parses RFC 3339 ("2026-12-03T07:30:00.5Z", "...+01:00"); nullopt when it is not, or when it
// is outside 1970..2200.
std::optional<Time> parse_rfc3339(std::string_view text);
// A Unix time in milliseconds as hawatch's files hold them; nullopt outside parse_rfc3339's
// 1970..2200, which is all hawatch writes (a larger number would overflow the nanosecond clock).
std::optional<Time> time_from_unix_ms(std::int64_t ms);

// Alertmanager's AlertSlice order: by job, then instance (present before absent), then labels.
bool alert_before(const Alert& a, const Alert& b);

}  // namespace hawatch::alerting
