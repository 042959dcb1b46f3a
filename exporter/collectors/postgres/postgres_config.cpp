#include "postgres_config.h"

#include <fstream>
#include <set>

#include "core/entry_list.h"

namespace hawatch::pg {
namespace {

struct FreeOptions {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

bool is_loopback_host(const std::string& host) {
  return host.empty() || host.front() == '/' || host.front() == '@' || host == "localhost" ||
         host.starts_with("127.") || host == "::1";
}

// Whether every host of the DSN is this machine (Unix socket, loopback address or name).
bool local_only(const std::vector<std::pair<std::string, std::string>>& keywords) {
  for (const auto& [k, v] : keywords) {
    if (k != "host" && k != "hostaddr") continue;
    for (const auto& h : split_list(v))
      if (!is_loopback_host(h)) return false;
  }
  return true;
}

// The password file's first line; neither the password nor the file's content is ever echoed.
std::optional<std::string> read_password(MapReader& opts, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string password;
  if (!in || !std::getline(in, password)) {
    opts.context().error(opts.node("password_file"),
                         "\"" + opts.where() + ".password_file\": cannot read \"" + path + "\"");
    return std::nullopt;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    opts.context().error(opts.node("password_file"), "\"" + opts.where() + ".password_file\": \"" + path +
                                                         "\" must hold the password on its first line");
    return std::nullopt;
  }
  return password;
}

std::optional<HeartbeatConfig> read_heartbeat(MapReader& entry, bool& ok) {
  if (!entry.has("heartbeat")) return std::nullopt;
  const YAML::Node node = entry.node("heartbeat");
  const std::string where = entry.where() + ".heartbeat";
  if (node.IsNull()) return HeartbeatConfig{{"hawatch_heartbeat"}, std::chrono::seconds(1), std::nullopt};
  MapReader opts(node, entry.context(), where);
  if (!opts.valid()) {
    ok = false;
    return std::nullopt;
  }
  HeartbeatConfig hb;
  const std::string table = opts.string("table").value_or("hawatch_heartbeat");
  if (auto parts = split_table_name(table)) {
    hb.table = std::move(*parts);
  } else {
    entry.context().error(opts.node("table"),
                          "\"" + where + ".table\": \"" + table +
                              "\" is not a table name (lower-case letters, digits, _ and $, not "
                              "starting with a digit, at most 63 bytes; optionally schema.table)");
    ok = false;
  }
  if (auto interval = positive_duration(opts, "interval", ok)) hb.interval = *interval;
  hb.timeout = positive_duration(opts, "timeout", ok);
  opts.finish();
  return hb;
}

std::optional<EntryConfig> read_entry(MapReader& opts, std::set<std::string>& names, const YAML::Node& item) {
  EntryConfig entry;
  bool ok = true;
  auto& ctx = opts.context();
  const auto head = read_entry_head(opts, item, "postgres", names, LongTimeout::clamp);
  if (head) {
    entry.name = head->name;
    entry.interval = head->interval;
    entry.timeout = head->timeout;
  } else {
    ok = false;
  }
  const auto dsn = opts.string("dsn");
  if (!dsn) {
    if (!opts.has("dsn")) ctx.error(item, "\"" + opts.where() + "\": missing \"dsn\" (a libpq connection string)");
    ok = false;
  } else {
    std::string why;
    if (auto parsed = parse_dsn(*dsn, why))
      entry.connect = std::move(*parsed);
    else {
      ctx.error(opts.node("dsn"), "\"" + opts.where() + ".dsn\": " + why);
      ok = false;
    }
  }
  if (const auto file = opts.string("password_file")) {
    if (auto password = read_password(opts, *file))
      entry.connect.password = std::move(*password);
    else
      ok = false;
  }
  entry.expected_standbys = opts.string_list("standbys").value_or(std::vector<std::string>{});
  entry.heartbeat = read_heartbeat(opts, ok);
  opts.finish();
  if (!ok) return std::nullopt;
  return entry;
}

}  // namespace

std::optional<ConnectOptions> parse_dsn(const std::string& dsn, std::string& why) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, FreeOptions> parsed(PQconninfoParse(dsn.c_str(), &error));
  if (!parsed) {
    const std::string message = error ? error : "";
    PQfreemem(error);
    // libpq's other messages quote pieces of the string, which may be a password: keep only the
    // one that names an option keyword.
    if (message.starts_with("invalid connection option"))
      why = message.substr(0, message.find('\n'));
    else
      why = "not a valid libpq connection string (key=value pairs or a postgresql:// URI)";
    return std::nullopt;
  }
  ConnectOptions out;
  bool has_sslmode = false;
  for (const PQconninfoOption* o = parsed.get(); o->keyword; ++o) {
    if (!o->val) continue;
    out.keywords.emplace_back(o->keyword, o->val);
    has_sslmode = has_sslmode || std::string_view(o->keyword) == "sslmode";
  }
  if (!has_sslmode && !local_only(out.keywords)) out.keywords.emplace_back("sslmode", "verify-full");
  return out;
}

std::vector<EntryConfig> read_entries(const CollectorArgs& args) {
  std::vector<EntryConfig> out;
  if (!args.options.IsDefined() || args.options.IsNull()) return out;
  if (!args.options.IsSequence()) {
    // A mapping section arrives rebuilt without its position; its first key still has one.
    const YAML::Node at = args.options.IsMap() && args.options.size() ? args.options.begin()->first : args.options;
    args.ctx.error(at, "\"" + args.where + "\" must be a list of { name, dsn, ... } entries");
    return out;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < args.options.size(); ++i) {
    const YAML::Node item = args.options[i];
    MapReader opts(item, args.ctx, args.where + "[" + std::to_string(i) + "]");
    if (!opts.valid()) continue;
    if (auto entry = read_entry(opts, names, item)) out.push_back(std::move(*entry));
  }
  return out;
}

}  // namespace hawatch::pg
