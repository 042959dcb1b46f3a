#pragma once
// The email itself, rendered once when the notification is spooled: headers (From, To, Subject,
// Date, MIME-Version and the configured extra headers, each made safe by mail::
// encode_header_value) and a multipart/alternative body with a text/plain and a text/html
// part, UTF-8 and quoted-printable, both from templates over Alertmanager's template.Data. In the
// HTML part every value a template prints is HTML-escaped, and URLs that are not http(s) are
// replaced by "#ZgotmplZ" (html/template's marker), whatever the alert says.

#include <string>
#include <vector>

#include "model/alert.h"
#include "notify/stage.h"
#include "receivers/email/email_config.h"
#include "template/value.h"

namespace hawatch::alerting {

inline constexpr std::string_view kIdempotencyHeader = "X-Hawatch-Idempotency-Key";

// Alertmanager's template.Data: Receiver, Status, Alerts (with .Firing and .Resolved), each
// alert's Status, Labels, Annotations, StartsAt, EndsAt, GeneratorURL, Fingerprint; GroupLabels,
// CommonLabels, CommonAnnotations, ExternalURL. Times print as Go's time.Time does.
tmpl::Value email_template_data(const NotifyContext& ctx, const std::vector<Alert>& alerts,
                                const std::string& external_url, bool for_html);

// Alertmanager's email.default.subject: "[FIRING:2] ReplicationLag amslpr-backup (pi1)" — the
// status upper-cased, the firing count, the group label values (alertname first, then by name)
// and, when there are more common labels than group labels, the other common values in
// parentheses. (Alertmanager leaves a trailing space when there are none; this does not.)
std::string default_email_subject(const NotifyContext& ctx, const std::vector<Alert>& alerts);

// The whole message as sent after DATA (CRLF line ends), without Message-ID and the idempotency
// header, which deliver adds (with_delivery_headers).
std::string render_email_message(const EmailConfig& config, const NotifyContext& ctx,
                                 const std::vector<Alert>& alerts);

// The spooled message with a Message-ID derived from the idempotency key (stable across
// attempts and restarts, so a receiving system can drop duplicates) unless the message has one,
// and the key in its own header.
std::string with_delivery_headers(const std::string& message, const std::string& key,
                                  const std::string& domain);

// Go's time.Time.String() in UTC: "2026-12-03 07:30:00.5 +0000 UTC".
std::string format_go_time(Time t);

}  // namespace hawatch::alerting
