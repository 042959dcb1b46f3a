#include "mysql_config.h"

#include <cstdlib>
#include <fstream>
#include <set>

#include "core/entry_list.h"

namespace hawatch::mysql {
namespace {

constexpr long long kDefaultPort = 3306;

void error(MapReader& opts, const std::string& key, const std::string& message) {
  opts.context().error(opts.node(key), "\"" + opts.where() + "." + key + "\": " + message);
}

bool printable(const std::string& text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

// The file's first line. The message names the file, never its content.
std::optional<std::string> password_from_file(MapReader& opts, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error(opts, "password_file", "cannot read \"" + path + "\"");
    return std::nullopt;
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    error(opts, "password_file", "\"" + path + "\" must hold the password on its first line");
    return std::nullopt;
  }
  return password;
}

std::optional<std::string> password_from_env(MapReader& opts, const std::string& variable) {
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr || *value == '\0') {
    error(opts, "password_env", "environment variable \"" + variable + "\" is not set or empty");
    return std::nullopt;
  }
  return std::string(value);
}

// password_file or password_env (not both); neither is fine (socket authentication).
std::optional<std::string> read_password(MapReader& opts, bool& ok) {
  const auto file = opts.string("password_file");
  const auto variable = opts.string("password_env");
  if (opts.has("password")) {
    error(opts, "password", "passwords are not written into the config: use password_file or password_env");
    ok = false;
  }
  if (file && variable) {
    error(opts, "password_env", "use either password_file or password_env, not both");
    ok = false;
    return std::nullopt;
  }
  std::optional<std::string> password;
  if (file) password = password_from_file(opts, *file);
  if (variable) password = password_from_env(opts, *variable);
  if ((file || variable) && !password) ok = false;
  return password;
}

std::optional<TlsOptions> read_tls(MapReader& entry, bool& ok) {
  if (!entry.has("tls")) return std::nullopt;
  MapReader opts(entry.node("tls"), entry.context(), entry.where() + ".tls");
  if (!opts.valid()) {
    ok = false;
    return std::nullopt;
  }
  TlsOptions tls;
  for (auto [key, field] : {std::pair{"ca_file", &tls.ca_file}, std::pair{"cert_file", &tls.cert_file},
                            std::pair{"key_file", &tls.key_file}}) {
    *field = opts.string(key);
    if (*field && !std::ifstream(**field)) {
      error(opts, key, "cannot read \"" + **field + "\"");
      ok = false;
    }
  }
  if (tls.cert_file.has_value() != tls.key_file.has_value()) {
    error(opts, tls.cert_file ? "cert_file" : "key_file", "cert_file and key_file go together");
    ok = false;
  }
  tls.insecure_skip_verify = opts.boolean("insecure_skip_verify").value_or(false);
  opts.finish();
  return tls;
}

ConnectionOptions read_connection(MapReader& opts, const YAML::Node& item, bool& ok) {
  ConnectionOptions c;
  if (const auto host = opts.string("host")) {
    if (host->empty() || !printable(*host)) {
      error(opts, "host", "must be a host name or address");
      ok = false;
    }
    c.host = *host;
  }
  if (const auto port = opts.integer("port", 1, 65535)) c.port = static_cast<unsigned>(*port);
  else if (opts.has("port")) ok = false;
  c.socket = opts.string("socket");
  if (c.socket && (c.socket->empty() || !c.socket->starts_with('/'))) {
    error(opts, "socket", "must be an absolute path");
    ok = false;
  }
  if (c.socket && (opts.has("host") || opts.has("port"))) {
    error(opts, "socket", "give either socket or host/port");
    ok = false;
  }
  const auto user = opts.string("user");
  if (!user) {
    if (!opts.has("user")) opts.context().error(item, "\"" + opts.where() + "\": missing \"user\"");
    ok = false;
  } else if (user->empty() || !printable(*user)) {
    error(opts, "user", "must be a user name");
    ok = false;
  } else {
    c.user = *user;
  }
  c.database = opts.string("database");
  if (c.database && !parse_table_name(*c.database).has_value()) {
    error(opts, "database", "\"" + *c.database + "\" is not a database name ([A-Za-z0-9_$], up to 64)");
    ok = false;
  } else if (c.database && c.database->find('.') != std::string::npos) {
    error(opts, "database", "must not contain \".\"");
    ok = false;
  }
  c.password = read_password(opts, ok);
  c.tls = read_tls(opts, ok);
  if (c.tls && c.socket) {
    error(opts, "tls", "TLS is for TCP connections, not a unix socket");
    ok = false;
  }
  return c;
}

std::optional<HeartbeatOptions> read_heartbeat(MapReader& entry, const ConnectionOptions& connection, bool& ok) {
  if (!entry.has("heartbeat")) return std::nullopt;
  const YAML::Node node = entry.node("heartbeat");
  MapReader opts(node, entry.context(), entry.where() + ".heartbeat");
  if (!opts.valid()) {
    ok = false;
    return std::nullopt;
  }
  HeartbeatOptions h;
  const std::string table = opts.string("table").value_or("hawatch_heartbeat");
  if (const auto parsed = parse_table_name(table)) {
    h.table = *parsed;
    if (!h.table.schema) h.table.schema = connection.database;
    if (!h.table.schema) {
      opts.context().error(opts.has("table") ? opts.node("table") : entry.node("heartbeat"),
                           "\"" + opts.where() + ".table\": \"" + table +
                               "\" needs a database: write it as DATABASE.TABLE or set \"" +
                               entry.where() + ".database\"");
      ok = false;
    }
  } else {
    error(opts, "table", "\"" + table + "\" is not a table name: TABLE or DATABASE.TABLE, each of 1-64 "
                         "letters, digits, _ or $, not only digits");
    ok = false;
  }
  if (const auto interval = positive_duration(opts, "interval", ok)) h.interval = *interval;
  h.timeout = positive_duration(opts, "timeout", ok);
  opts.finish();
  return h;
}


}  // namespace

std::string ConnectionOptions::endpoint() const {
  if (socket) return "unix:" + *socket;
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::vector<Entry> read_entries(const CollectorArgs& args) {
  std::vector<Entry> entries;
  if (!args.options.IsDefined() || args.options.IsNull()) return entries;  // nothing to watch
  if (!args.options.IsSequence()) {
    const YAML::Node at = args.options.IsMap() && args.options.size() ? args.options.begin()->first : args.options;
    args.ctx.error(at, "\"" + args.where + "\" must be a list of { name, host, port, user, ... } entries");
    return entries;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < args.options.size(); ++i) {
    MapReader opts(args.options[i], args.ctx, args.where + "[" + std::to_string(i) + "]");
    if (!opts.valid()) continue;
    bool ok = true;
    Entry entry;
    if (const auto head = read_entry_head(opts, args.options[i], "mysql", names, LongTimeout::clamp)) {
      entry.name = head->name;
      entry.interval = head->interval;
      entry.timeout = head->timeout;
    } else {
      ok = false;
    }
    entry.connection = read_connection(opts, args.options[i], ok);
    entry.heartbeat = read_heartbeat(opts, entry.connection, ok);
    opts.finish();
    if (ok) entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace hawatch::mysql
