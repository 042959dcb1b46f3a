#include "cli.h"

#include <stdexcept>

#include "core/log.h"

namespace hawatch {
namespace {

const std::vector<std::string> kValueFlags{
    "config.file",  "web.listen-address", "web.config.file", "web.telemetry-path",
    "path.procfs",  "path.sysfs",         "path.rootfs",     "log.level",
    "log.format"};

bool takes_value(const std::string& name) {
  for (const auto& f : kValueFlags)
    if (f == name) return true;
  return false;
}

void assign(CommandLine& cl, const std::string& name, const std::string& value) {
  if (name == "config.file") cl.config_file = value;
  else if (name == "web.listen-address") cl.listen_address = value;
  else if (name == "web.config.file") cl.web_config_file = value;
  else if (name == "web.telemetry-path") {
    if (value.empty() || value.front() != '/')
      throw std::invalid_argument("--web.telemetry-path must start with '/'");
    cl.telemetry_path = value;
  } else if (name == "path.procfs") cl.procfs = value;
  else if (name == "path.sysfs") cl.sysfs = value;
  else if (name == "path.rootfs") cl.rootfs = value;
  else if (name == "log.level") {
    if (!log::parse_level(value))
      throw std::invalid_argument("--log.level must be one of debug, info, warn, error");
    cl.log_level = value;
  } else if (name == "log.format") {
    if (!log::parse_format(value)) throw std::invalid_argument("--log.format must be logfmt or json");
    cl.log_format = value;
  }
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine cl;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2)
      throw std::invalid_argument("unexpected argument \"" + arg + "\" (flags start with --)");
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "check-config" || name == "version" || name == "help") {
      if (value) throw std::invalid_argument("--" + name + " takes no value");
      (name == "check-config" ? cl.check_config : name == "version" ? cl.version : cl.help) = true;
      continue;
    }
    if (name.rfind("collector.", 0) == 0 || name.rfind("no-collector.", 0) == 0) {
      const bool on = name[0] == 'c';
      const std::string collector = name.substr(on ? 10 : 13);
      if (collector.empty() || value) throw std::invalid_argument("malformed flag --" + name);
      cl.collector_switches[collector] = on;
      continue;
    }
    if (!takes_value(name)) throw std::invalid_argument("unknown flag --" + name);
    if (!value) {
      if (i + 1 >= args.size()) throw std::invalid_argument("--" + name + " needs a value");
      value = args[++i];
    }
    assign(cl, name, *value);
  }
  return cl;
}

std::string usage_text() {
  return R"(usage: hawatch [flags]
       hawatch test rules TEST-FILE...   promtool's rule unit tests on hawatch's engine

  --config.file=FILE             YAML configuration (default: the embedded default config)
  --web.listen-address=HOST:PORT address to listen on (default :9847)
  --web.config.file=FILE         exporter-toolkit web config: TLS, mutual TLS, basic auth
  --web.telemetry-path=PATH      path for metrics (default /metrics)
  --path.procfs=DIR              procfs mount point (default /proc)
  --path.sysfs=DIR               sysfs mount point (default /sys)
  --path.rootfs=DIR              host root filesystem (default /)
  --log.level=LEVEL              debug, info, warn or error (default info)
  --log.format=FORMAT            logfmt or json (default logfmt)
  --collector.NAME               enable collector NAME
  --no-collector.NAME            disable collector NAME
  --check-config                 validate the config (and web config) and exit
  --version                      print version and exit

Signals: SIGHUP reloads the configuration, SIGTERM stops.
)";
}

}  // namespace hawatch
