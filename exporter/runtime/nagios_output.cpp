#include "nagios_output.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace hawatch::plugins {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A decimal number; a leading '+' is allowed (from_chars does not take one). Finite only.
std::optional<double> to_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

struct UnitScale {
  std::string_view uom;
  PerfUnit unit;
  double factor;
};

// Nagios plugin guidelines' UOMs plus the binary byte prefixes real plugins print (check_disk: MiB).
constexpr UnitScale kUnits[] = {
    {"", PerfUnit::none, 1},
    {"s", PerfUnit::seconds, 1},
    {"ms", PerfUnit::seconds, 1e-3},
    {"us", PerfUnit::seconds, 1e-6},
    {"%", PerfUnit::ratio, 0.01},
    {"B", PerfUnit::bytes, 1},
    {"KB", PerfUnit::bytes, 1e3},
    {"MB", PerfUnit::bytes, 1e6},
    {"GB", PerfUnit::bytes, 1e9},
    {"TB", PerfUnit::bytes, 1e12},
    {"KiB", PerfUnit::bytes, 1024.0},
    {"MiB", PerfUnit::bytes, 1024.0 * 1024},
    {"GiB", PerfUnit::bytes, 1024.0 * 1024 * 1024},
    {"TiB", PerfUnit::bytes, 1024.0 * 1024 * 1024 * 1024},
    {"c", PerfUnit::counter, 1},
};

const UnitScale* find_unit(std::string_view uom) {
  for (const auto& u : kUnits)
    if (u.uom == uom) return &u;
  return nullptr;
}

std::optional<NagiosRange> scaled(std::optional<NagiosRange> r, double factor) {
  if (r) {
    r->start *= factor;
    r->end *= factor;
  }
  return r;
}

// Splits "value[UOM]" into number and unit at the first character that cannot be in a number.
std::pair<std::string_view, std::string_view> split_value(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                          s[i] == '-' || s[i] == '+' || s[i] == 'e' || s[i] == 'E')) {
    // 'e' only as an exponent: "1e3" yes, but not the start of a unit such as "s".
    if ((s[i] == 'e' || s[i] == 'E') &&
        (i == 0 || i + 1 >= s.size() ||
         !(std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '-' || s[i + 1] == '+')))
      break;
    ++i;
  }
  return {s.substr(0, i), s.substr(i)};
}

// Reads one perfdata item starting at `pos`; the label may be quoted ('' is a literal quote).
// Returns false at the end of the text.
bool next_item(std::string_view text, std::size_t& pos, std::string& label, std::string& rest,
               std::string& error) {
  while (pos < text.size() && is_space(text[pos])) ++pos;
  if (pos >= text.size()) return false;
  label.clear();
  rest.clear();
  error.clear();
  if (text[pos] == '\'') {
    ++pos;
    bool closed = false;
    while (pos < text.size()) {
      if (text[pos] == '\'') {
        if (pos + 1 < text.size() && text[pos + 1] == '\'') {
          label += '\'';
          pos += 2;
          continue;
        }
        ++pos;
        closed = true;
        break;
      }
      label += text[pos++];
    }
    if (!closed) {
      error = "unterminated quoted label '" + label;
      return true;
    }
    if (pos >= text.size() || text[pos] != '=') {
      error = "item '" + label + "': expected '=' after the label";
      while (pos < text.size() && !is_space(text[pos])) ++pos;
      return true;
    }
    ++pos;
  } else {
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] != '=' && !is_space(text[pos])) ++pos;
    label = std::string(text.substr(start, pos - start));
    if (pos >= text.size() || text[pos] != '=') {
      error = "item '" + label + "': expected label=value";
      return true;
    }
    ++pos;
  }
  const std::size_t start = pos;
  while (pos < text.size() && !is_space(text[pos])) ++pos;
  rest = std::string(text.substr(start, pos - start));
  return true;
}

std::optional<PerfDatum> read_datum(const std::string& label, std::string_view rest,
                                    std::string& error) {
  if (label.empty()) {
    error = "item with an empty label";
    return std::nullopt;
  }
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || rest[i] == ';') {
      fields.push_back(rest.substr(start, i - start));
      start = i + 1;
    }
  }
  const std::string where = "item '" + label + "'";
  if (fields.size() > 5) {
    error = where + ": more than value;warn;crit;min;max";
    return std::nullopt;
  }
  if (fields[0] == "U") {
    error = where + ": value is U (undetermined)";
    return std::nullopt;
  }
  // Not a structured binding: clang (the fuzz build) does not let lambdas capture those.
  const auto split = split_value(fields[0]);
  const std::string_view number = split.first, uom = split.second;
  auto value = to_number(number);
  if (!value) {
    error = where + ": value \"" + std::string(fields[0]) + "\" is not a number";
    return std::nullopt;
  }
  const UnitScale* unit = find_unit(uom);
  if (!unit) {
    error = where + ": unknown unit of measure \"" + std::string(uom) + "\"";
    return std::nullopt;
  }
  PerfDatum d;
  d.label = label;
  d.uom = std::string(uom);
  d.unit = unit->unit;
  d.value = *value * unit->factor;
  auto range = [&](std::size_t i, const char* what) -> std::optional<NagiosRange> {
    if (i >= fields.size() || trim(fields[i]).empty()) return std::nullopt;
    auto r = parse_nagios_range(trim(fields[i]));
    if (!r) error = where + ": " + what + " threshold \"" + std::string(fields[i]) + "\" is not a range";
    return scaled(r, unit->factor);
  };
  auto bound = [&](std::size_t i, const char* what) -> std::optional<double> {
    if (i >= fields.size() || fields[i].empty()) return std::nullopt;
    // Some plugins repeat the unit on min/max ("0MB"); accept the same unit only.
    auto [num, u] = split_value(fields[i]);
    auto v = to_number(num);
    if (!v || (!u.empty() && u != uom)) {
      error = where + ": " + what + " \"" + std::string(fields[i]) + "\" is not a number";
      return std::nullopt;
    }
    return *v * unit->factor;
  };
  d.warning = range(1, "warning");
  d.critical = range(2, "critical");
  d.min = bound(3, "min");
  d.max = bound(4, "max");
  return d;  // a bad threshold is reported but the value is kept
}

}  // namespace

std::optional<NagiosRange> parse_nagios_range(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  NagiosRange r;
  if (text.front() == '@') {
    r.inside = true;
    text.remove_prefix(1);
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    auto end = to_number(text);  // "10" means 0..10; "-5" would be an empty range
    if (!end || *end < 0) return std::nullopt;
    r.start = 0;
    r.end = *end;
    return r;
  }
  const std::string_view lo = text.substr(0, colon);
  const std::string_view hi = text.substr(colon + 1);
  if (lo == "~") {
    r.start = -kInf;
  } else if (lo.empty()) {
    r.start = 0;
  } else if (auto v = to_number(lo)) {
    r.start = *v;
  } else {
    return std::nullopt;
  }
  if (hi.empty()) {
    r.end = kInf;
  } else if (auto v = to_number(hi)) {
    r.end = *v;
  } else {
    return std::nullopt;
  }
  if (r.start > r.end) return std::nullopt;
  return r;
}

std::size_t parse_perfdata(std::string_view text, std::vector<PerfDatum>& out,
                           std::vector<std::string>& problems) {
  std::size_t pos = 0, skipped = 0;
  std::string label, rest, error;
  // A hostile plugin may print megabytes of perfdata; every item kept becomes up to seven series,
  // so items and listed problems are capped, and what is beyond is only counted.
  const auto problem = [&](std::string message) {
    if (problems.size() < kMaxPerfdataProblems)
      problems.push_back(std::move(message));
    else
      ++skipped;
  };
  while (next_item(text, pos, label, rest, error)) {
    if (!error.empty()) {
      problem(error);
      continue;
    }
    if (out.size() >= kMaxPerfdataItems) {
      ++skipped;
      continue;
    }
    auto d = read_datum(label, rest, error);
    if (!error.empty()) problem(error);
    if (d) out.push_back(std::move(*d));
  }
  return skipped;
}

NagiosOutput parse_nagios_output(int exit_code, std::string_view output) {
  NagiosOutput r;
  if (exit_code >= 0 && exit_code <= 3) {
    r.status = exit_code;
  } else {
    r.status = 3;
    r.reason = "exit code " + std::to_string(exit_code) + " is not a Nagios status (0..3)";
  }
  std::size_t pos = 0;
  bool first = true;
  bool in_perfdata = false;  // after a '|' in the long text, every further line is perfdata
  std::size_t skipped = 0;
  while (pos < output.size()) {
    auto nl = output.find('\n', pos);
    if (nl == std::string_view::npos) nl = output.size();
    std::string_view line = output.substr(pos, nl - pos);
    pos = nl + 1;
    if (in_perfdata) {
      skipped += parse_perfdata(line, r.perfdata, r.problems);
      continue;
    }
    const auto bar = line.find('|');
    std::string_view text = bar == std::string_view::npos ? line : line.substr(0, bar);
    if (first) {
      r.summary = std::string(trim(text));
    } else {
      if (!r.long_text.empty()) r.long_text += '\n';
      r.long_text += std::string(trim(text));
    }
    if (bar != std::string_view::npos) {
      skipped += parse_perfdata(line.substr(bar + 1), r.perfdata, r.problems);
      if (!first) in_perfdata = true;
    }
    first = false;
  }
  if (skipped)
    r.problems.push_back(std::to_string(skipped) + " more items or problems not kept (at most " +
                         std::to_string(kMaxPerfdataItems) + " items and " +
                         std::to_string(kMaxPerfdataProblems) + " problems)");
  return r;
}

const char* perf_unit_name(PerfUnit unit) {
  switch (unit) {
    case PerfUnit::seconds: return "seconds";
    case PerfUnit::bytes: return "bytes";
    case PerfUnit::ratio: return "ratio";
    case PerfUnit::counter: return "total";
    case PerfUnit::none: break;
  }
  return "";
}

const char* nagios_status_name(int status) {
  switch (status) {
    case 0: return "OK";
    case 1: return "WARNING";
    case 2: return "CRITICAL";
    default: return "UNKNOWN";
  }
}

}  // namespace hawatch::plugins
