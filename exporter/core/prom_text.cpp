#include "prom_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "utf8.h"

namespace hawatch::plugins {
namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

void skip_blanks(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

std::string_view read_name(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  if (i < s.size() && name_start(s[i])) {
    ++i;
    while (i < s.size() && name_char(s[i])) ++i;
  }
  return s.substr(start, i - start);
}

std::optional<double> parse_value(std::string_view s) {
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || std::isnan(v) || std::isinf(v))
    return std::nullopt;
  return v;
}

std::optional<PromType> parse_type(std::string_view s) {
  if (s == "counter") return PromType::counter;
  if (s == "gauge") return PromType::gauge;
  if (s == "histogram") return PromType::histogram;
  if (s == "summary") return PromType::summary;
  if (s == "untyped") return PromType::untyped;
  return std::nullopt;
}

std::string unescape_help(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '\\' || s[i + 1] == 'n')) {
      out += s[i + 1] == 'n' ? '\n' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Parses `{a="x",b="y"}` at s[i]; returns an error message or empty.
std::string read_labels(std::string_view s, std::size_t& i,
                        std::vector<std::pair<std::string, std::string>>& labels) {
  ++i;  // '{'
  std::set<std::string> seen;
  for (;;) {
    skip_blanks(s, i);
    if (i < s.size() && s[i] == '}') {
      ++i;
      return {};
    }
    const std::string_view name = read_name(s, i);
    if (name.empty() || name.find(':') != std::string_view::npos) return "invalid label name";
    // __name__ would rename the series, and "__" names are Prometheus's own (__meta_*, ...).
    if (name.starts_with("__")) return "label name \"" + std::string(name) + "\" is reserved";
    skip_blanks(s, i);
    if (i >= s.size() || s[i] != '=') return "expected '=' after label name \"" + std::string(name) + "\"";
    ++i;
    skip_blanks(s, i);
    if (i >= s.size() || s[i] != '"') return "expected '\"' to start the value of label \"" + std::string(name) + "\"";
    ++i;
    std::string value;
    bool closed = false;
    while (i < s.size()) {
      const char c = s[i++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\') {
        if (i >= s.size()) break;
        const char e = s[i++];
        if (e == 'n') value += '\n';
        else if (e == '\\' || e == '"') value += e;
        else return "invalid escape \\" + std::string(1, e) + " in label \"" + std::string(name) + "\"";
      } else {
        value += c;
      }
    }
    if (!closed) return "unterminated value of label \"" + std::string(name) + "\"";
    if (!valid_utf8(value))
      return "value of label \"" + std::string(name) + "\" is not valid UTF-8";
    if (!seen.insert(std::string(name)).second) return "label \"" + std::string(name) + "\" given twice";
    labels.emplace_back(std::string(name), std::move(value));
    skip_blanks(s, i);
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == '}') {
      ++i;
      return {};
    }
    return "expected ',' or '}' in the label set";
  }
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Whether sample `name` belongs to a family `family` of `type` (histogram/summary suffixes).
bool belongs(std::string_view name, std::string_view family, PromType type) {
  if (name == family) return type != PromType::histogram;
  if (type == PromType::histogram || type == PromType::summary) {
    for (std::string_view suffix : {"_sum", "_count", "_bucket"}) {
      if (suffix == "_bucket" && type != PromType::histogram) continue;
      if (ends_with(name, suffix) && name.substr(0, name.size() - suffix.size()) == family) return true;
    }
  }
  return false;
}

// Lets the maps below be searched with a string_view, without building a std::string per line.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename Value>
using NameMap = std::unordered_map<std::string, Value, NameHash, std::equal_to<>>;
using NameSet = std::unordered_set<std::string, NameHash, std::equal_to<>>;

class Parser {
 public:
  PromText run(std::string_view text) {
    out_.ends_with_newline = text.empty() || text.back() == '\n';
    std::size_t pos = 0;
    int line_no = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      line_ = line_no;
      if (line.find('\0') != std::string_view::npos) {
        error("NUL byte in line");
        continue;
      }
      std::size_t i = 0;
      skip_blanks(line, i);
      if (i == line.size()) continue;
      if (line[i] == '#') {
        comment(line.substr(i + 1));
      } else {
        sample(line.substr(i));
      }
    }
    return std::move(out_);
  }

 private:
  // Every line of a hostile input may be bad; the list stays short, the count complete.
  void error(std::string message) {
    if (out_.errors.size() < kMaxListedErrors)
      out_.errors.push_back({line_, std::move(message)});
    else
      ++out_.more_errors;
  }

  // Families are found by name through index_ (a scan per line made 50k names take 25 s).
  std::optional<std::size_t> find_family(std::string_view name) const {
    const auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  PromFamily& family_for(std::string_view name) {
    if (auto i = find_family(name)) return out_.families[*i];
    index_.emplace(std::string(name), out_.families.size());
    out_.families.push_back(PromFamily{std::string(name), {}, PromType::untyped, {}});
    return out_.families.back();
  }

  // The family a sample `name` belongs to: the one of that name, or the histogram/summary that
  // its _sum/_count/_bucket suffix points at; the latest-declared when several could take it.
  PromFamily* owner_of(std::string_view name) {
    std::optional<std::size_t> best;
    const auto consider = [&](std::string_view family) {
      if (auto i = find_family(family); i && belongs(name, family, out_.families[*i].type))
        if (!best || *i > *best) best = i;
    };
    consider(name);
    for (std::string_view suffix : {"_sum", "_count", "_bucket"})
      if (ends_with(name, suffix)) consider(name.substr(0, name.size() - suffix.size()));
    return best ? &out_.families[*best] : nullptr;
  }

  void comment(std::string_view rest) {
    std::size_t i = 0;
    skip_blanks(rest, i);
    const std::size_t kw_start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t') ++i;
    const std::string_view keyword = rest.substr(kw_start, i - kw_start);
    if (keyword != "HELP" && keyword != "TYPE") return;  // a plain comment
    skip_blanks(rest, i);
    const std::string_view name = read_name(rest, i);
    if (name.empty()) return error(std::string(keyword) + " line without a valid metric name");
    if (i < rest.size() && rest[i] != ' ' && rest[i] != '\t')
      return error(std::string(keyword) + " line: invalid metric name");
    skip_blanks(rest, i);
    std::string_view arg = rest.substr(i);
    while (!arg.empty() && (arg.back() == ' ' || arg.back() == '\t')) arg.remove_suffix(1);
    const bool known = find_family(name).has_value();
    PromFamily& fam = family_for(name);
    if (keyword == "HELP") {
      if (declared_help_.count(std::string(name))) return error("second HELP line for \"" + std::string(name) + "\"");
      declared_help_.insert(std::string(name));
      fam.help = unescape_help(arg);
      if (!valid_utf8(fam.help))
        return error("HELP text of \"" + std::string(name) + "\" is not valid UTF-8");
    } else {
      auto type = parse_type(arg);
      if (!type) return error("unknown metric type \"" + std::string(arg) + "\"");
      if (declared_type_.count(std::string(name))) return error("second TYPE line for \"" + std::string(name) + "\"");
      if (known && !fam.samples.empty()) return error("TYPE line for \"" + std::string(name) + "\" after its samples");
      declared_type_.insert(std::string(name));
      fam.type = *type;
    }
    current_ = &fam - out_.families.data();
  }

  void sample(std::string_view line) {
    std::size_t i = 0;
    PromSample s;
    s.line = line_;
    s.name = std::string(read_name(line, i));
    if (s.name.empty()) return error("expected a metric name");
    skip_blanks(line, i);
    if (i < line.size() && line[i] == '{') {
      std::string why = read_labels(line, i, s.labels);
      if (!why.empty()) return error(s.name + ": " + why);
    }
    skip_blanks(line, i);
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    auto value = parse_value(line.substr(start, i - start));
    if (!value) return error(s.name + ": value \"" + std::string(line.substr(start, i - start)) + "\" is not a number");
    s.value = *value;
    skip_blanks(line, i);
    if (i < line.size()) {
      start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      std::int64_t ts = 0;
      std::string_view t = line.substr(start, i - start);
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ts);
      if (ec != std::errc() || end != t.data() + t.size()) return error(s.name + ": invalid timestamp \"" + std::string(t) + "\"");
      skip_blanks(line, i);
      if (i < line.size()) return error(s.name + ": unexpected text after the timestamp");
      s.timestamp_ms = ts;
      out_.has_timestamps = true;
    }
    // Duplicate series (same name and label set in any order) make a scrape invalid.
    auto key_labels = s.labels;
    std::sort(key_labels.begin(), key_labels.end());
    std::string key = s.name;
    for (const auto& [k, v] : key_labels) key += '\x01' + k + '\x02' + v;
    if (!series_.insert(key).second) return error("duplicate series " + s.name);
    PromFamily* fam = nullptr;
    if (current_ && belongs(s.name, out_.families[*current_].name, out_.families[*current_].type))
      fam = &out_.families[*current_];
    if (!fam) fam = owner_of(s.name);
    if (!fam) fam = &family_for(s.name);
    current_ = fam - out_.families.data();
    fam->samples.push_back(std::move(s));
  }

  PromText out_;
  int line_ = 0;
  std::optional<std::ptrdiff_t> current_;
  NameMap<std::size_t> index_;  // family name -> position in families
  NameSet declared_help_, declared_type_, series_;
};

}  // namespace

PromText parse_prometheus_text(std::string_view text) { return Parser().run(text); }

bool valid_metric_name(std::string_view name) {
  if (name.empty() || !name_start(name.front())) return false;
  return std::all_of(name.begin(), name.end(), name_char);
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.front() == ':' || !name_start(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c != ':' && name_char(c); });
}

const char* prom_type_name(PromType type) {
  switch (type) {
    case PromType::counter: return "counter";
    case PromType::gauge: return "gauge";
    case PromType::histogram: return "histogram";
    case PromType::summary: return "summary";
    case PromType::untyped: break;
  }
  return "untyped";
}

}  // namespace hawatch::plugins
