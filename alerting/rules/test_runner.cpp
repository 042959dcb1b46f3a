#include "test_runner.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "gotext/go_text.h"
#include "group.h"
#include "series_notation.h"
#include "template/go_fmt.h"
#include "yaml_guard.h"

namespace hawatch::rules {
namespace {

constexpr std::size_t kMaxTestFileBytes = 16 << 20;
constexpr Timestamp kMaxEvalSteps = 1'000'000;  // evaluations per test group

using Errors = std::vector<std::string>;

// yaml.UnmarshalStrict's complaint about an unknown key, as promtool prints it.
struct Strict {
  Errors& errors;
  void keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
            const std::string& type) {
    if (!map.IsMap()) return;
    for (const auto& kv : map)
      if (std::find(allowed.begin(), allowed.end(), kv.first.Scalar()) == allowed.end())
        errors.push_back("line " + std::to_string(line_of(kv.first)) + ": field " +
                         kv.first.Scalar() + " not found in type " + type);
  }
};

struct SeriesInput {
  promql::Labels labels;
  std::vector<SeriesValue> values;
};

struct AlertCase {
  Millis eval_time{0};
  std::string alertname;
  struct Expected {
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;
  };
  std::vector<Expected> expected;
};

struct ExprCase {
  std::string expr;
  Millis eval_time{0};
  std::vector<std::pair<std::string, double>> samples;  // labels as written, value
};

struct TestGroup {
  Millis interval{0};
  std::vector<std::pair<std::string, std::string>> series;  // series, values as written
  std::vector<AlertCase> alerts;
  std::vector<ExprCase> exprs;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  std::string name;
};

struct TestFile {
  std::vector<std::string> rule_files;
  Millis evaluation_interval{0};
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
};

// A value promtool reads as model.Duration; the error as yaml.v2 reports a bad one.
Millis duration_of(const YAML::Node& n, Errors& errors) {
  if (!n || n.IsNull()) return Millis(0);
  auto d = parse_duration(n.Scalar());
  if (!d) errors.push_back("not a valid duration string: \"" + n.Scalar() + "\"");
  return d.value_or(Millis(0));
}

std::map<std::string, std::string> string_map(const YAML::Node& n) {
  std::map<std::string, std::string> m;
  if (n && n.IsMap())
    for (const auto& kv : n) m[kv.first.Scalar()] = kv.second.IsNull() ? "" : kv.second.Scalar();
  return m;
}

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> v;
  if (n && n.IsSequence())
    for (const auto& e : n) v.push_back(e.Scalar());
  return v;
}

Errors read_test_file(const YAML::Node& root, TestFile& file) {
  Errors errors;
  Strict strict{errors};
  strict.keys(root, {"rule_files", "evaluation_interval", "group_eval_order", "tests"},
              "main.unitTestFile");
  file.rule_files = string_list(root["rule_files"]);
  file.evaluation_interval = duration_of(root["evaluation_interval"], errors);
  file.group_eval_order = string_list(root["group_eval_order"]);
  const YAML::Node tests = root["tests"];
  if (tests && tests.IsSequence()) {
    for (const auto& t : tests) {
      TestGroup g;
      strict.keys(t,
                  {"interval", "input_series", "alert_rule_test", "promql_expr_test",
                   "external_labels", "external_url", "name"},
                  "main.testGroup");
      g.interval = duration_of(t["interval"], errors);
      g.external_labels = string_map(t["external_labels"]);
      if (t["external_url"]) g.external_url = t["external_url"].Scalar();
      if (t["name"]) g.name = t["name"].Scalar();
      if (t["input_series"] && t["input_series"].IsSequence())
        for (const auto& s : t["input_series"]) {
          strict.keys(s, {"series", "values"}, "main.series");
          g.series.emplace_back(s["series"] ? s["series"].Scalar() : "",
                                s["values"] ? s["values"].Scalar() : "");
        }
      if (t["alert_rule_test"] && t["alert_rule_test"].IsSequence())
        for (const auto& a : t["alert_rule_test"]) {
          strict.keys(a, {"eval_time", "alertname", "exp_alerts"}, "main.alertTestCase");
          AlertCase c;
          c.eval_time = duration_of(a["eval_time"], errors);
          if (a["alertname"]) c.alertname = a["alertname"].Scalar();
          if (a["exp_alerts"] && a["exp_alerts"].IsSequence())
            for (const auto& e : a["exp_alerts"]) {
              strict.keys(e, {"exp_labels", "exp_annotations"}, "main.alert");
              c.expected.push_back({string_map(e["exp_labels"]), string_map(e["exp_annotations"])});
            }
          g.alerts.push_back(std::move(c));
        }
      if (t["promql_expr_test"] && t["promql_expr_test"].IsSequence())
        for (const auto& p : t["promql_expr_test"]) {
          strict.keys(p, {"expr", "eval_time", "exp_samples"}, "main.promqlTestCase");
          ExprCase c;
          if (p["expr"]) c.expr = p["expr"].Scalar();
          c.eval_time = duration_of(p["eval_time"], errors);
          if (p["exp_samples"] && p["exp_samples"].IsSequence())
            for (const auto& s : p["exp_samples"]) {
              strict.keys(s, {"labels", "value"}, "main.sample");
              double v = 0;
              if (s["value"]) {
                try {
                  v = s["value"].as<double>();
                } catch (const YAML::Exception&) {
                  errors.push_back("line " + std::to_string(line_of(s["value"])) +
                                   ": cannot unmarshal !!str `" + s["value"].Scalar() +
                                   "` into float64");
                }
              }
              c.samples.emplace_back(s["labels"] ? s["labels"].Scalar() : "", v);
            }
          g.exprs.push_back(std::move(c));
        }
      file.tests.push_back(std::move(g));
    }
  }
  if (!errors.empty()) {
    std::string joined = "yaml: unmarshal errors:";
    for (const auto& e : errors) joined += "\n  " + e;
    return {joined};
  }
  return {};
}

// Go's labels.Labels String() for annotations (which may hold empty values).
std::string named_string(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ", ";
    first = false;
    out += k + "=" + gotext::go_quote(v);
  }
  return out + "}";
}

struct LabelsAndAnnotations {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  friend auto operator<=>(const LabelsAndAnnotations&, const LabelsAndAnnotations&) = default;
};

std::string indent_lines(const std::string& lines, const std::string& indent) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t nl = lines.find('\n', start);
    if (!first) out += indent;
    first = false;
    out += lines.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string alerts_string(const std::vector<LabelsAndAnnotations>& la) {
  if (la.empty()) return "[]";
  const auto one = [](const LabelsAndAnnotations& a) {
    return "Labels:" + named_string(a.labels) + "\nAnnotations:" + named_string(a.annotations);
  };
  std::string s = "[\n0:" + indent_lines("\n" + one(la[0]), "  ");
  for (std::size_t i = 1; i < la.size(); ++i)
    s += ",\n" + std::to_string(i) + ":" + indent_lines("\n" + one(la[i]), "  ");
  return s + "\n]";
}

struct ParsedSample {
  promql::Labels labels;
  double value;
};

std::string samples_string(const std::vector<ParsedSample>& samples) {
  if (samples.empty()) return "nil";
  std::string s;
  for (std::size_t i = 0; i < samples.size(); ++i)
    s += (i ? ", " : "") + samples[i].labels.to_string() + " " +
         format_sample_value(samples[i].value);
  return s;
}

std::string parse_error_text(const promql::ParseError& e) {
  return std::to_string(e.line) + ":" + std::to_string(e.column) + ": parse error: " + e.message;
}

std::map<std::string, std::string> labels_map(const promql::Labels& l) {
  std::map<std::string, std::string> m;
  for (const auto& item : l.items()) m[item.name] = item.value;
  return m;
}

class GroupRun {
 public:
  GroupRun(const TestGroup& tg, Millis eval_interval, const std::map<std::string, int>& order,
           const std::vector<std::string>& rule_files)
      : tg_(tg), eval_interval_(eval_interval), order_(order), rule_files_(rule_files) {}

  Errors run() {
    Errors errs;
    if (auto e = load_series(); !e.empty()) return {e};
    RuleFiles files;
    for (const auto& f : rule_files_) {
      auto text = read_bounded(f, RuleFileLimits{}.yaml.max_bytes);
      if (auto* e = std::get_if<FileError>(&text)) return {e->to_string()};
      RuleFiles one = parse_rule_file(std::get<std::string>(text), f);
      for (auto& e : one.errors) errs.push_back(e.to_string());
      for (auto& g : one.groups) files.groups.push_back(std::move(g));
    }
    if (!errs.empty()) return errs;
    TemplateContext context{tg_.external_labels, tg_.external_url};
    for (auto& spec : files.groups)
      groups_.push_back(std::make_unique<Group>(std::move(spec), tg_.interval, context));
    std::stable_sort(groups_.begin(), groups_.end(), [&](const auto& a, const auto& b) {
      return rank(a->name()) < rank(b->name());
    });

    std::map<Timestamp, std::vector<const AlertCase*>> alert_tests;
    for (const auto& a : tg_.alerts) {
      if (a.alertname.empty()) {
        std::string where = tg_.name.empty() ? "" : " (in TestGroup " + tg_.name + ")";
        return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
                format_duration(a.eval_time) + where};
      }
      alert_tests[a.eval_time.count()].push_back(&a);
    }
    Timestamp maxt = 0;
    for (const auto& a : tg_.alerts) maxt = std::max<Timestamp>(maxt, a.eval_time.count());
    for (const auto& e : tg_.exprs) maxt = std::max<Timestamp>(maxt, e.eval_time.count());
    const Timestamp step = std::max<Timestamp>(eval_interval_.count(), 1);
    if (maxt / step > kMaxEvalSteps)
      return {"evaluation would take more than " + std::to_string(kMaxEvalSteps) + " steps"};

    const QueryFunc query = engine_query_func(storage_);
    auto next_alert_time = alert_tests.begin();
    for (Timestamp ts = 0; ts <= maxt; ts += step) {
      append_until(ts);
      Errors eval_errs;
      for (auto& g : groups_) {
        g->eval(ts, storage_, query);
        for (const auto& r : g->rules())
          if (r->last_error())
            eval_errs.push_back("    rule: " + r->name() + ", time: " +
                                format_go_duration(Millis(ts)) + ", err: " + *r->last_error());
      }
      if (!eval_errs.empty()) {
        errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
        return errs;
      }
      // Alerts asked for at eval_time are compared after the evaluation at ts <= eval_time <
      // ts+step.
      while (next_alert_time != alert_tests.end() && ts <= next_alert_time->first &&
             next_alert_time->first < ts + step) {
        check_alerts(next_alert_time->second, errs);
        ++next_alert_time;
      }
    }
    check_exprs(errs);
    return errs;
  }

 private:
  int rank(const std::string& group) const {
    const auto it = order_.find(group);
    return it == order_.end() ? 0 : it->second;
  }

  // promtool parses "  SERIES VALUES" as one line: a values error's column counts from there.
  static std::string shift_column(const std::string& error, std::size_t by) {
    if (error.rfind("1:", 0) != 0) return error;
    const std::size_t colon = error.find(':', 2);
    const int column = std::atoi(error.substr(2, colon - 2).c_str());
    return "1:" + std::to_string(column + static_cast<int>(by)) + error.substr(colon);
  }

  std::string load_series() {
    for (const auto& [series, values] : tg_.series) {
      auto labels = parse_metric(series);
      if (auto* e = std::get_if<std::string>(&labels)) return *e;
      auto parsed = parse_series_values(values);
      if (auto* e = std::get_if<std::string>(&parsed)) return shift_column(*e, series.size() + 3);
      inputs_.push_back(
          {std::get<promql::Labels>(labels), std::get<std::vector<SeriesValue>>(parsed)});
    }
    cursors_.assign(inputs_.size(), 0);
    return {};
  }

  // The lazy loader's WithSamplesTill: input samples up to ts go into storage before evaluation.
  void append_until(Timestamp ts) {
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      auto& in = inputs_[i];
      while (cursors_[i] < in.values.size()) {
        const Timestamp t = static_cast<Timestamp>(cursors_[i]) * tg_.interval.count();
        if (t > ts) break;
        const SeriesValue& v = in.values[cursors_[i]++];
        if (v.kind == SeriesValue::Kind::value) storage_.append(in.labels, t, v.value);
        if (v.kind == SeriesValue::Kind::stale) storage_.mark_stale(in.labels, t);
      }
    }
  }

  void check_alerts(const std::vector<const AlertCase*>& cases, Errors& errs) {
    for (const AlertCase* c : cases) {
      std::vector<LabelsAndAnnotations> got;
      for (auto& g : groups_)
        for (const auto& r : g->rules()) {
          const auto* ar = dynamic_cast<const AlertingRule*>(r.get());
          if (!ar || ar->name() != c->alertname) continue;
          for (const Alert* a : ar->active_alerts())
            if (a->state == AlertState::firing)
              got.push_back(
                  {labels_map(a->labels), {a->annotations.begin(), a->annotations.end()}});
        }
      std::vector<LabelsAndAnnotations> exp;
      for (const auto& e : c->expected) {
        LabelsAndAnnotations la{e.labels, e.annotations};
        la.labels["alertname"] = c->alertname;
        exp.push_back(std::move(la));
      }
      std::sort(got.begin(), got.end());
      std::sort(exp.begin(), exp.end());
      if (exp != got) {
        const std::string name = tg_.name.empty() ? "" : "    name: " + tg_.name + ",\n";
        errs.push_back(name + "    alertname: " + c->alertname +
                       ", time: " + format_duration(c->eval_time) +
                       ", \n        exp:" + indent_lines(alerts_string(exp), "            ") +
                       ", \n        got:" + indent_lines(alerts_string(got), "            "));
      }
    }
  }

  void check_exprs(Errors& errs) {
    for (const auto& c : tg_.exprs) {
      const std::string head =
          "    expr: " + gotext::go_quote(c.expr) + ", time: " + format_duration(c.eval_time);
      auto parsed = promql::parse(c.expr);
      if (auto* e = std::get_if<promql::ParseError>(&parsed)) {
        errs.push_back(head + ", err: " + parse_error_text(*e));
        continue;
      }
      std::vector<ParsedSample> got;
      try {
        for (auto& s :
             engine_query_func(storage_)(std::get<promql::Expr>(parsed), c.eval_time.count()))
          got.push_back({s.labels, s.value});
      } catch (const std::exception& e) {
        errs.push_back(head + ", err: " + e.what());
        continue;
      }
      std::vector<ParsedSample> exp;
      bool bad = false;
      for (const auto& [text, value] : c.samples) {
        auto labels = parse_metric(text);
        if (auto* e = std::get_if<std::string>(&labels)) {
          errs.push_back(head + ", err: labels " + gotext::go_quote(text) + ": " + *e);
          bad = true;
          break;
        }
        exp.push_back({std::get<promql::Labels>(labels), value});
      }
      if (bad) continue;
      const auto by_labels = [](const ParsedSample& a, const ParsedSample& b) {
        return a.labels < b.labels;
      };
      std::stable_sort(exp.begin(), exp.end(), by_labels);
      std::stable_sort(got.begin(), got.end(), by_labels);
      const bool equal =
          exp.size() == got.size() &&
          std::equal(exp.begin(), exp.end(), got.begin(), [](const auto& a, const auto& b) {
            return a.labels == b.labels && a.value == b.value;
          });
      if (!equal)
        errs.push_back(head + ",\n        exp: " + samples_string(exp) +
                       "\n        got: " + samples_string(got));
    }
  }

  const TestGroup& tg_;
  Millis eval_interval_;
  const std::map<std::string, int>& order_;
  const std::vector<std::string>& rule_files_;
  promql::MemoryStorage storage_{std::chrono::hours(24 * 365 * 100)};
  std::vector<SeriesInput> inputs_;
  std::vector<std::size_t> cursors_;
  std::vector<std::unique_ptr<Group>> groups_;
};

Errors run_file(const std::string& filename, std::ostream& out, std::ostream& err) {
  out << "Unit Testing:  " << filename << "\n";
  auto text = read_bounded(filename, kMaxTestFileBytes);
  if (auto* e = std::get_if<FileError>(&text)) return {e->to_string()};
  auto loaded =
      load_yaml(std::get<std::string>(text), filename, YamlLimits{kMaxTestFileBytes, 2'000'000});
  if (auto* e = std::get_if<FileError>(&loaded)) return {e->to_string()};
  TestFile file;
  const YAML::Node root = std::get<YAML::Node>(loaded);
  if (root && !root.IsNull()) {
    if (auto errors = read_test_file(root, file); !errors.empty()) return errors;
  }
  // Relative rule files are relative to the test file; globs expand; no match is a warning.
  const std::string base = std::filesystem::path(filename).parent_path().string();
  std::vector<std::string> rule_files;
  for (const auto& rf : file.rule_files) {
    std::string path = rf;
    if (!rf.empty() && rf[0] != '/')
      path = (std::filesystem::path(base.empty() ? "." : base) / rf).lexically_normal().string();
    if (base.empty() && !rf.empty() && rf[0] != '/')
      path = std::filesystem::path(rf).lexically_normal().string();
    const auto matches = glob_files(path);
    if (matches.empty()) err << "  WARNING: no file match pattern " << path << "\n";
    rule_files.insert(rule_files.end(), matches.begin(), matches.end());
  }
  const Millis eval_interval = file.evaluation_interval.count() == 0
                                   ? Millis(std::chrono::minutes(1))
                                   : file.evaluation_interval;
  std::map<std::string, int> order;
  for (std::size_t i = 0; i < file.group_eval_order.size(); ++i)
    if (!order.emplace(file.group_eval_order[i], static_cast<int>(i)).second)
      return {"group name repeated in evaluation order: " + file.group_eval_order[i]};
  Errors errors;
  for (auto& tg : file.tests) {
    if (tg.interval.count() == 0) tg.interval = eval_interval;
    auto e = GroupRun(tg, eval_interval, order, rule_files).run();
    errors.insert(errors.end(), e.begin(), e.end());
  }
  return errors;
}

}  // namespace

int run_rule_tests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  bool failed = false;
  for (const auto& f : files) {
    const Errors errors = run_file(f, out, err);
    if (!errors.empty()) {
      err << "  FAILED:\n";
      for (const auto& e : errors) {
        err << e << "\n";
        out << "\n";
      }
      failed = true;
    } else {
      out << "  SUCCESS\n";
    }
    out << "\n";
  }
  out.flush();
  err.flush();
  return failed ? 1 : 0;
}

}  // namespace hawatch::rules
