#include "systemd_source.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace hawatch {

std::optional<std::string> system_bus_socket_path(const char* address_env) {
  // D-Bus's compiled-in default for the system bus.
  constexpr std::string_view kDefault = "/run/dbus/system_bus_socket";
  if (address_env == nullptr || *address_env == '\0') return std::string(kDefault);
  // An address list is "transport:key=value,key=value;transport:...": the first unix path wins.
  std::string_view rest(address_env);
  while (!rest.empty()) {
    const auto end = rest.find(';');
    std::string_view addr = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (addr.substr(0, 5) != "unix:") continue;
    addr.remove_prefix(5);
    while (!addr.empty()) {
      const auto comma = addr.find(',');
      std::string_view kv = addr.substr(0, comma);
      addr = comma == std::string_view::npos ? std::string_view{} : addr.substr(comma + 1);
      if (kv.substr(0, 5) == "path=") return std::string(kv.substr(5));
    }
  }
  return std::nullopt;
}

bool systemd_source_exists(const Environment&) {
  const auto path = system_bus_socket_path(std::getenv("DBUS_SYSTEM_BUS_ADDRESS"));
  std::error_code ec;
  return !path || std::filesystem::exists(*path, ec);
}

}  // namespace hawatch
