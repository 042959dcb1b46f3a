#include "sysfs_read.h"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "core/file_io.h"
#include "core/parse.h"

namespace hawatch::pi {

std::optional<std::string> read_optional_attribute(const std::filesystem::path& path) {
  try {
    return read_attribute(path);
  } catch (const IoError& e) {
    if (e.not_found()) return std::nullopt;
    throw;
  }
}

std::uint32_t parse_hex(std::string_view text, std::string_view source, std::size_t max_digits) {
  std::string_view digits = trim(text);
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    digits.remove_prefix(2);
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
  if (digits.empty() || digits.size() > max_digits || ec != std::errc{} ||
      end != digits.data() + digits.size())
    throw ParseError(
        source, "expected a hexadecimal value, got \"" + printable_label(trim(text), 32) + "\"");
  return value;
}

bool parse_flag(std::string_view text, std::string_view source) {
  const std::string_view value = trim(text);
  if (value == "0") return false;
  if (value == "1") return true;
  throw ParseError(source, "expected 0 or 1, got \"" + printable_label(value, 32) + "\"");
}

std::uint64_t parse_decimal(std::string_view text, std::string_view source) {
  const auto value = to_uint64(text);
  if (!value)
    throw ParseError(source,
                     "expected a decimal number, got \"" + printable_label(trim(text), 32) + "\"");
  return *value;
}

std::vector<std::filesystem::path> list_entries(const std::filesystem::path& dir,
                                                std::string_view prefix, std::size_t limit) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return out;
  // Bounded by entries looked at, not only by matches: a huge directory costs a fixed amount.
  std::size_t seen = 0;
  for (const std::filesystem::directory_iterator end; it != end && ++seen <= 4096;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) == 0) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::string printable_label(std::string_view text, std::size_t max_length) {
  std::string out;
  for (const char c : text) {
    if (out.size() == max_length) break;
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace hawatch::pi
