#pragma once
// The framed protocol between hawatch and hawatch-plugin-host over a Unix socketpair:
// every message is a 4-byte big-endian length followed by that many bytes of text.
//   daemon -> host: "INIT\n" + settings lines        host -> daemon: "OK\t<name>" | "ERR\t<why>"
//   daemon -> host: "COLLECT\t<timeout seconds>"     host -> daemon: "RUN\n" + encode_run() | "ERR\t<why>"
// Reads and writes take a deadline; a host that misses it is killed by the supervisor.

#include <chrono>
#include <optional>
#include <string>

#include "plugin_library.h"

namespace hawatch::plugins {

inline constexpr std::size_t kMaxFrameBytes = 16 << 20;

using Deadline = std::optional<std::chrono::steady_clock::time_point>;  // nullopt = wait forever

// Returns an error message, or empty on success.
std::string write_frame(int fd, const std::string& payload, Deadline deadline);
// Returns the payload, or nullopt with `error` set ("timed out", "closed", ...).
std::optional<std::string> read_frame(int fd, Deadline deadline, std::string& error);

std::string encode_settings(const PluginSettings& settings);
PluginSettings decode_settings(const std::string& text);

}  // namespace hawatch::plugins
