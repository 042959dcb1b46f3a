#pragma once
// Helpers for the pure text parsers of /proc and /sys files. Parsers throw ParseError naming the
// source and what was wrong; they never crash on truncated, empty or garbage input.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch {

class ParseError : public std::runtime_error {
 public:
  ParseError(std::string_view source, std::string_view what)
      : std::runtime_error(std::string(source) + ": " + std::string(what)) {}
};

std::optional<double> to_double(std::string_view text);
std::optional<std::int64_t> to_int64(std::string_view text);
std::optional<std::uint64_t> to_uint64(std::string_view text);

std::string_view trim(std::string_view text);
// Splits on runs of spaces/tabs; no empty fields.
std::vector<std::string_view> split_fields(std::string_view line);
// Calls `fn(line)` for each line (without '\n'); the last line need not end in '\n'.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace hawatch
