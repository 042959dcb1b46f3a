#include "systemd_units.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

namespace hawatch::systemd {
namespace {

// Past this many alternatives the server-side filter is not worth it: list everything instead.
constexpr std::size_t kMaxGlobs = 64;

using Globs = std::vector<std::string>;

// Characters a unit name may contain (systemd's VALID_CHARS plus the glob-safe class syntax is
// handled separately); anything else in a regex literal is left to the client-side match.
bool unit_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '@' || c == ':' || c == '\\';
}

// A recursive-descent reader of the supported regex subset, producing the glob alternatives of
// each construct. Any unsupported construct sets `failed`.
class RegexToGlobs {
 public:
  explicit RegexToGlobs(std::string_view re) : re_(re) {}

  std::optional<Globs> run() {
    if (!re_.empty() && re_.front() == '^') pos_ = 1;
    if (!re_.empty() && re_.back() == '$' && (re_.size() < 2 || re_[re_.size() - 2] != '\\'))
      re_.remove_suffix(1);
    Globs out = alternation();
    if (failed_ || pos_ != re_.size()) return std::nullopt;
    for (auto& g : out) g = collapse_stars(g);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  Globs alternation() {
    Globs all = sequence();
    while (!failed_ && peek() == '|') {
      ++pos_;
      Globs more = sequence();
      all.insert(all.end(), more.begin(), more.end());
      if (all.size() > kMaxGlobs) failed_ = true;
    }
    return all;
  }

  Globs sequence() {
    Globs acc{""};
    while (!failed_ && pos_ < re_.size() && peek() != '|' && peek() != ')') {
      Globs piece = quantified(atom());
      acc = product(acc, piece);
    }
    return acc;
  }

  Globs quantified(Globs atom_globs) {
    if (failed_ || pos_ >= re_.size()) return atom_globs;
    const char q = peek();
    if (q == '*') {
      ++pos_;
      lazy_suffix();
      return {"*"};  // zero or more of anything this atom matches: "*" covers it
    }
    if (q == '+') {
      ++pos_;
      lazy_suffix();
      for (auto& g : atom_globs) g += "*";
      return atom_globs;
    }
    if (q == '?') {
      ++pos_;
      lazy_suffix();
      atom_globs.emplace_back("");
      return atom_globs;
    }
    if (q == '{') failed_ = true;
    return atom_globs;
  }

  void lazy_suffix() {
    if (peek() == '?') ++pos_;  // *? +? ?? match the same set of whole names
  }

  Globs atom() {
    const char c = re_[pos_++];
    switch (c) {
      case '.':
        return {"?"};
      case '(':
        return group();
      case '[':
        return bracket();
      case '\\':
        return escape();
      case '*': case '+': case '?': case '{': case '}': case ']': case '^': case '$':
        failed_ = true;
        return {};
      default:
        if (!unit_name_char(c) || c == '\\') failed_ = true;
        return {std::string(1, c)};
    }
  }

  Globs group() {
    if (re_.substr(pos_, 2) == "?:") pos_ += 2;
    else if (peek() == '?') { failed_ = true; return {}; }  // lookahead and friends
    Globs inner = alternation();
    if (peek() != ')') { failed_ = true; return {}; }
    ++pos_;
    return inner;
  }

  Globs bracket() {
    std::string glob = "[";
    if (peek() == '^') { glob += '!'; ++pos_; }
    bool any = false;
    while (pos_ < re_.size() && re_[pos_] != ']') {
      const char c = re_[pos_++];
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
            c == '@' || c == ':')) {
        failed_ = true;
        return {};
      }
      glob += c;
      any = true;
    }
    if (pos_ >= re_.size() || !any) { failed_ = true; return {}; }
    ++pos_;
    return {glob + "]"};
  }

  Globs escape() {
    if (pos_ >= re_.size()) { failed_ = true; return {}; }
    const char c = re_[pos_++];
    if (c == 'd') return {"[0-9]"};
    if (c == '.' || c == '-' || c == '@' || c == ':' || c == '_') return {std::string(1, c)};
    failed_ = true;  // \w \s \b, backreferences, escaped glob characters ...
    return {};
  }

  Globs product(const Globs& left, const Globs& right) {
    if (left.size() * right.size() > kMaxGlobs) {
      failed_ = true;
      return {};
    }
    Globs out;
    out.reserve(left.size() * right.size());
    for (const auto& l : left)
      for (const auto& r : right) out.push_back(l + r);
    return out;
  }

  static std::string collapse_stars(const std::string& g) {
    std::string out;
    for (char c : g)
      if (!(c == '*' && !out.empty() && out.back() == '*')) out += c;
    return out;
  }

  char peek() const { return pos_ < re_.size() ? re_[pos_] : '\0'; }

  std::string_view re_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

constexpr std::string_view kUnitSuffixes[] = {".service", ".socket", ".target", ".device",
                                              ".mount",   ".automount", ".swap", ".timer",
                                              ".path",    ".slice",  ".scope"};

}  // namespace

std::optional<std::vector<std::string>> globs_for_regex(std::string_view regex) {
  auto globs = RegexToGlobs(regex).run();
  if (!globs || globs->empty()) return std::nullopt;
  // A bare "*" filters nothing; say so plainly.
  if (std::find(globs->begin(), globs->end(), "*") != globs->end()) return std::nullopt;
  return globs;
}

bool is_literal_unit_name(std::string_view glob) {
  if (glob.find_first_of("*?[") != std::string_view::npos) return false;
  return std::any_of(std::begin(kUnitSuffixes), std::end(kUnitSuffixes), [&](std::string_view s) {
    return glob.size() > s.size() && glob.substr(glob.size() - s.size()) == s;
  });
}

namespace {

std::shared_ptr<const re2::RE2> compile(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) throw std::invalid_argument(re->error());
  return re;
}

}  // namespace

std::string regex_problem(const std::string& pattern) {
  try {
    compile(pattern);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

UnitFilter::UnitFilter(const std::string& include, const std::optional<std::string>& exclude,
                       bool report_missing)
    : include_(compile(include)) {
  if (exclude) exclude_ = compile(*exclude);
  if (auto globs = globs_for_regex(include)) {
    patterns_ = *globs;
    for (const auto& g : patterns_) {
      if (!report_missing) break;
      // An unescaped dot ("nginx.service") became "?": read it back as the dot it surely meant.
      std::string name = g;
      std::replace(name.begin(), name.end(), '?', '.');
      if (is_literal_unit_name(name) && selects(name)) literal_names_.push_back(name);
    }
  }
}

bool UnitFilter::selects(const std::string& unit) const {
  // FullMatch is anchored at both ends: "nginx\.service" does not select "nginx.service.bak".
  return re2::RE2::FullMatch(unit, *include_) && !(exclude_ && re2::RE2::FullMatch(unit, *exclude_));
}

std::optional<std::uint64_t> unless_unset(std::uint64_t value) {
  if (value == std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
  return value;
}

void FailureCounter::on_signal(const std::string& unit, const std::string& active_state) {
  auto [it, inserted] = units_.try_emplace(unit);
  // A unit first heard of through a signal has an unknown past: "failed" then may be a property
  // change of a unit that was failed all along, so it is not counted.
  if (!inserted && active_state == "failed" && it->second.last_state != "failed")
    ++it->second.failures;
  it->second.last_state = active_state;
}

void FailureCounter::on_read(const std::string& unit, const std::string& active_state) {
  units_.try_emplace(unit, Entry{active_state, 0});
}

std::uint64_t FailureCounter::failures(const std::string& unit) const {
  auto it = units_.find(unit);
  return it == units_.end() ? 0 : it->second.failures;
}

}  // namespace hawatch::systemd
