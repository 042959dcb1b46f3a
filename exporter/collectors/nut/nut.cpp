// nut: UPS state from NUT's upsd (TCP 3493): the configured UPS, or every UPS upsd knows.
// The line protocol lives in nut_protocol.{h,cpp}; this file is the I/O around it.

#include <fstream>
#include <iterator>
#include <set>

#include "core/collector.h"
#include "core/parse.h"
#include "nut_protocol.h"
#include "collectors/shared/tcp_client.h"
#include "collectors/shared/ups_common.h"

namespace hawatch {
namespace {

constexpr std::uint16_t kDefaultPort = 3493;

struct Credentials {
  std::string username;
  std::string password;
};

// A server answer that ends this exchange for one UPS (ERR DATA-STALE, ...), not the connection.
struct UpsError {
  std::string code;
};

class NutCollector final : public Collector {
 public:
  NutCollector(std::string name, HostPort address, std::optional<std::string> ups,
               std::optional<Credentials> credentials)
      : name_(std::move(name)), ups_(std::move(ups)), credentials_(std::move(credentials)),
        client_(std::move(address)) {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    std::vector<std::pair<std::string, ups::Reading>> readings;
    std::string detail;
    std::string reason;
    try {
      readings = query_with_retry(ctx.deadline);
    } catch (const TcpError& e) {
      reason = e.reason();
      detail = e.what();
    } catch (const ParseError& e) {
      client_.close();  // the stream is no longer in step with the protocol
      reason = "protocol error";
      detail = client_.address().to_string() + ": " + e.what();
    } catch (const UpsError& e) {  // login refused: every UPS of this entry is unreadable
      client_.close();
      reason = nut::reason_for_error(e.code);
      detail = client_.address().to_string() + ": login: ERR " + e.code;
    }
    if (!detail.empty()) {
      problems.push_back({"nut/" + name_ + ": " + detail});
      // Down for every UPS we know of; before the first answer that is just this entry.
      for (const auto& label : known_labels_.empty() ? std::set<std::string>{name_} : known_labels_)
        readings.emplace_back(label, ups::down(reason));
    }
    for (auto& [label, reading] : readings) {
      // A wrong UPS name or missing rights is a setup error, not a UPS state: fail the run too.
      if (!reading.up && (reading.down_reason == "unknown ups" || reading.down_reason == "access denied"))
        problems.push_back({"nut/" + name_ + ": " + label + ": " + reading.down_reason});
      availability_.note("nut", label, reading, detail);
      ups::emit_reading(sink, label, reading);
    }
  }

 private:
  using Readings = std::vector<std::pair<std::string, ups::Reading>>;

  Readings query_with_retry(TcpClient::Deadline deadline) {
    const bool reused = client_.connected();
    try {
      return query(deadline);
    } catch (const TcpError& e) {
      if (!reused || e.reason() == "timeout") throw;
      return query(deadline);  // upsd may have dropped the idle connection; one fresh try
    }
  }

  Readings query(TcpClient::Deadline deadline) {
    if (!client_.connected()) {
      client_.ensure_connected(deadline);
      login(deadline);
    }
    Readings out;
    if (ups_) {
      out.emplace_back(name_, read_ups(*ups_, deadline));
    } else {
      nut::ListReply list("UPS", {});
      exchange("LIST UPS", list, deadline);
      if (list.error()) throw TcpError(nut::reason_for_error(*list.error()),
                                       client_.address().to_string() + ": LIST UPS: ERR " + *list.error());
      // Listed UPSes are labelled ENTRY/UPS so that several upsd servers never collide.
      std::set<std::string> labels;
      for (const auto& ups : nut::ups_names(list)) {
        labels.insert(name_ + "/" + ups);
        out.emplace_back(name_ + "/" + ups, read_ups(ups, deadline));
      }
      known_labels_ = std::move(labels);
    }
    for (auto& [label, reading] : out) track_on_battery(label, reading);
    return out;
  }

  ups::Reading read_ups(const std::string& ups, TcpClient::Deadline deadline) {
    const auto quoted = nut::quote(ups);
    if (!quoted) throw ParseError("upsd reply", "UPS name with control characters");
    nut::ListReply vars("VAR", {ups});
    exchange("LIST VAR " + *quoted, vars, deadline);
    if (vars.error()) return ups::down(nut::reason_for_error(*vars.error()));
    return nut::reading_from_variables(nut::variables(vars));
  }

  void exchange(const std::string& command, nut::ListReply& reply, TcpClient::Deadline deadline) {
    client_.send(command + "\n", deadline);
    while (!reply.feed(client_.read_line(deadline, nut::kMaxLineLength))) {
    }
  }

  // USERNAME/PASSWORD once per connection (upsd refuses a second USERNAME on the same one).
  void login(TcpClient::Deadline deadline) {
    if (!credentials_) return;
    for (const auto& [command, value] : {std::pair{"USERNAME ", &credentials_->username},
                                         std::pair{"PASSWORD ", &credentials_->password}}) {
      client_.send(command + *nut::quote(*value) + "\n", deadline);
      const std::string line = client_.read_line(deadline, nut::kMaxLineLength);
      if (auto code = nut::error_code(line)) throw UpsError{*code};
      if (trim(line) != "OK")
        throw ParseError("upsd reply", std::string("unexpected answer to ") + command + "command");
    }
  }

  // NUT has no "time on battery" variable; measure it from the first run that saw OB.
  void track_on_battery(const std::string& label, ups::Reading& reading) {
    if (!reading.up) return;
    const auto now = std::chrono::steady_clock::now();
    if (!reading.flags.test(ups::OB)) {
      on_battery_since_.erase(label);
      reading.on_battery_seconds = 0;
      return;
    }
    const auto since = on_battery_since_.try_emplace(label, now).first->second;
    reading.on_battery_seconds = std::chrono::duration<double>(now - since).count();
  }

  std::string name_;
  std::optional<std::string> ups_;
  std::optional<Credentials> credentials_;
  TcpClient client_;
  std::set<std::string> known_labels_;
  std::map<std::string, std::chrono::steady_clock::time_point> on_battery_since_;
  ups::AvailabilityLog availability_;
};

// The password file's first line; never echoed in errors.
std::optional<std::string> read_password(MapReader& opts, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    opts.context().error(opts.node("password_file"),
                         "\"" + opts.where() + ".password_file\": cannot read \"" + path + "\"");
    return std::nullopt;
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty() || !nut::quote(password)) {
    opts.context().error(opts.node("password_file"), "\"" + opts.where() + ".password_file\": \"" + path +
                                                         "\" must hold the password on its first line, "
                                                         "without control characters");
    return std::nullopt;
  }
  return password;
}

std::unique_ptr<Collector> make_nut(MapReader& opts, const ups::Entry& entry) {
  const auto ups = opts.string("ups");
  const auto username = opts.string("username");
  const auto password_file = opts.string("password_file");
  bool ok = true;
  if (ups && (ups->empty() || !nut::quote(*ups))) {
    opts.context().error(opts.node("ups"), "\"" + opts.where() + ".ups\": must be a UPS name");
    ok = false;
  }
  if (username && (username->empty() || !nut::quote(*username))) {
    opts.context().error(opts.node("username"), "\"" + opts.where() + ".username\": must be a user name");
    ok = false;
  }
  if (username.has_value() != password_file.has_value()) {
    opts.context().error(opts.node(username ? "username" : "password_file"),
                         "\"" + opts.where() + "\": username and password_file go together");
    ok = false;
  }
  std::optional<Credentials> credentials;
  if (username && password_file) {
    if (auto password = read_password(opts, *password_file))
      credentials = Credentials{*username, std::move(*password)};
    else
      ok = false;
  }
  if (!ok) return nullptr;
  return std::make_unique<NutCollector>(entry.name, entry.address, ups, std::move(credentials));
}

CollectorDescriptor nut_descriptor() {
  CollectorDescriptor d;
  d.name = "nut";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  // Without a config section there is nothing to watch; the section turns it on.
  d.source_exists = [](const Environment&) { return false; };
  d.create_units = [](const CollectorArgs& args) { return ups::read_units(args, kDefaultPort, make_nut); };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(nut, hawatch::nut_descriptor)
