#pragma once
// The small pieces of RFC 5322 / 2045 / 2047 the email integration needs, where Poco's Mail
// classes take header values verbatim: addresses for the SMTP envelope, header names, and header
// values made safe (no CR/LF can start a new header, non-ASCII as RFC 2047 encoded-words).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::alerting::mail {

struct Mailbox {
  std::string display;  // "Hawatch" in `Hawatch <hawatch@example.test>`; may be empty
  std::string address;  // hawatch@example.test, as MAIL FROM / RCPT TO want it
};

// A comma-separated address list ("a@x.test, Ops <ops@x.test>"); nullopt and `error` when an
// entry is not a plain local@domain address (no CR/LF, no spaces, no angle brackets inside).
std::optional<std::vector<Mailbox>> parse_address_list(std::string_view text, std::string& error);

// Header names: printable ASCII without ':' and space, 1..76 characters.
bool valid_header_name(std::string_view name);
// Go's textproto.CanonicalMIMEHeaderKey ("message-id" -> "Message-Id"), so a configured
// "subject" replaces the default Subject as in Alertmanager.
std::string canonical_header_name(std::string_view name);

// A header value that cannot break out of its header: control characters (CR, LF, ...) become
// spaces, invalid UTF-8 becomes U+FFFD; a value that is not printable ASCII or is long becomes
// RFC 2047 "B" encoded-words of whole UTF-8 characters, folded onto continuation lines.
std::string encode_header_value(std::string_view value);

// An address header (From, To, Cc, Reply-To) from an address list: each display name quoted
// when it holds specials, or RFC 2047 encoded when it is not ASCII, the addresses as they are
// (an encoded-word must never hold one). nullopt when `value` is not an address list.
std::optional<std::string> encode_address_header(std::string_view value);

// At most `max_bytes` of whole UTF-8 characters; "…" marks a cut.
std::string clip_utf8(std::string_view text, std::size_t max_bytes);

// Replaces invalid UTF-8 sequences with U+FFFD.
std::string sanitize_utf8(std::string_view text);

// Every line ended by CRLF (bare LF or CR included), as SMTP and quoted-printable want.
std::string crlf_lines(std::string_view text);

}  // namespace hawatch::alerting::mail
