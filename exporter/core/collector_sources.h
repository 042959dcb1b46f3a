#pragma once
// "Does this collector's source exist on this host?" for the collectors that live in modules and
// are enabled automatically. The daemon asks before loading the module (finding out that there is
// no system bus must not map libsystemd), and the collectors' own descriptors call the same
// functions once loaded, so the two answers cannot drift apart.

#include <optional>
#include <string>

#include "environment.h"

namespace hawatch::sources {

// The unix socket path of the system bus: from DBUS_SYSTEM_BUS_ADDRESS (`address_env`, may be
// null) when set, else D-Bus's default. nullopt when the address names no unix socket path (e.g.
// an abstract socket), in which case there is no file to test.
std::optional<std::string> system_bus_socket_path(const char* address_env);

// systemd: there is a system bus to talk to (or an address that cannot be tested as a file).
bool system_bus_exists();

// keepalived: keepalived is configured on this host (seen through --path.rootfs).
bool keepalived_configured(const Environment& env);

}  // namespace hawatch::sources
