#include "receivers/email/smtp_client.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/file_io.h"

namespace hawatch::alerting {
namespace {

using Outcome = DeliveryResult::Outcome;
using Steady = std::chrono::steady_clock;

// A reply that ends the attempt; `code` 0 for local decisions.
struct SmtpFailure {
  Outcome outcome;
  std::string detail;
};

// Exposes the dialogue socket so that it can be switched to TLS after STARTTLS.
class Session : public Poco::Net::SMTPClientSession {
 public:
  explicit Session(const Poco::Net::StreamSocket& socket) : SMTPClientSession(socket) {}
  using SMTPClientSession::socket;
};

// Shuts the socket down at the deadline, unblocking whatever step is waiting on it.
class Watchdog {
 public:
  Watchdog(int fd, Steady::time_point deadline)
      : thread_([this, fd, deadline] {
          std::unique_lock lock(mutex_);
          if (!cv_.wait_until(lock, deadline, [this] { return done_; })) {
            fired_ = true;
            ::shutdown(fd, SHUT_RDWR);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  bool fired() {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: started once the members above exist
};

class Attempt {
 public:
  Attempt(const EmailConfig& config) : c_(config), deadline_(Steady::now() + config.timeout) {}

  // Every detail names the smarthost, so the log says which server failed.
  DeliveryResult run(const std::string& message) {
    DeliveryResult r = attempt(message);
    r.detail = "smarthost " + smarthost() + ": " + r.detail;
    return r;
  }

 private:
  std::string smarthost() const {
    const bool v6 = c_.smarthost_host.find(':') != std::string::npos;
    return (v6 ? "[" + c_.smarthost_host + "]" : c_.smarthost_host) + ":" +
           std::to_string(c_.smarthost_port);
  }

  DeliveryResult attempt(const std::string& message) {
    try {
      Poco::Net::StreamSocket socket = connect();
      Watchdog watchdog(static_cast<int>(socket.impl()->sockfd()), deadline_);
      try {
        dialogue(socket, message);
      } catch (...) {
        if (watchdog.fired())
          throw SmtpFailure{Outcome::retry, timeout_text() + " (at " + step_ + ")"};
        throw;
      }
      return {Outcome::delivered, last_reply_};
    } catch (const SmtpFailure& f) {
      return {f.outcome, f.detail};
    } catch (const Poco::TimeoutException& e) {
      return {Outcome::retry, timeout_text() + " (at " + step_ + "): " + e.displayText()};
    } catch (const Poco::Net::SSLException& e) {
      // A certificate that does not verify: retried, as it may be renewed; never sent around it.
      return {Outcome::retry, "TLS (at " + step_ + "): " + e.displayText()};
    } catch (const Poco::Exception& e) {
      return {Outcome::retry, step_ + ": " + e.displayText()};
    } catch (const std::exception& e) {
      return {Outcome::retry, step_ + ": " + e.what()};
    }
  }

  std::string timeout_text() const {
    return "timed out after " + std::to_string(c_.timeout.count()) + "ms";
  }

  Poco::Timespan left() const {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Steady::now()).count();
    if (us <= 0) throw SmtpFailure{Outcome::retry, timeout_text() + " (at " + step_ + ")"};
    return Poco::Timespan(us);
  }

  // Each socket step waits at most for the time left.
  void arm(Poco::Net::StreamSocket& socket) {
    const Poco::Timespan t = left();
    socket.setReceiveTimeout(t);
    socket.setSendTimeout(t);
  }

  std::string tls_name() const {
    return c_.tls.server_name.empty() ? c_.smarthost_host : c_.tls.server_name;
  }

  Poco::Net::Context::Ptr tls_context() const {
    Poco::Net::Context::Params params;
    params.caLocation = c_.tls.ca_file;
    params.certificateFile = c_.tls.cert_file;  // a client certificate, when the server asks
    params.privateKeyFile = c_.tls.key_file;
    params.loadDefaultCAs = c_.tls.ca_file.empty();
    // STRICT also checks the host name for localhost, which RELAXED skips.
    params.verificationMode = c_.tls.insecure_skip_verify ? Poco::Net::Context::VERIFY_NONE
                                                          : Poco::Net::Context::VERIFY_STRICT;
    params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4";
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);  // Poco's refcount
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    return context;
  }

  // getaddrinfo has no timeout of its own: run it aside and stop waiting at the deadline.
  Poco::Net::SocketAddress resolve() {
    step_ = "resolving " + c_.smarthost_host;
    auto promise = std::make_shared<std::promise<Poco::Net::SocketAddress>>();
    std::future<Poco::Net::SocketAddress> result = promise->get_future();
    std::thread([promise, host = c_.smarthost_host, port = c_.smarthost_port] {
      try {
        promise->set_value(Poco::Net::SocketAddress(host, port));
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    }).detach();
    const auto wait = std::chrono::microseconds(left().totalMicroseconds());
    if (result.wait_for(wait) != std::future_status::ready)
      throw SmtpFailure{Outcome::retry, timeout_text() + " (at " + step_ + ")"};
    return result.get();
  }

  Poco::Net::StreamSocket connect() {
    const Poco::Net::SocketAddress address = resolve();
    step_ = "connecting to " + address.toString();
    if (c_.implicit_tls()) {
      Poco::Net::SecureStreamSocket secure(tls_context());
      secure.setPeerHostName(tls_name());
      secure.setLazyHandshake(true);  // the handshake below, under the watchdog's bound
      secure.connect(address, left());
      secure.setNoDelay(true);  // commands and the message's last chunk: no Nagle wait
      tls_ = true;
      return secure;
    }
    Poco::Net::StreamSocket plain;
    plain.connect(address, left());
    plain.setNoDelay(true);
    return plain;
  }

  int command(Session& s, Poco::Net::StreamSocket& socket, const std::string& line,
              std::string& reply, const std::string& what) {
    step_ = what;
    arm(socket);
    const int code = s.sendCommand(line, reply);
    last_reply_ = reply;
    return code;
  }

  [[noreturn]] void refused(int code, const std::string& reply) {
    throw SmtpFailure{classify_smtp_reply(code), step_ + ": " + reply};
  }

  // EHLO (HELO when refused); the extensions offered, upper-cased, one per line.
  std::string hello(Session& s, Poco::Net::StreamSocket& socket) {
    std::string reply;
    int code = command(s, socket, "EHLO " + c_.hello, reply, "EHLO");
    if (code >= 500) {
      code = command(s, socket, "HELO " + c_.hello, reply, "HELO");
      if (code / 100 != 2) refused(code, reply);
      return "";
    }
    if (code / 100 != 2) refused(code, reply);
    std::string extensions;
    std::istringstream lines(reply);
    std::string line;
    bool first = true;
    while (std::getline(lines, line)) {
      if (!first && line.size() > 4) {
        std::string ext = line.substr(4);
        for (char& ch : ext) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        while (!ext.empty() && (ext.back() == '\r' || ext.back() == ' ')) ext.pop_back();
        extensions += ext + "\n";
      }
      first = false;
    }
    return extensions;
  }

  static bool offers(const std::string& extensions, const std::string& name) {
    std::istringstream lines(extensions);
    std::string line;
    while (std::getline(lines, line))
      if (line == name || line.rfind(name + " ", 0) == 0) return true;
    return false;
  }

  static std::vector<std::string> auth_mechanisms(const std::string& extensions) {
    std::istringstream lines(extensions);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("AUTH ", 0) != 0 && line.rfind("AUTH=", 0) != 0) continue;
      std::istringstream words(line.substr(5));
      std::vector<std::string> out;
      for (std::string w; words >> w;) out.push_back(w);
      return out;
    }
    return {};
  }

  void start_tls(Session& s, Poco::Net::StreamSocket& socket) {
    std::string reply;
    const int code = command(s, socket, "STARTTLS", reply, "STARTTLS");
    if (code / 100 != 2) refused(code, reply);
    step_ = "TLS handshake";
    arm(socket);
    Poco::Net::SecureStreamSocket secure =
        Poco::Net::SecureStreamSocket::attach(socket, tls_name(), tls_context());
    secure.verifyPeerCertificate();  // attach checked it already; cheap, and says so here
    s.socket() = secure;
    socket = secure;
    tls_ = true;
  }

  std::string password() const {
    if (!c_.auth_password_env.empty()) {
      const char* value = std::getenv(c_.auth_password_env.c_str());
      if (!value)
        throw SmtpFailure{Outcome::retry,
                          "environment variable " + c_.auth_password_env + " is not set"};
      return value;
    }
    try {
      std::string text = read_file(c_.auth_password_file, 64 * 1024);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      return text;
    } catch (const std::exception& e) {
      // A local problem that the admin may fix before the deadline.
      throw SmtpFailure{Outcome::retry, std::string("auth_password_file: ") + e.what()};
    }
  }

  static std::string base64(const std::string& text) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << text;
    encoder.close();
    return out.str();
  }

  bool loopback() const {
    const std::string& h = c_.smarthost_host;
    return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
  }

  void authenticate(Session& s, Poco::Net::StreamSocket& socket, const std::string& extensions) {
    if (c_.auth_username.empty()) return;
    const std::vector<std::string> offered = auth_mechanisms(extensions);
    if (offered.empty()) return;  // as Alertmanager: no AUTH offered, none attempted
    if (!tls_ && !loopback())
      throw SmtpFailure{Outcome::permanent,
                        "refusing to send the password over an unencrypted connection to " +
                            c_.smarthost_host + " (require_tls is false and no STARTTLS)"};
    std::string mechanism;
    for (const std::string& m : offered) {
      const bool wanted =
          c_.auth_mechanism == SmtpAuthMechanism::automatic
              ? (m == "PLAIN" || m == "LOGIN")
              : m == (c_.auth_mechanism == SmtpAuthMechanism::plain ? "PLAIN" : "LOGIN");
      if (wanted) {
        mechanism = m;
        break;
      }
    }
    if (mechanism.empty()) {
      std::string list;
      for (const auto& m : offered) list += (list.empty() ? "" : " ") + m;
      throw SmtpFailure{Outcome::permanent, "the server offers AUTH " + list +
                                                "; hawatch speaks PLAIN and LOGIN (as configured)"};
    }
    const std::string secret = password();
    std::string reply;
    int code = 0;
    if (mechanism == "PLAIN") {
      const std::string token = c_.auth_identity + '\0' + c_.auth_username + '\0' + secret;
      code = command(s, socket, "AUTH PLAIN " + base64(token), reply, "AUTH PLAIN");
    } else {
      code = command(s, socket, "AUTH LOGIN", reply, "AUTH LOGIN");
      if (code == 334) code = command(s, socket, base64(c_.auth_username), reply, "AUTH LOGIN");
      if (code == 334) code = command(s, socket, base64(secret), reply, "AUTH LOGIN");
    }
    // A refused login is retried (as Alertmanager does): the admin may fix the password or the
    // account before the deadline; giving up at once would lose the notification.
    if (code / 100 != 2) throw SmtpFailure{Outcome::retry, step_ + ": " + reply};
  }

  void dialogue(Poco::Net::StreamSocket& socket, const std::string& message) {
    Session s(socket);
    if (tls_) {
      step_ = "TLS handshake";
      arm(socket);
      Poco::Net::SecureStreamSocket secure(socket);  // the same connection, typed
      secure.completeHandshake();
      secure.verifyPeerCertificate();
    }
    step_ = "greeting";
    arm(socket);
    try {
      s.open();
    } catch (const Poco::Net::SMTPException& e) {
      refused(e.code(), e.message());
    }
    std::string extensions = hello(s, socket);
    if (!tls_) {
      if (offers(extensions, "STARTTLS")) {
        start_tls(s, socket);
        extensions = hello(s, socket);
      } else if (c_.require_tls || c_.tls_mode == SmtpTlsMode::starttls) {
        // Retried, as Alertmanager does: a STARTTLS stripped on the way may be back later;
        // nothing is ever sent in clear text.
        throw SmtpFailure{Outcome::retry,
                          "require_tls is true but the server does not offer STARTTLS: refusing "
                          "to send in clear text"};
      }
    }
    authenticate(s, socket, extensions);
    std::string reply;
    int code =
        command(s, socket, "MAIL FROM:<" + c_.from_address.address + ">", reply, "MAIL FROM");
    if (code / 100 != 2) refused(code, reply);
    for (const auto& to : c_.to_addresses) {
      code = command(s, socket, "RCPT TO:<" + to.address + ">", reply, "RCPT TO " + to.address);
      if (code / 100 != 2) refused(code, reply);
    }
    code = command(s, socket, "DATA", reply, "DATA");
    if (code != 354) refused(code, reply);
    step_ = "sending the message";
    arm(socket);
    std::istringstream body(message);
    try {
      s.sendMessage(body);  // dot-stuffed, ended by CRLF.CRLF
    } catch (const Poco::Net::SMTPException& e) {
      refused(e.code(), e.message());
    }
    last_reply_ = "accepted";
    step_ = "QUIT";
    try {
      arm(socket);
      s.close();
    } catch (...) {
      // Accepted is accepted: a lost QUIT reply changes nothing.
    }
  }

  const EmailConfig& c_;
  Steady::time_point deadline_;
  std::string step_ = "start";
  std::string last_reply_;
  bool tls_ = false;
};

}  // namespace

DeliveryResult::Outcome classify_smtp_reply(int code) {
  if (code >= 200 && code < 400) return Outcome::delivered;
  if (code >= 500 && code < 600) return Outcome::permanent;
  return Outcome::retry;  // 4xx, and anything that is not a reply code at all
}

DeliveryResult send_smtp(const EmailConfig& config, const std::string& message) {
  return Attempt(config).run(message);
}

}  // namespace hawatch::alerting
