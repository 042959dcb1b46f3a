#include "nut_protocol.h"

#include <cmath>

#include "core/parse.h"

namespace hawatch::nut {
namespace {

constexpr std::string_view kSource = "upsd reply";

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string shown(std::string_view line) {
  std::string out;
  for (const char c : line.substr(0, 80)) out += is_control(c) ? '?' : c;
  return out;
}

const std::string* find(const Variables& vars, std::string_view name) {
  for (const auto& [k, v] : vars)
    if (k == name) return &v;
  return nullptr;
}

std::optional<double> number(const std::string* value) {
  if (!value) return std::nullopt;
  const auto v = to_double(*value);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  return v;
}

std::optional<double> percent_ratio(const std::string* value) {
  const auto v = number(value);
  return v ? std::optional<double>(*v / 100.0) : std::nullopt;
}

std::optional<std::string> text(const std::string* value) {
  if (!value || trim(*value).empty()) return std::nullopt;
  return std::string(trim(*value));
}

}  // namespace

std::vector<std::string> tokenize(std::string_view line) {
  if (line.size() > kMaxLineLength) throw ParseError(kSource, "line longer than 4096 bytes");
  std::vector<std::string> out;
  std::string token;
  bool in_token = false, quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\r' && i + 1 == line.size()) break;  // tolerate CRLF
    if (is_control(c)) throw ParseError(kSource, "control character in \"" + shown(line) + "\"");
    if (c == '\\') {
      if (i + 1 == line.size()) throw ParseError(kSource, "trailing backslash in \"" + shown(line) + "\"");
      token += line[++i];
      in_token = true;
    } else if (c == '"') {
      quoted = !quoted;
      in_token = true;
    } else if (c == ' ' && !quoted) {
      if (in_token) out.push_back(std::move(token));
      token.clear();
      in_token = false;
    } else {
      token += c;
      in_token = true;
    }
  }
  if (quoted) throw ParseError(kSource, "unterminated quote in \"" + shown(line) + "\"");
  if (in_token) out.push_back(std::move(token));
  return out;
}

std::optional<std::string> quote(std::string_view argument) {
  std::string out = "\"";
  for (const char c : argument) {
    if (is_control(c)) return std::nullopt;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::optional<std::string> error_code(std::string_view line) {
  const auto fields = split_fields(trim(line));
  if (fields.size() < 2 || fields[0] != "ERR") return std::nullopt;
  return std::string(fields[1]);
}

std::string reason_for_error(std::string_view code) {
  if (code == "DATA-STALE") return "data stale";
  if (code == "DRIVER-NOT-CONNECTED") return "driver not connected";
  if (code == "UNKNOWN-UPS") return "unknown ups";
  if (code == "ACCESS-DENIED") return "access denied";
  if (code == "INVALID-USERNAME" || code == "INVALID-PASSWORD" || code == "USERNAME-REQUIRED" ||
      code == "PASSWORD-REQUIRED")
    return "authentication failed";
  return "server error";
}

ListReply::ListReply(std::string kind, std::vector<std::string> args)
    : kind_(std::move(kind)), args_(std::move(args)) {}

bool ListReply::has_prefix(const std::vector<std::string>& tokens, std::size_t offset) const {
  if (tokens.size() < offset + 1 + args_.size() || tokens[offset] != kind_) return false;
  for (std::size_t i = 0; i < args_.size(); ++i)
    if (tokens[offset + 1 + i] != args_[i]) return false;
  return true;
}

bool ListReply::feed(std::string_view line) {
  if (done_) throw ParseError(kSource, "line after the end of a LIST reply");
  if (auto code = error_code(line)) {
    error_ = std::move(code);
    done_ = true;
    return true;
  }
  const auto tokens = tokenize(line);
  const bool list_marker = tokens.size() >= 2 && tokens[1] == "LIST";
  if (!begun_) {
    if (!list_marker || tokens[0] != "BEGIN" || !has_prefix(tokens, 2) || tokens.size() != 3 + args_.size())
      throw ParseError(kSource, "expected \"BEGIN LIST " + kind_ + "\", got \"" + shown(line) + "\"");
    begun_ = true;
    return false;
  }
  if (list_marker && tokens[0] == "END") {
    if (!has_prefix(tokens, 2) || tokens.size() != 3 + args_.size())
      throw ParseError(kSource, "unexpected \"" + shown(line) + "\" ending a LIST " + kind_ + " reply");
    done_ = true;
    return true;
  }
  if (!has_prefix(tokens, 0))
    throw ParseError(kSource, "unexpected \"" + shown(line) + "\" in a LIST " + kind_ + " reply");
  if (items_.size() == kMaxListItems)
    throw ParseError(kSource, "more than " + std::to_string(kMaxListItems) + " items in a LIST reply");
  items_.emplace_back(tokens.begin() + 1 + static_cast<std::ptrdiff_t>(args_.size()), tokens.end());
  return false;
}

std::vector<std::string> ups_names(const ListReply& reply) {
  std::vector<std::string> out;
  for (const auto& item : reply.items()) {
    if (item.empty() || item[0].empty()) throw ParseError(kSource, "UPS item without a name");
    out.push_back(item[0]);
  }
  return out;
}

Variables variables(const ListReply& reply) {
  Variables out;
  for (const auto& item : reply.items()) {
    if (item.size() != 2 || item[0].empty())
      throw ParseError(kSource, "VAR item is not NAME \"VALUE\"");
    out.emplace_back(item[0], item[1]);
  }
  return out;
}

ups::Flags flags_from_status(std::string_view status, std::vector<std::string>& unmapped) {
  ups::Flags flags;
  for (const auto token : split_fields(status)) {
    if (const auto f = ups::flag_from_name(token))
      flags.set(*f);
    else
      unmapped.emplace_back(token);
  }
  return flags;
}

ups::Reading reading_from_variables(const Variables& vars) {
  ups::Reading r;
  const std::string* status = find(vars, "ups.status");
  if (!status) return ups::down("no ups.status");
  // upsd says WAIT until the driver has delivered its first data.
  if (trim(*status) == "WAIT") return ups::down("waiting for driver");
  r.up = true;
  r.flags = flags_from_status(*status, r.unmapped_status);
  r.battery_charge_ratio = percent_ratio(find(vars, "battery.charge"));
  r.battery_runtime_seconds = number(find(vars, "battery.runtime"));
  r.load_ratio = percent_ratio(find(vars, "ups.load"));
  r.input_voltage_volts = number(find(vars, "input.voltage"));
  r.output_voltage_volts = number(find(vars, "output.voltage"));
  r.battery_voltage_volts = number(find(vars, "battery.voltage"));
  r.last_transfer_reason = text(find(vars, "input.transfer.reason"));
  r.self_test_result = text(find(vars, "ups.test.result"));
  for (const auto& [name, value] : vars)
    if (const auto v = number(&value)) r.variables.emplace_back(name, *v);
  return r;
}

}  // namespace hawatch::nut
