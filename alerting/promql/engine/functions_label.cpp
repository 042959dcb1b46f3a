// label_replace() and label_join().
#include <stdexcept>

#include "../regex.h"
#include "functions.h"

namespace hawatch::promql::engine {
namespace {

// A bound on one label value built from a rule's template, so that "$1$1$1..." over a long
// value cannot take the node's memory.
constexpr std::size_t kMaxLabelValueBytes = 1 << 20;

Vector label_replace(Evaluator& ev, const Call& call) {
  Vector input = ev.eval_vector(*call.args[0]);
  const auto dst = ev.eval_string(*call.args[1]);
  const auto replacement = ev.eval_string(*call.args[2]);
  const auto src = ev.eval_string(*call.args[3]);
  const auto pattern = ev.eval_string(*call.args[4]);
  std::unique_ptr<CompiledRegex> regex;
  try {
    regex = std::make_unique<CompiledRegex>(pattern);
  } catch (const std::invalid_argument&) {
    throw EvalError("invalid regular expression in label_replace(): " + pattern);
  }
  if (!valid_label_name(dst))
    throw EvalError("invalid destination label name in label_replace(): " + dst);
  std::string value;
  for (auto& s : input) {
    try {
      if (regex->expand(s.labels.get(src).value_or(""), replacement, value, kMaxLabelValueBytes))
        s.labels.set(dst, value);
    } catch (const std::length_error&) {
      throw EvalError("label_replace(): resulting label value longer than " +
                      std::to_string(kMaxLabelValueBytes) + " bytes");
    }
    s.t = ev.time();
  }
  return input;
}

Vector label_join(Evaluator& ev, const Call& call) {
  Vector input = ev.eval_vector(*call.args[0]);
  const auto dst = ev.eval_string(*call.args[1]);
  const auto sep = ev.eval_string(*call.args[2]);
  std::vector<std::string> srcs;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    srcs.push_back(ev.eval_string(*call.args[i]));
    if (!valid_label_name(srcs.back()))
      throw EvalError("invalid source label name in label_join(): " + srcs.back());
  }
  if (!valid_label_name(dst))
    throw EvalError("invalid destination label name in label_join(): " + dst);
  for (auto& s : input) {
    std::string value;
    for (std::size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) value += sep;
      value += s.labels.get(srcs[i]).value_or("");
      if (value.size() > kMaxLabelValueBytes)
        throw EvalError("label_join(): resulting label value longer than " +
                        std::to_string(kMaxLabelValueBytes) + " bytes");
    }
    s.labels.set(dst, value);
    s.t = ev.time();
  }
  return input;
}

}  // namespace

Vector eval_label_function(Evaluator& ev, const Call& call) {
  return call.func->id == FunctionId::label_replace ? label_replace(ev, call)
                                                    : label_join(ev, call);
}

}  // namespace hawatch::promql::engine
