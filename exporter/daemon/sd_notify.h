#pragma once
// The systemd notification protocol (sd_notify(3)), without libsystemd: one datagram per message
// to the AF_UNIX socket named by $NOTIFY_SOCKET. systemd documents the protocol as the stable
// interface (https://systemd.io/PORTABILITY_AND_STABILITY/) and publishes a self-contained
// reference implementation for exactly this use: man/notify-selfcontained-example.c in
// systemd's repository, shown in the "Notes" of sd_notify(3). Linking libsystemd for it would map
// libsystemd plus lz4, lzma, zstd, gcrypt, gpg-error and cap (~0.4 MiB resident) into the daemon.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace hawatch::sd {

enum class NotifyOutcome {
  sent,
  not_configured,  // NOTIFY_SOCKET is unset or empty: not run by a service manager; a no-op
  failed,
};

struct NotifyResult {
  NotifyOutcome outcome = NotifyOutcome::not_configured;
  std::string error;  // why, when failed
};

// Sends `state` ("READY=1", "STATUS=...\nWATCHDOG=1", ...) to $NOTIFY_SOCKET: an absolute path,
// or "@name" for the abstract namespace. Never blocks longer than kSendTimeout, never raises
// SIGPIPE, and leaves no descriptor behind (nor to exec'd children).
NotifyResult notify(std::string_view state);
// The same to an explicit socket address (as $NOTIFY_SOCKET would hold it).
NotifyResult notify_to(std::string_view socket, std::string_view state);

// "RELOADING=1" with the MONOTONIC_USEC= that Type=notify-reload requires in the same message
// (systemd.service(5)); Type=notify ignores the extra field.
std::string reloading_message();

// A service manager that stopped reading must not stall the daemon's main loop for long.
inline constexpr std::chrono::milliseconds kSendTimeout{500};

// Like sd_watchdog_enabled(0, ...): the keep-alive interval systemd expects, from
// $WATCHDOG_USEC (> 0) when $WATCHDOG_PID is unset or names this process; nullopt when off or
// when either variable is malformed.
std::optional<std::chrono::microseconds> watchdog_enabled();
// The same from explicit values (nullptr = unset), for tests.
std::optional<std::chrono::microseconds> watchdog_from(const char* usec, const char* pid, pid_t self);

}  // namespace hawatch::sd
