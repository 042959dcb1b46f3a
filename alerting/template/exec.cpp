// Executes a parsed template as Go's text/template does (with Option("missingkey=zero"), as
// Prometheus sets it), bounded in output bytes and steps.
#include <stdexcept>
#include <utility>
#include <vector>

#include "ast.h"
#include "functions.h"
#include "lexer.h"
#include "parser.h"
#include "template.h"

namespace hawatch::tmpl {
namespace detail {
namespace {

// An execution error at a node: Go prints "template: LOC: executing "NAME" at <NODE>: MSG".
struct ExecError : std::runtime_error {
  std::size_t pos;
  std::string context;
  ExecError(std::size_t p, std::string c, const std::string& message)
      : std::runtime_error(message), pos(p), context(std::move(c)) {}
};
struct LimitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct BreakSignal {};
struct ContinueSignal {};

class Executor {
 public:
  Executor(const Tree& tree, const Value& dot, const Limits& limits)
      : tree_(tree), dot_(dot), limits_(limits) {
    vars_.emplace_back("$", dot);
  }

  std::string run() {
    walk_list(tree_.root, dot_);
    return std::move(out_);
  }

 private:
  void step() {
    if (++steps_ > limits_.max_steps)
      throw LimitError("template execution exceeds " + std::to_string(limits_.max_steps) +
                       " steps");
  }
  void write(const std::string& s) {
    if (out_.size() + s.size() > limits_.max_output_bytes)
      throw LimitError("template output exceeds " + std::to_string(limits_.max_output_bytes) +
                       " bytes");
    out_ += s;
  }

  void walk_list(const List& list, const Value& dot) {
    for (const Node& n : list) walk(n, dot);
  }

  void walk(const Node& n, const Value& dot) {
    step();
    switch (n.kind) {
      case Node::Kind::text:
        write(n.text);
        return;
      case Node::Kind::action: {
        const std::size_t scope = vars_.size();
        Value v = eval_pipe(n.pipe, dot);
        if (n.pipe.variables.empty())
          write(limits_.escape_html ? html_escape(print_value(v)) : print_value(v));
        // A declaration at the top of a list lives until the list ends: keep it.
        (void)scope;
        return;
      }
      case Node::Kind::if_:
      case Node::Kind::with: {
        const std::size_t scope = vars_.size();
        Value v = eval_pipe(n.pipe, dot);
        if (truth(v))
          walk_scoped(n.list, n.kind == Node::Kind::with ? v : dot);
        else
          walk_scoped(n.else_list, dot);
        vars_.resize(scope);
        return;
      }
      case Node::Kind::range:
        walk_range(n, dot);
        return;
      case Node::Kind::break_:
        throw BreakSignal{};
      case Node::Kind::continue_:
        throw ContinueSignal{};
    }
  }

  void walk_scoped(const List& list, const Value& dot) {
    const std::size_t scope = vars_.size();
    walk_list(list, dot);
    vars_.resize(scope);
  }

  void walk_range(const Node& n, const Value& dot) {
    const std::size_t scope = vars_.size();
    Pipe pipe = n.pipe;
    const std::vector<std::string> names = pipe.variables;
    pipe.variables.clear();  // declared per element below, not to the ranged value
    const Value v = eval_pipe(pipe, dot);
    if (const auto* r = std::get_if<RecordPtr>(&v); r && (*r)->items) {
      range_items(n, names, *(*r)->items, dot);
      vars_.resize(scope);
      return;
    }
    const auto* m = std::get_if<StringMap>(&v);
    if (!m && !std::holds_alternative<Nil>(v))
      throw ExecError(n.pipe.pos, n.pipe.text(), "range can't iterate over " + print_value(v));
    if (!m || m->empty()) {
      walk_scoped(n.else_list, dot);
      vars_.resize(scope);
      return;
    }
    for (const auto& [key, value] : *m) {
      step();
      const std::size_t inner = vars_.size();
      if (names.size() == 1) vars_.emplace_back(names[0], value);
      if (names.size() == 2) {
        vars_.emplace_back(names[0], key);
        vars_.emplace_back(names[1], value);
      }
      try {
        walk_scoped(n.list, value);
      } catch (const BreakSignal&) {
        vars_.resize(inner);
        break;
      } catch (const ContinueSignal&) {
      }
      vars_.resize(inner);
    }
    vars_.resize(scope);
  }

  // A slice: $i is the index (an int), $e the element, as Go's range.
  void range_items(const Node& n, const std::vector<std::string>& names,
                   const std::vector<Value>& items, const Value& dot) {
    if (items.empty()) {
      walk_scoped(n.else_list, dot);
      return;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      step();
      const std::size_t inner = vars_.size();
      if (names.size() == 1) vars_.emplace_back(names[0], items[i]);
      if (names.size() == 2) {
        vars_.emplace_back(names[0], static_cast<std::int64_t>(i));
        vars_.emplace_back(names[1], items[i]);
      }
      try {
        walk_scoped(n.list, items[i]);
      } catch (const BreakSignal&) {
        vars_.resize(inner);
        break;
      } catch (const ContinueSignal&) {
      }
      vars_.resize(inner);
    }
  }

  Value eval_pipe(const Pipe& pipe, const Value& dot) {
    Value v;
    bool has_final = false;
    for (const Command& c : pipe.commands) {
      v = eval_command(c, dot, has_final ? &v : nullptr);
      has_final = true;
    }
    for (const auto& name : pipe.variables) {
      if (pipe.assign) {
        auto it = vars_.rbegin();
        while (it != vars_.rend() && it->first != name) ++it;
        if (it == vars_.rend())  // reported at the last command, as Go does
          throw ExecError(pipe.commands.back().pos, pipe.commands.back().text(),
                          "undefined variable: " + name);
        it->second = v;
      } else {
        vars_.emplace_back(name, v);
      }
    }
    return v;
  }

  Value eval_command(const Command& c, const Value& dot, const Value* final) {
    step();
    const Arg& first = c.args[0];
    if (first.kind == Arg::Kind::function) return call(first.name, c, dot, final);
    if (first.kind == Arg::Kind::nil)
      throw ExecError(first.pos, first.text, "nil is not a command");
    if (final || c.args.size() > 1)
      throw ExecError(first.pos, first.text, "can't give argument to non-function " + first.text);
    return eval_arg(first, dot);
  }

  Value call(const std::string& name, const Command& c, const Value& dot, const Value* final) {
    const Function* f = find_function(name);
    const std::size_t given = c.args.size() - 1 + (final ? 1 : 0);
    const std::size_t want = f->params.size();
    if ((!f->variadic && given != want) || (f->variadic && given < want)) {
      throw ExecError(c.pos, c.text(),
                      "wrong number of args for " + name + ": want " +
                          (f->variadic ? "at least " : "") + std::to_string(want) + " got " +
                          std::to_string(given));
    }
    std::vector<Value> args;
    // and/or evaluate their operands only as far as needed (Go 1.18).
    if (name == "and" || name == "or") {
      Value v;
      for (std::size_t i = 1; i <= given; ++i) {
        v = i < c.args.size() ? eval_arg(c.args[i], dot) : *final;
        if (truth(v) == (name == "or")) return v;
      }
      return v;
    }
    for (std::size_t i = 0; i < given; ++i) {
      const bool piped = i + 1 >= c.args.size();
      Value v = piped ? *final : eval_arg(c.args[i + 1], dot);
      if (i < want && f->params[i] == Param::string && !std::holds_alternative<std::string>(v)) {
        if (!piped && c.args[i + 1].is_literal())
          throw ExecError(c.args[i + 1].pos, c.args[i + 1].text,
                          "expected string; found " + c.args[i + 1].text);
        const std::size_t pos = piped ? c.pos : c.args[i + 1].pos;
        const std::string ctx = piped ? c.text() : c.args[i + 1].text;
        throw ExecError(pos, ctx, "wrong type for value; expected string; got " + type_name(v));
      }
      args.push_back(std::move(v));
    }
    try {
      return f->call(args);
    } catch (const CallError& e) {
      throw ExecError(c.pos, c.text(), "error calling " + name + ": " + e.what());
    } catch (const std::bad_variant_access&) {
      throw ExecError(c.pos, c.text(), "error calling " + name + ": bad argument type");
    }
  }

  Value eval_arg(const Arg& a, const Value& dot) {
    switch (a.kind) {
      case Arg::Kind::dot:
        return dot;
      case Arg::Kind::nil:
        return Nil{};
      case Arg::Kind::boolean:
        return a.boolean;
      case Arg::Kind::integer:
        return a.integer;
      case Arg::Kind::floating:
        return a.floating;
      case Arg::Kind::string:
        return a.string;
      case Arg::Kind::field:
        return apply_chain(a, dot);
      case Arg::Kind::variable:
        return apply_chain(a, lookup(a.name));
      case Arg::Kind::function: {
        Command c;
        c.pos = a.pos;
        c.args.push_back(a);
        return call(a.name, c, dot, nullptr);
      }
      case Arg::Kind::pipe: {
        const std::size_t scope = vars_.size();
        Value v = eval_pipe(*a.pipe, dot);
        vars_.resize(scope);
        return apply_chain(a, v);
      }
    }
    return Nil{};
  }

  const Value& lookup(const std::string& name) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
      if (it->first == name) return it->second;
    static const Value kNil;
    return kNil;
  }

  Value apply_chain(const Arg& a, Value v) {
    for (const auto& field : a.chain) {
      if (const auto* m = std::get_if<StringMap>(&v)) {
        const auto it = m->find(field);
        v = it == m->end() ? std::string() : it->second;  // missingkey=zero
      } else if (const auto* d = std::get_if<const AlertData*>(&v)) {
        if (field == "Labels")
          v = (*d)->labels;
        else if (field == "ExternalLabels")
          v = (*d)->external_labels;
        else if (field == "ExternalURL")
          v = (*d)->external_url;
        else if (field == "Value")
          v = (*d)->value;
        else
          throw ExecError(a.pos, a.text,
                          "can't evaluate field " + field + " in type " + type_name(v));
      } else if (const auto* r = std::get_if<RecordPtr>(&v)) {
        const Value* f = (*r)->field(field);
        if (!f)
          throw ExecError(a.pos, a.text,
                          "can't evaluate field " + field + " in type " + type_name(v));
        v = Value(*f);  // a copy first: `v` owns the record being read
      } else if (std::holds_alternative<Nil>(v)) {
        throw ExecError(a.pos, a.text, "nil pointer evaluating interface {}." + field);
      } else {
        throw ExecError(a.pos, a.text,
                        "can't evaluate field " + field + " in type " + type_name(v));
      }
    }
    return v;
  }

  const Tree& tree_;
  const Value& dot_;
  const Limits& limits_;
  std::vector<std::pair<std::string, Value>> vars_;
  std::string out_;
  std::size_t steps_ = 0;
};

}  // namespace
}  // namespace detail

bool is_template_function(std::string_view name) {
  return detail::find_function(name) != nullptr;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;  // U+FFFD, as html/template
      default:
        out += c;
    }
  }
  return out;
}

std::variant<Template, std::string> Template::parse(std::string_view text, std::string name) {
  if (text.size() > kMaxTemplateBytes)
    return "template: " + name + ": template is longer than " + std::to_string(kMaxTemplateBytes) +
           " bytes";
  try {
    Template t;
    t.tree_ =
        std::make_shared<const detail::Tree>(detail::parse_tree(name, text, is_template_function));
    return t;
  } catch (const detail::SyntaxError& e) {
    return "template: " + name + ":" + std::to_string(e.line) + ": " + e.what();
  }
}

Expansion Template::execute(const Value& dot, const Limits& limits) const {
  Expansion result;
  try {
    result.text = detail::Executor(*tree_, dot, limits).run();
    result.ok = true;
  } catch (const detail::ExecError& e) {
    result.error = "template: " + detail::location(*tree_, e.pos) + ": executing \"" + tree_->name +
                   "\" at <" + e.context + ">: " + e.what();
  } catch (const detail::LimitError& e) {
    result.error = "template: " + tree_->name + ": " + e.what();
  } catch (const detail::BreakSignal&) {
    result.ok = true;
  } catch (const detail::ContinueSignal&) {
    result.ok = true;
  }
  return result;
}

namespace {
constexpr std::string_view kAlertDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := "
    ".ExternalURL}}{{$value := .Value}}";
}

std::variant<AlertTemplate, std::string> AlertTemplate::parse(std::string_view text,
                                                              std::string_view alert_name) {
  AlertTemplate a;
  a.name_ = "__alert_" + std::string(alert_name);
  a.source_ = std::string(text);
  auto parsed = Template::parse(std::string(kAlertDefs) + std::string(text), a.name_);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  a.tmpl_ = std::make_shared<const Template>(std::move(std::get<Template>(parsed)));
  return a;
}

std::string AlertTemplate::expand(const AlertData& data, const Limits& limits) const {
  const Expansion e = tmpl_->execute(Value(&data), limits);
  if (e.ok) return e.text;
  return "<error expanding template: error executing template " + name_ + ": " + e.error + ">";
}

}  // namespace hawatch::tmpl
