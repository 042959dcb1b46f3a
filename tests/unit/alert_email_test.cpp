// The email integration without a network: the config reader's errors (with positions), the
// MIME pieces (RFC 2047 headers, address headers, CR/LF never starting a header, UTF-8 repair,
// clipping), Alertmanager's default subject, the default text and HTML bodies, the size bound
// and the SMTP reply classification. Delivery against a real SMTP server: test_email.sh.
#define BOOST_TEST_MODULE alert_email
#include <boost/test/unit_test.hpp>

#include "contains.h"
#include "receivers/email/email_config.h"
#include "receivers/email/email_message.h"
#include "receivers/email/mime.h"
#include "receivers/email/smtp_client.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};

NotifyContext context(LabelSet group = {{"alertname", "ReplicationLag"}}) {
  return {t0, "{}:{alertname=\"ReplicationLag\"}", std::move(group), "admin", 4h, {}, {}, {}, {}};
}

std::vector<Alert> alerts(int n, const std::string& evil = "x") {
  std::vector<Alert> out;
  for (int i = 0; i < n; ++i) {
    Alert a;
    a.labels = {{"alertname", "ReplicationLag"},
                {"instance", "amslpr-backup"},
                {"replica", "r" + std::to_string(i)},
                {"evil", evil}};
    a.annotations = {{"summary", "lag " + std::to_string(i)}};
    a.starts_at = t0 - 5min;
    out.push_back(a);
  }
  return out;
}

EmailConfig config(const std::string& extra = "") {
  ConfigContext ctx("alerting.yml");
  const YAML::Node n = parse_yaml(
      "to: ops@example.test\nfrom: \"Hawatch <hawatch@example.test>\"\n"
      "smarthost: smtp.example.test:587\nauth_username: u\nauth_password_file: /run/pw\n" +
          extra,
      ctx);
  EmailConfig c = read_email_config(n, ctx, "e");
  for (const auto& d : ctx.diagnostics()) BOOST_TEST_MESSAGE(d.to_string());
  BOOST_TEST_REQUIRE(ctx.ok());
  return c;
}

std::string errors_of(const std::string& yaml) {
  ConfigContext ctx("alerting.yml");
  read_email_config(parse_yaml(yaml, ctx), ctx, "receivers[0].email_configs[0]");
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  return all;
}

// The header block of a rendered message, unfolded, one "Name: value" per element.
std::vector<std::string> header_lines(const std::string& message) {
  const std::string head = message.substr(0, message.find("\r\n\r\n"));
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= head.size()) {
    std::size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(start, end - start);
    if (!out.empty() && !line.empty() && (line[0] == ' ' || line[0] == '\t'))
      out.back() += line;
    else
      out.push_back(line);
    start = end + 2;
  }
  return out;
}

bool all_ascii_no_controls(const std::string& s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (u < 0x20 && c != '\r' && c != '\n' && c != '\t')) return false;
  }
  return true;
}
}  // namespace

BOOST_AUTO_TEST_CASE(defaults_as_alertmanager) {
  const EmailConfig c = config();
  BOOST_TEST(c.require_tls);
  BOOST_TEST(!c.send_resolved);
  BOOST_TEST(c.hello == "localhost");
  BOOST_TEST(c.smarthost_host == "smtp.example.test");
  BOOST_TEST(c.smarthost_port == 587);
  BOOST_TEST(!c.implicit_tls());
  BOOST_TEST(config("tls_mode: auto\n").implicit_tls() == false);
  ConfigContext ctx("a.yml");
  const EmailConfig smtps = read_email_config(
      parse_yaml("{to: a@b.test, from: c@d.test, smarthost: 'mx.test:465'}", ctx), ctx, "e");
  BOOST_TEST(ctx.ok());
  BOOST_TEST(smtps.implicit_tls());
  BOOST_TEST(smtps.to_addresses.front().address == "a@b.test");
}

BOOST_AUTO_TEST_CASE(config_errors_with_positions) {
  const std::string all = errors_of(R"(to: "not an address"
from: "a@b.test, c@d.test"
smarthost: "no-port"
hello: "two words"
auth_password: hunter2
auth_username: alice
tls_config: {cert_file: /c.pem, bogus: 1}
headers: {"Bad Header": x, Subject: "{{ .Broken"}
html: "{{ if }}"
timeout: 0s
)");
  const std::string w = "receivers[0].email_configs[0]";
  BOOST_TEST(contains(all, "alerting.yml:1:5: " + w + ".to: "), all);
  BOOST_TEST(contains(all, "alerting.yml:2:7: " + w + ".from must be one address"), all);
  BOOST_TEST(contains(all, "alerting.yml:3:12: " + w + ".smarthost: \"no-port\" is not HOST:PORT"),
             all);
  BOOST_TEST(contains(all, "alerting.yml:4:8: " + w + ".hello must be one word"), all);
  BOOST_TEST(contains(all, "alerting.yml:5:16: " + w + ".auth_password: a password is never"), all);
  BOOST_TEST(contains(all, "auth_password_file"), all);
  BOOST_TEST(contains(all, "alerting.yml:6:16: " + w + ": auth_username needs auth_password_file"),
             all);
  BOOST_TEST(contains(all, "alerting.yml:7:25: " + w + ".tls_config: cert_file and key_file go"),
             all);
  BOOST_TEST(contains(all, "unknown key \"" + w + ".tls_config.bogus\""), all);
  BOOST_TEST(contains(all, "alerting.yml:8:11: " + w + ".headers: \"Bad Header\""), all);
  BOOST_TEST(contains(all, "alerting.yml:8:37: " + w + ".headers.Subject: "), all);
  BOOST_TEST(contains(all, "alerting.yml:9:7: " + w + ".html: "), all);
  BOOST_TEST(contains(all, "alerting.yml:10:10: " + w + ".timeout must be positive"), all);
  BOOST_TEST(contains(errors_of("{from: a@b.test}"), "to is required"));
  BOOST_TEST(contains(errors_of("{to: a@b.test, from: c@d.test}"), "smarthost is required"));
}

BOOST_AUTO_TEST_CASE(tls_config_keys) {
  const EmailConfig c = config(
      "tls_config: {ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, server_name: mx, "
      "insecure_skip_verify: true}\n");
  BOOST_TEST(c.tls.ca_file == "/ca.pem");
  BOOST_TEST(c.tls.cert_file == "/c.pem");
  BOOST_TEST(c.tls.key_file == "/k.pem");
  BOOST_TEST(c.tls.server_name == "mx");
  BOOST_TEST(c.tls.insecure_skip_verify);
}

BOOST_AUTO_TEST_CASE(header_values_never_break_out) {
  const std::string v = mail::encode_header_value("a\r\nBcc: victim@evil.test\r\n\r\nbody");
  BOOST_TEST(v.find('\r') == std::string::npos);
  BOOST_TEST(v.find('\n') == std::string::npos);
  BOOST_TEST(v == "a  Bcc: victim@evil.test    body");
  // Non-ASCII: encoded-words of at most 75 characters, folded, never splitting a character.
  const std::string utf8 = "h\xc3\xa4ll\xc3\xb6 \xe2\x9c\x93";
  BOOST_TEST(mail::encode_header_value(utf8) == "=?UTF-8?B?aMOkbGzDtiDinJM=?=");
  std::string long_utf8;
  for (int i = 0; i < 100; ++i) long_utf8 += "\xe2\x9c\x93";
  const std::string folded = mail::encode_header_value(long_utf8);
  std::size_t start = 0, words = 0;
  while (start < folded.size()) {
    std::size_t end = folded.find("\r\n ", start);
    if (end == std::string::npos) end = folded.size();
    const std::string word = folded.substr(start, end - start);
    BOOST_TEST(word.size() <= 75u, word);
    BOOST_TEST(word.rfind("=?UTF-8?B?", 0) == 0u);
    BOOST_TEST(word.substr(word.size() - 2) == "?=");
    ++words;
    start = end + 3;
  }
  BOOST_TEST(words == 7u);  // 300 bytes in words of 45 bytes (15 characters)
  // Invalid UTF-8 is repaired, not passed on.
  BOOST_TEST(mail::sanitize_utf8("a\xff"
                                 "b") ==
             "a\xef\xbf\xbd"
             "b");
}

BOOST_AUTO_TEST_CASE(address_headers) {
  BOOST_TEST(*mail::encode_address_header("Ops Team <ops@x.test>, oncall@x.test") ==
             "Ops Team <ops@x.test>,\r\n oncall@x.test");
  BOOST_TEST(*mail::encode_address_header("\"Smith, J.\" <j@x.test>") ==
             "\"Smith, J.\" <j@x.test>");
  BOOST_TEST(*mail::encode_address_header("J\xc3\xb6rg <j@x.test>") ==
             "=?UTF-8?B?SsO2cmc=?= <j@x.test>");
  BOOST_TEST(!mail::encode_address_header("a@x.test\r\nBcc: v@evil.test"));
  BOOST_TEST(!mail::encode_address_header("no address"));
  std::string error;
  BOOST_TEST(!mail::parse_address_list("<a@b@c>", error));
  BOOST_TEST(!error.empty());
}

BOOST_AUTO_TEST_CASE(header_names) {
  BOOST_TEST(mail::canonical_header_name("message-id") == "Message-Id");
  BOOST_TEST(mail::canonical_header_name("X-SITE") == "X-Site");
  BOOST_TEST(mail::valid_header_name("X-Site"));
  BOOST_TEST(!mail::valid_header_name("Bad Header"));
  BOOST_TEST(!mail::valid_header_name("A:B"));
  BOOST_TEST(!mail::valid_header_name(""));
}

BOOST_AUTO_TEST_CASE(clipping_keeps_whole_characters) {
  const std::string s = "ab\xe2\x9c\x93\xe2\x9c\x93";
  BOOST_TEST(mail::clip_utf8(s, 100) == s);
  const std::string clipped = mail::clip_utf8(s, 7);
  BOOST_TEST(clipped == "ab\xe2\x80\xa6");
  BOOST_TEST(mail::sanitize_utf8(clipped) == clipped);
}

BOOST_AUTO_TEST_CASE(subject_as_alertmanager_default) {
  BOOST_TEST(default_email_subject(context(), alerts(2)) ==
             "[FIRING:2] ReplicationLag (x amslpr-backup)");
  BOOST_TEST(default_email_subject(
                 context({{"alertname", "ReplicationLag"}, {"instance", "amslpr-backup"}}),
                 alerts(1)) == "[FIRING:1] ReplicationLag amslpr-backup (x r0)");
  auto resolved = alerts(2);
  for (auto& a : resolved) a.ends_at = t0 - 1s;
  BOOST_TEST(default_email_subject(context(), resolved) ==
             "[RESOLVED] ReplicationLag (x amslpr-backup)");
}

BOOST_AUTO_TEST_CASE(default_bodies_and_headers) {
  const std::string m = render_email_message(config(), context(), alerts(2, "v\r\nBcc: e@vil"));
  const auto lines = header_lines(m);
  std::vector<std::string> names;
  for (const auto& l : lines) names.push_back(l.substr(0, l.find(':')));
  std::sort(names.begin(), names.end());
  const std::vector<std::string> want{"Content-Type", "Date",    "From",
                                      "Mime-Version", "Subject", "To"};
  BOOST_TEST(names == want, boost::test_tools::per_element());
  BOOST_TEST(contains(m, "Subject: [FIRING:2] ReplicationLag (v  Bcc: e@vil amslpr-backup)\r\n"));
  BOOST_TEST(contains(m, "From: Hawatch <hawatch@example.test>\r\n"));
  BOOST_TEST(contains(m, "multipart/alternative"));
  BOOST_TEST(contains(m, "text/plain; charset=UTF-8"));
  BOOST_TEST(contains(m, "text/html; charset=UTF-8"));
  BOOST_TEST(contains(m, "Content-Transfer-Encoding: quoted-printable"));
  BOOST_TEST(contains(m, "2 firing, 0 resolved"));
  BOOST_TEST(contains(m, "replica =3D r1"));  // quoted-printable '='
  BOOST_TEST(all_ascii_no_controls(m));
  // No bare LF: every line ends with CRLF, as SMTP wants.
  for (std::size_t i = m.find('\n'); i != std::string::npos; i = m.find('\n', i + 1))
    BOOST_TEST_REQUIRE(m[i - 1] == '\r');
  // With configured headers: To from a template, a header override, Content-Type ignored.
  const std::string custom = render_email_message(
      config("headers: {Subject: 'Lag on {{ .CommonLabels.instance }}', Content-Type: text/evil, "
             "X-Site: amslpr}\nhtml: ''\ntext: '{{ range .Alerts }}{{ .Labels.replica }} {{ end "
             "}}'\n"),
      context(), alerts(2));
  BOOST_TEST(contains(custom, "Subject: Lag on amslpr-backup\r\n"));
  BOOST_TEST(contains(custom, "X-Site: amslpr\r\n"));
  BOOST_TEST(!contains(custom, "text/evil"));
  BOOST_TEST(!contains(custom, "text/html"));
  BOOST_TEST(contains(custom, "r0 r1"));
}

BOOST_AUTO_TEST_CASE(html_escapes_alert_values) {
  const std::string m =
      render_email_message(config("text: ''\n"), context(), alerts(1, "<script>alert(1)</script>"));
  const std::string body = m.substr(m.find("\r\n\r\n"));  // the Subject carries it encoded
  BOOST_TEST(!contains(body, "<script>"));
  BOOST_TEST(contains(body, "&lt;script&gt;"));
}

BOOST_AUTO_TEST_CASE(size_is_bounded) {
  // 200 alerts with 100 KiB values: each value is clipped and the parts stay under 1 MiB,
  // with the alerts that do not fit left out and counted.
  const std::string huge(100 * 1024, 'x');
  const std::string m = render_email_message(config(), context(), alerts(200, huge));
  BOOST_TEST(m.size() < std::size_t{8} << 20, m.size());
  BOOST_TEST(contains(m, "alerts left out: the message size is bounded"));
  for (const auto& l : header_lines(m)) BOOST_TEST(l.size() < 4096u, l.substr(0, 40));
}

BOOST_AUTO_TEST_CASE(delivery_headers) {
  const std::string m = with_delivery_headers("Subject: x\r\n\r\nbody", "k-1/..x", "example.test");
  BOOST_TEST(m.rfind("Message-ID: <k-1..x@example.test>\r\nX-Hawatch-Idempotency-Key: k-1..x\r\n",
                     0) == 0u);
  const std::string own = with_delivery_headers("Message-ID: <a@b>\r\n\r\nbody", "k", "d");
  BOOST_TEST(!contains(own, "<k@d>"));
}

BOOST_AUTO_TEST_CASE(smtp_reply_classes) {
  using O = DeliveryResult::Outcome;
  BOOST_TEST((classify_smtp_reply(250) == O::delivered));
  BOOST_TEST((classify_smtp_reply(354) == O::delivered));
  BOOST_TEST((classify_smtp_reply(421) == O::retry));
  BOOST_TEST((classify_smtp_reply(451) == O::retry));
  BOOST_TEST((classify_smtp_reply(550) == O::permanent));
  BOOST_TEST((classify_smtp_reply(554) == O::permanent));
  BOOST_TEST((classify_smtp_reply(0) == O::retry));
}

BOOST_AUTO_TEST_CASE(go_time_format) {
  BOOST_TEST(format_go_time(t0) == "2027-01-15 08:00:00 +0000 UTC");
  BOOST_TEST(format_go_time(t0 + 500ms) == "2027-01-15 08:00:00.5 +0000 UTC");
  BOOST_TEST(format_go_time(Time{}) == "0001-01-01 00:00:00 +0000 UTC");
}
