#include "functions.h"

#include <re2/re2.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>

#include "go_fmt.h"

namespace hawatch::tmpl::detail {
namespace {

using Args = std::vector<Value>;

// strconv.ParseFloat's acceptance and messages for the humanize functions' string arguments.
double parse_float(const std::string& s) {
  const auto fail = [&](const char* why) -> double {
    throw CallError("strconv.ParseFloat: parsing " + go_quote(s) + ": " + why);
  };
  if (s.empty() || std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back())))
    return fail("invalid syntax");
  // Go wants a 'p' exponent on hexadecimal mantissas; strtod does not.
  const std::size_t body = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (s.size() > body + 1 && s[body] == '0' && (s[body + 1] == 'x' || s[body + 1] == 'X') &&
      s.find_first_of("pP") == std::string::npos)
    return fail("invalid syntax");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return fail("invalid syntax");
  if (errno == ERANGE && std::isinf(v)) return fail("value out of range");
  return v;
}

double to_float(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return parse_float(*s);
  throw CallError("can't convert " + type_name(v) + " to float");
}

const std::string& str(const Value& v) {
  return std::get<std::string>(v);
}

// Regexes compiled once per pattern text; bounded so a template cannot grow it without end.
std::shared_ptr<const RE2> compile(const std::string& pattern) {
  thread_local std::map<std::string, std::shared_ptr<const RE2>> cache;
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);  // patterns may come from label values
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok())
    throw CallError("regexp: Compile(" + go_quote(pattern) +
                    "): error parsing regexp: " + re->error());
  if (cache.size() > 64) cache.clear();  // bounded: at most 64 MiB of programs
  cache.emplace(pattern, re);
  return re;
}

// regexp.Expand's template syntax: $1, ${1}, $name, ${name}, $$.
void expand_replacement(const std::string& repl, const RE2& re,
                        const std::vector<re2::StringPiece>& groups, std::string& out) {
  for (std::size_t i = 0; i < repl.size(); ++i) {
    if (repl[i] != '$' || i + 1 >= repl.size()) {
      out += repl[i];
      continue;
    }
    if (repl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    std::size_t j = i + 1;
    if (repl[j] == '{') {
      const std::size_t close = repl.find('}', j);
      if (close == std::string::npos) {
        out += repl[i];
        continue;
      }
      name = repl.substr(j + 1, close - j - 1);
      j = close + 1;
    } else {
      while (j < repl.size() &&
             (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_'))
        ++j;
      name = repl.substr(i + 1, j - i - 1);
    }
    if (name.empty()) {
      out += repl[i];
      continue;
    }
    int index = -1;
    if (std::all_of(name.begin(), name.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      if (name.size() < 6) index = std::stoi(name);
    } else if (auto it = re.NamedCapturingGroups().find(name);
               it != re.NamedCapturingGroups().end()) {
      index = it->second;
    }
    if (index >= 0 && static_cast<std::size_t>(index) < groups.size() &&
        groups[static_cast<std::size_t>(index)].data())
      out.append(groups[static_cast<std::size_t>(index)].data(),
                 groups[static_cast<std::size_t>(index)].size());
    i = j - 1;
  }
}

std::string replace_all(const std::string& pattern, const std::string& repl,
                        const std::string& text) {
  const auto re = compile(pattern);
  const int ngroups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(ngroups));
  std::string out;
  std::size_t pos = 0;     // search start
  std::size_t copied = 0;  // text copied to out up to here
  std::ptrdiff_t prev_end = -1;
  const re2::StringPiece input(text);
  while (pos <= text.size()) {
    if (!re->Match(input, pos, text.size(), RE2::UNANCHORED, groups.data(), ngroups)) break;
    const auto start = static_cast<std::size_t>(groups[0].data() - text.data());
    const std::size_t end = start + groups[0].size();
    // Go skips an empty match right after the previous match.
    if (!(groups[0].empty() && static_cast<std::ptrdiff_t>(start) == prev_end)) {
      out.append(text, copied, start - copied);
      expand_replacement(repl, *re, groups, out);
      copied = end;
    }
    prev_end = static_cast<std::ptrdiff_t>(end);
    if (end > start) {
      pos = end;
    } else {  // step over one UTF-8 character after an empty match
      std::size_t step = 1;
      while (start + step < text.size() &&
             (static_cast<unsigned char>(text[start + step]) & 0xC0) == 0x80)
        ++step;
      pos = start + step;
    }
  }
  if (copied < text.size()) out.append(text, copied, std::string::npos);
  return out;
}

std::string ascii_case(std::string s, bool upper) {
  for (auto& c : s)
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// strings.Title: the first letter after a separator (anything but a letter, digit, '_' or a
// non-ASCII byte) is upper-cased.
std::string title(std::string s) {
  bool prev_separator = true;
  for (auto& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (prev_separator && u < 0x80) c = static_cast<char>(std::toupper(u));
    prev_separator = u < 0x80 && !std::isalnum(u) && u != '_';
  }
  return s;
}

// net.SplitHostPort, as Prometheus' stripPort: the host, or the input when it has no port.
std::string strip_port(const std::string& hostport) {
  if (!hostport.empty() && hostport[0] == '[') {
    const std::size_t close = hostport.find(']');
    if (close != std::string::npos && close + 1 < hostport.size() && hostport[close + 1] == ':' &&
        hostport.find(':', close + 2) == std::string::npos)
      return hostport.substr(1, close - 1);
    return hostport;
  }
  const std::size_t colon = hostport.rfind(':');
  if (colon == std::string::npos || hostport.find(':') != colon) return hostport;
  return hostport.substr(0, colon);
}

int basic_kind(const Value& v) {  // 0 bool, 1 int, 2 float, 3 string, -1 not comparable
  if (std::holds_alternative<bool>(v)) return 0;
  if (std::holds_alternative<std::int64_t>(v)) return 1;
  if (std::holds_alternative<double>(v)) return 2;
  if (std::holds_alternative<std::string>(v)) return 3;
  return -1;
}

// text/template's lt/eq: same basic kind only; -1, 0, 1 for less, equal, greater.
int compare(const Value& a, const Value& b, bool ordered) {
  const int ka = basic_kind(a);
  const int kb = basic_kind(b);
  if (ka < 0 || kb < 0) throw CallError("invalid type for comparison");
  if (ka != kb) throw CallError("incompatible types for comparison");
  switch (ka) {
    case 0:
      if (ordered) throw CallError("invalid type for comparison");
      return std::get<bool>(a) == std::get<bool>(b) ? 0 : 1;
    case 1: {
      const auto x = std::get<std::int64_t>(a), y = std::get<std::int64_t>(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 2: {
      const auto x = std::get<double>(a), y = std::get<double>(b);
      return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;  // 2: NaN, neither less nor equal
    }
    default: {
      const int c = str(a).compare(str(b));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
  }
}

Value eq(const Args& args) {
  if (args.size() < 2) throw CallError("missing argument for comparison");
  for (const auto& a : args)
    if (std::holds_alternative<StringMap>(a) || std::holds_alternative<const AlertData*>(a) ||
        std::holds_alternative<RecordPtr>(a))
      throw CallError("non-comparable type " + print_value(a) + ": " + type_name(a));
  for (std::size_t i = 1; i < args.size(); ++i)
    if (compare(args[0], args[i], false) == 0) return true;
  return false;
}

Function fixed(std::vector<Param> params, std::function<Value(const Args&)> call) {
  return Function{std::move(params), false, std::move(call)};
}
Function variadic(std::vector<Param> params, std::function<Value(const Args&)> call) {
  return Function{std::move(params), true, std::move(call)};
}

const std::map<std::string, Function, std::less<>>& table() {
  using P = Param;
  static const std::map<std::string, Function, std::less<>> functions{
      {"humanize",
       fixed({P::any}, [](const Args& a) -> Value { return humanize(to_float(a[0])); })},
      {"humanize1024",
       fixed({P::any}, [](const Args& a) -> Value { return humanize1024(to_float(a[0])); })},
      {"humanizeDuration",
       fixed({P::any}, [](const Args& a) -> Value { return humanize_duration(to_float(a[0])); })},
      {"humanizePercentage",
       fixed({P::any}, [](const Args& a) -> Value { return humanize_percentage(to_float(a[0])); })},
      {"humanizeTimestamp",
       fixed({P::any}, [](const Args& a) -> Value { return humanize_timestamp(to_float(a[0])); })},
      {"toUpper",
       fixed({P::string}, [](const Args& a) -> Value { return ascii_case(str(a[0]), true); })},
      {"toLower",
       fixed({P::string}, [](const Args& a) -> Value { return ascii_case(str(a[0]), false); })},
      {"title", fixed({P::string}, [](const Args& a) -> Value { return title(str(a[0])); })},
      {"safeHtml", fixed({P::string}, [](const Args& a) -> Value { return str(a[0]); })},
      {"stripPort",
       fixed({P::string}, [](const Args& a) -> Value { return strip_port(str(a[0])); })},
      {"reReplaceAll",
       fixed({P::string, P::string, P::string},
             [](const Args& a) -> Value { return replace_all(str(a[0]), str(a[1]), str(a[2])); })},
      {"match", fixed({P::string, P::string},
                      [](const Args& a) -> Value {
                        return RE2::PartialMatch(str(a[1]), *compile(str(a[0])));
                      })},
      {"printf", variadic({P::string},
                          [](const Args& a) -> Value {
                            return go_sprintf(str(a[0]), Args(a.begin() + 1, a.end()));
                          })},
      {"print", variadic({}, [](const Args& a) -> Value { return go_sprint(a); })},
      {"println", variadic({}, [](const Args& a) -> Value { return go_sprintln(a); })},
      {"eq", variadic({P::any}, eq)},
      {"ne", fixed({P::any, P::any},
                   [](const Args& a) -> Value { return compare(a[0], a[1], false) != 0; })},
      {"lt", fixed({P::any, P::any},
                   [](const Args& a) -> Value { return compare(a[0], a[1], true) == -1; })},
      {"le", fixed({P::any, P::any},
                   [](const Args& a) -> Value {
                     const int c = compare(a[0], a[1], true);
                     return c == -1 || c == 0;
                   })},
      {"gt", fixed({P::any, P::any},
                   [](const Args& a) -> Value { return compare(a[0], a[1], true) == 1; })},
      {"ge", fixed({P::any, P::any},
                   [](const Args& a) -> Value {
                     const int c = compare(a[0], a[1], true);
                     return c == 1 || c == 0;
                   })},
      {"not", fixed({P::any}, [](const Args& a) -> Value { return !truth(a[0]); })},
      {"and", variadic({P::any}, [](const Args& a) -> Value { return a.back(); })},
      {"or", variadic({P::any}, [](const Args& a) -> Value { return a.back(); })},
      {"len", fixed({P::any},
                    [](const Args& a) -> Value {
                      if (const auto* s = std::get_if<std::string>(&a[0]))
                        return static_cast<std::int64_t>(s->size());
                      if (const auto* m = std::get_if<StringMap>(&a[0]))
                        return static_cast<std::int64_t>(m->size());
                      if (const auto* r = std::get_if<RecordPtr>(&a[0]); r && (*r)->items)
                        return static_cast<std::int64_t>((*r)->items->size());
                      throw CallError("len of type " + type_name(a[0]));
                    })},
      {"index",
       variadic({P::any},
                [](const Args& a) -> Value {
                  if (std::holds_alternative<Nil>(a[0])) throw CallError("index of untyped nil");
                  const auto* m = std::get_if<StringMap>(&a[0]);
                  if (a.size() == 1) return a[0];
                  if (const auto* r = std::get_if<RecordPtr>(&a[0]);
                      r && (*r)->items && a.size() == 2) {
                    const auto* i = std::get_if<std::int64_t>(&a[1]);
                    if (!i)
                      throw CallError("cannot index slice/array with type " + type_name(a[1]));
                    if (*i < 0 || static_cast<std::size_t>(*i) >= (*r)->items->size())
                      throw CallError("index out of range: " + std::to_string(*i));
                    return (*(*r)->items)[static_cast<std::size_t>(*i)];
                  }
                  if (!m) throw CallError("can't index item of type " + type_name(a[0]));
                  if (a.size() > 2) throw CallError("can't index item of type string");
                  const auto* key = std::get_if<std::string>(&a[1]);
                  if (!key)
                    throw CallError("value has type " + type_name(a[1]) + "; should be string");
                  const auto it = m->find(*key);
                  return it == m->end() ? std::string() : it->second;
                })},
      {"parseDuration", fixed({P::string},
                              [](const Args& a) -> Value {
                                // model.ParseDuration's syntax, in seconds.
                                const std::string& s = str(a[0]);
                                static const RE2 kDuration(
                                    "^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?("
                                    "([0-9]+)s)?(([0-9]+)ms)?$");
                                if (s.empty() || (s != "0" && !RE2::FullMatch(s, kDuration)))
                                  throw CallError("not a valid duration string: " + go_quote(s));
                                static const std::pair<char, double> kUnits[] = {
                                    {'y', 31536000}, {'w', 604800}, {'d', 86400}, {'h', 3600}};
                                double total = 0;
                                std::size_t i = 0;
                                while (i < s.size() && s != "0") {
                                  std::size_t j = i;
                                  while (j < s.size() &&
                                         std::isdigit(static_cast<unsigned char>(s[j])))
                                    ++j;
                                  const double n = std::strtod(s.substr(i, j - i).c_str(), nullptr);
                                  double unit = 0;
                                  if (s.compare(j, 2, "ms") == 0) {
                                    unit = 0.001;
                                    j += 2;
                                  } else if (s[j] == 'm') {
                                    unit = 60;
                                    ++j;
                                  } else if (s[j] == 's') {
                                    unit = 1;
                                    ++j;
                                  } else {
                                    for (const auto& [c, sec] : kUnits)
                                      if (s[j] == c) unit = sec;
                                    ++j;
                                  }
                                  total += n * unit;
                                  i = j;
                                }
                                return total;
                              })},
  };
  return functions;
}

}  // namespace

const Function* find_function(std::string_view name) {
  const auto& t = table();
  const auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

}  // namespace hawatch::tmpl::detail
