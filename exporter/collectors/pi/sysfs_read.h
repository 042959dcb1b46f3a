#pragma once
// Reading small sysfs/procfs attributes for the pi collector, where "the file is not there" is a
// normal answer (this kernel or board lacks the interface) and anything else is a problem worth
// naming: an unreadable file throws IoError, a value that is not what the kernel prints throws
// ParseError, both with the path.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::pi {

// The first line of the attribute without its newline; nullopt when the file (or a directory on
// its path) does not exist. Other read errors throw IoError.
std::optional<std::string> read_optional_attribute(const std::filesystem::path& path);

// "0x1f", "1f" or "0X1F" (the kernel prints both with and without the prefix across versions);
// at most `max_digits` hex digits, surrounding whitespace allowed. Throws ParseError(source).
std::uint32_t parse_hex(std::string_view text, std::string_view source, std::size_t max_digits = 8);

// "0" or "1" (sysfs booleans: block/*/ro, hwmon *_alarm). Throws ParseError(source).
bool parse_flag(std::string_view text, std::string_view source);

// A decimal unsigned integer such as a cpufreq kHz value. Throws ParseError(source).
std::uint64_t parse_decimal(std::string_view text, std::string_view source);

// Entries of `dir` whose names start with `prefix`, sorted, at most `limit` of them (a directory
// is a hostile input too: a fixture or a broken driver may list thousands). Empty when `dir` is
// absent.
std::vector<std::filesystem::path> list_entries(const std::filesystem::path& dir,
                                                std::string_view prefix, std::size_t limit = 64);

// A label value from hardware-provided text (CID product names, device-tree strings): printable
// ASCII only, at most `max_length` characters, so that /metrics stays valid UTF-8 whatever the
// card reports.
std::string printable_label(std::string_view text, std::size_t max_length = 64);

}  // namespace hawatch::pi
