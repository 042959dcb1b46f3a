#pragma once
// Go text/template, the subset Prometheus' alert templates use: {{ $labels.x }}, pipelines,
// if/else/with/range, variables, comparisons, and Prometheus' functions (humanize, printf, ...).
// Parsed once, executed many times, each execution bounded in output and steps. Messages are
// Go's, so a broken annotation reads as it would in Prometheus.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "value.h"

namespace hawatch::tmpl {

namespace detail {
struct Tree;
}

struct Limits {
  std::size_t max_output_bytes = 64 * 1024;
  std::size_t max_steps = 100'000;  // nodes and commands executed
  // HTML output: every action's value is HTML-escaped as html/template does in text context,
  // safeHtml included (what an alert says must never become markup); the template's own text
  // is not touched.
  bool escape_html = false;
};
inline constexpr std::size_t kMaxTemplateBytes = 64 * 1024;

struct Expansion {
  bool ok = false;
  std::string text;   // the output when ok
  std::string error;  // Go's message otherwise: "template: NAME:LINE:COL: executing ..."
};

class Template {
 public:
  // Go's message on failure: "template: NAME:LINE: function \"x\" not defined".
  static std::variant<Template, std::string> parse(std::string_view text, std::string name);

  Expansion execute(const Value& dot, const Limits& limits = {}) const;

 private:
  std::shared_ptr<const detail::Tree> tree_;
};

// html/template's escaping of text: & < > " ' and NUL.
std::string html_escape(std::string_view text);

// Whether a function name exists in hawatch's templates (Go's builtins and Prometheus' own).
bool is_template_function(std::string_view name);

// Prometheus' alert templates: the text is prefixed with {{$labels := .Labels}},
// {{$externalLabels := .ExternalLabels}}, {{$externalURL := .ExternalURL}}, {{$value := .Value}},
// named "__alert_NAME", as rules/alerting.go does (so positions in messages match Prometheus').
class AlertTemplate {
 public:
  // On failure Go's message, "template: __alert_NAME:LINE: ...", as Prometheus' ParseTest.
  static std::variant<AlertTemplate, std::string> parse(std::string_view text,
                                                        std::string_view alert_name);
  // The expansion, or "<error expanding template: ...>" as Prometheus puts in the annotation.
  std::string expand(const AlertData& data, const Limits& limits = {}) const;
  const std::string& source() const { return source_; }

 private:
  std::shared_ptr<const Template> tmpl_;
  std::string source_;
  std::string name_;
};

}  // namespace hawatch::tmpl
