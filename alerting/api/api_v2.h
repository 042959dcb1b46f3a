#pragma once
// Alertmanager API v2 bodies for the daemon's HTTP API: POST /api/v2/alerts (what a Prometheus
// sends), GET/POST /api/v2/silences. Pure functions from text to values and back; the HTTP part
// stays in the daemon.

#include <stdexcept>
#include <string>
#include <vector>

#include "model/alert.h"
#include "silence/silences.h"

namespace hawatch::alerting {

// A body that is not what the API takes: the API's 400, with every problem found.
class ApiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PostedAlerts {
  std::vector<Alert> alerts;        // the valid ones, ready for Inhibitor::observe / insert
  std::vector<std::string> errors;  // one per rejected alert ("alert 3: ...")
};

// postableAlerts: [{labels, annotations, startsAt, endsAt, generatorURL}]. As Alertmanager: a
// missing startsAt is now (or endsAt), a missing endsAt is now + resolve_timeout with `timeout`
// set, updatedAt is now; alerts without labels, with bad label names, values that are not UTF-8
// or ending before they start are rejected one by one. Throws ApiError when the body is not such
// a list at all.
PostedAlerts parse_postable_alerts(const std::string& body, Time now, Duration resolve_timeout);

// An Alertmanager webhook message, version 4 ({version: "4", status, receiver, alerts: [{status,
// labels, annotations, startsAt, endsAt, generatorURL, fingerprint}], ...}): its alerts, read as
// postable alerts. A firing alert has no endsAt (Go's zero time): it gets now + resolve_timeout,
// which should exceed the sender's repeat_interval; a resolved one without endsAt ends now.
// Throws ApiError when the body is not such a message at all.
PostedAlerts parse_webhook_message(const std::string& body, Time now, Duration resolve_timeout);

// postableSilence: {id?, matchers: [{name, value, isRegex, isEqual?}], startsAt, endsAt,
// createdBy, comment}. Throws ApiError.
Silence parse_postable_silence(const std::string& body);

// gettableSilences / gettableSilence: with status.state and updatedAt.
std::string encode_gettable_silences(const std::vector<Silence>& silences, Time now);
std::string encode_gettable_silence(const Silence& silence, Time now);

}  // namespace hawatch::alerting
