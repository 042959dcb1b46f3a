#pragma once
// One SMTP delivery attempt with Poco Net Mail: connect (implicit TLS on 465, or as tls_mode
// says), EHLO, STARTTLS when offered (and refusing to go on in clear text when require_tls),
// AUTH PLAIN or LOGIN, MAIL/RCPT/DATA. The whole attempt is bounded by the config's timeout:
// every socket step gets the time that is left, name resolution included, and a watchdog shuts
// the socket down when the time is up, so no server can hold an attempt longer.
//
// Poco's SecureSMTPClientSession is not used for STARTTLS: built on a socket we connected (to
// bound the connect), it knows no host name and would check none in the certificate; here the
// socket is upgraded with SecureStreamSocket::attach and the configured (or smarthost) name.

#include <string>

#include "notify/integration.h"
#include "receivers/email/email_config.h"

namespace hawatch::alerting {

// `message` is the complete message (headers and body, CRLF); it is dot-stuffed on the wire.
DeliveryResult send_smtp(const EmailConfig& config, const std::string& message);

// How an SMTP reply code is taken (RFC 5321 4.2.1): 2xx/3xx go on; 4xx are transient (retry);
// 5xx are permanent (MAIL, RCPT, DATA refused for good). The exception, as in Alertmanager: a
// refused AUTH is retried until the spool's deadline, since the admin may fix the credentials.
// Connection, TLS and timeout failures are retried; a server without STARTTLS under require_tls
// too (nothing is sent in clear text meanwhile). Every detail starts with "smarthost HOST:PORT".
DeliveryResult::Outcome classify_smtp_reply(int code);

}  // namespace hawatch::alerting
