#pragma once
// Whether the systemd collector has something to talk to, answered without sd-bus: this file is
// built into the executable (SOURCE_CHECK in CMakeLists.txt), so a host without a system bus
// never maps the systemd module or libsystemd to find out.

#include <optional>
#include <string>

#include "core/environment.h"

namespace hawatch {

// The unix socket path of the system bus: from DBUS_SYSTEM_BUS_ADDRESS (`address_env`, may be
// null) when set, else D-Bus's default. nullopt when the address names no unix socket path (e.g.
// an abstract socket), in which case there is no file to test.
std::optional<std::string> system_bus_socket_path(const char* address_env);

// There is a system bus to talk to (or an address that cannot be tested as a file).
bool systemd_source_exists(const Environment& env);

}  // namespace hawatch
