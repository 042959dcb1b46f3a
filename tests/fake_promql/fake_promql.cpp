// TEST-ONLY stand-in for the PromQL engine (alerting/promql), built only while the real engine
// is not in the tree (tests/CMakeLists.txt: if(NOT TARGET hawatch_promql)). It implements the
// contract of alerting/promql/promql.h for a tiny language — a number, or a selector
// name{l="v",l!="v"} optionally compared with a number (== != > < >= <=, filtering) — so the rule
// layer's tests run before the merge. Delete this directory once the engine has landed.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>

#include "promql/promql.h"

namespace hawatch::promql {

class Node {
 public:
  bool is_number = false;
  double number = 0;
  std::vector<Matcher> matchers;
  std::string op;  // empty: no comparison
  double rhs = 0;
};

struct ExprAccess {
  static Expr make(std::shared_ptr<const Node> root, std::string text) {
    Expr e;
    e.root_ = std::move(root);
    e.text_ = std::make_shared<const std::string>(std::move(text));
    return e;
  }
};

Labels::Labels(std::vector<Label> labels) {
  for (auto& l : labels) set(l.name, l.value);
}
std::optional<std::string_view> Labels::get(std::string_view name) const {
  for (const auto& l : items_)
    if (l.name == name) return std::string_view(l.value);
  return std::nullopt;
}
void Labels::set(std::string_view name, std::string_view value) {
  erase(name);
  if (value.empty()) return;
  auto it = items_.begin();
  while (it != items_.end() && it->name < name) ++it;
  items_.insert(it, Label{std::string(name), std::string(value)});
}
void Labels::erase(std::string_view name) {
  std::erase_if(items_, [&](const Label& l) { return l.name == name; });
}
std::uint64_t Labels::hash() const {
  std::uint64_t h = 1469598103934665603ULL;
  for (const auto& l : items_)
    for (const std::string* s : {&l.name, &l.value}) {
      for (unsigned char c : *s) h = (h ^ c) * 1099511628211ULL;
      h = (h ^ 0xff) * 1099511628211ULL;
    }
  return h;
}
std::string Labels::to_string() const {
  std::string out = "{";
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (i) out += ", ";
    out += items_[i].name + "=\"";
    for (char c : items_[i].value) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

std::string_view Expr::text() const {
  return *text_;
}
std::string_view Expr::type_name() const {
  return root_->is_number ? "scalar" : "vector";
}

bool Matcher::matches(std::string_view v) const {
  switch (type) {
    case MatchType::equal:
      return v == value;
    case MatchType::not_equal:
      return v != value;
    case MatchType::regex:
      return std::regex_match(std::string(v), std::regex(value));
    case MatchType::not_regex:
      return !std::regex_match(std::string(v), std::regex(value));
  }
  return false;
}

namespace {

ParseError error_at(std::string_view text, std::size_t pos, std::string message) {
  ParseError e;
  e.offset = pos;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++e.line;
      e.column = 1;
    } else {
      ++e.column;
    }
  }
  std::size_t end = pos;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
  e.token = std::string(text.substr(pos, end - pos));
  e.message = std::move(message);
  return e;
}

bool name_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

}  // namespace

std::variant<Expr, ParseError> parse(std::string_view text) {
  auto node = std::make_shared<Node>();
  std::size_t i = 0;
  const auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  skip();
  if (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '-')) {
    char* end = nullptr;
    const std::string s(text.substr(i));
    node->is_number = true;
    node->number = std::strtod(s.c_str(), &end);
    i += static_cast<std::size_t>(end - s.c_str());
  } else {
    const std::size_t start = i;
    while (i < text.size() && name_char(text[i], i == start)) ++i;
    if (i > start)
      node->matchers.push_back(
          Matcher{MatchType::equal, "__name__", std::string(text.substr(start, i - start))});
    if (i < text.size() && text[i] == '{') {
      ++i;
      while (true) {
        skip();
        if (i < text.size() && text[i] == '}') {
          ++i;
          break;
        }
        const std::size_t ns = i;
        while (i < text.size() && name_char(text[i], i == ns)) ++i;
        if (i == ns) return error_at(text, i, "unexpected character in label matching");
        const std::string name(text.substr(ns, i - ns));
        skip();
        MatchType type;
        if (text.substr(i, 2) == "!=")
          type = MatchType::not_equal, i += 2;
        else if (text.substr(i, 2) == "=~")
          type = MatchType::regex, i += 2;
        else if (text.substr(i, 2) == "!~")
          type = MatchType::not_regex, i += 2;
        else if (text.substr(i, 1) == "=")
          type = MatchType::equal, i += 1;
        else
          return error_at(text, i, "expected label matching operator");
        skip();
        if (i >= text.size() || text[i] != '"') return error_at(text, i, "expected string");
        const std::size_t close = text.find('"', i + 1);
        if (close == std::string_view::npos) return error_at(text, i, "unterminated quoted string");
        node->matchers.push_back(
            Matcher{type, name, std::string(text.substr(i + 1, close - i - 1))});
        i = close + 1;
        skip();
        if (i < text.size() && text[i] == ',') ++i;
      }
    }
    if (node->matchers.empty()) return error_at(text, i, "unexpected input");
  }
  skip();
  for (const char* op : {"==", "!=", ">=", "<=", ">", "<"}) {
    if (text.substr(i, std::strlen(op)) == op) {
      node->op = op;
      i += std::strlen(op);
      skip();
      char* end = nullptr;
      const std::string s(text.substr(i));
      node->rhs = std::strtod(s.c_str(), &end);
      if (end == s.c_str()) return error_at(text, i, "expected number");
      i += static_cast<std::size_t>(end - s.c_str());
      skip();
      break;
    }
  }
  if (i != text.size()) return error_at(text, i, "unexpected input");
  return ExprAccess::make(node, std::string(text));
}

struct MemoryStorage::Impl {
  std::chrono::milliseconds retention;
  std::map<Labels, std::vector<std::pair<Point, bool>>> series;  // bool: stale marker
};

MemoryStorage::MemoryStorage(std::chrono::milliseconds retention)
    : impl_(std::make_unique<Impl>()) {
  impl_->retention = retention;
}
MemoryStorage::~MemoryStorage() = default;
MemoryStorage::MemoryStorage(MemoryStorage&&) noexcept = default;
MemoryStorage& MemoryStorage::operator=(MemoryStorage&&) noexcept = default;

void MemoryStorage::append(const Labels& labels, Timestamp t, double v) {
  auto& points = impl_->series[labels];
  if (!points.empty() && points.back().first.t >= t) return;
  points.push_back({Point{t, v}, false});
}
void MemoryStorage::mark_stale(const Labels& labels, Timestamp t) {
  auto& points = impl_->series[labels];
  if (!points.empty() && points.back().first.t >= t) return;
  points.push_back({Point{t, std::nan("")}, true});
}
void MemoryStorage::compact(Timestamp) {}
std::size_t MemoryStorage::series_count() const {
  return impl_->series.size();
}

void MemoryStorage::select(const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt,
                           const std::function<void(const Series&)>& visit) const {
  for (const auto& [labels, points] : impl_->series) {
    bool ok = true;
    for (const auto& m : matchers) ok = ok && m.matches(labels.get(m.name).value_or(""));
    if (!ok) continue;
    Series s{labels, {}};
    bool stale_last = false;
    for (const auto& [p, stale] : points)
      if (p.t >= mint && p.t <= maxt) {
        stale_last = stale;
        if (!stale)
          s.points.push_back(p);
        else
          s.points.clear();
      }
    if (!s.points.empty() && !stale_last) visit(s);
  }
}

Value evaluate(const Expr& expr, const Storage& storage, Timestamp t, const EvalOptions& options) {
  const Node& n = expr.root();
  if (n.is_number) return Scalar{n.number, t};
  Vector out;
  storage.select(n.matchers, t - options.lookback_delta.count(), t, [&](const Series& s) {
    const double v = s.points.back().v;
    bool keep = true;
    if (n.op == "==") keep = v == n.rhs;
    if (n.op == "!=") keep = v != n.rhs;
    if (n.op == ">") keep = v > n.rhs;
    if (n.op == "<") keep = v < n.rhs;
    if (n.op == ">=") keep = v >= n.rhs;
    if (n.op == "<=") keep = v <= n.rhs;
    if (!keep) return;
    Labels l = s.labels;
    if (!n.op.empty()) l.erase("__name__");
    out.push_back(Sample{l, v, t});
  });
  return out;
}

}  // namespace hawatch::promql
