#include "functions.h"

namespace hawatch::promql::engine {

Labels absent_labels(const Node& arg) {
  const Node& n = unwrap_parens(arg);
  const VectorSelector* vs = std::get_if<VectorSelector>(&n.kind);
  if (const auto* ms = std::get_if<MatrixSelector>(&n.kind)) vs = &ms->selector;
  Labels out;
  if (vs == nullptr) return out;
  std::vector<std::string> remove;
  for (const auto& m : vs->matchers) {
    if (m.name == "__name__") continue;
    if (m.type == MatchType::equal && !out.has(m.name)) {
      out.set(m.name, m.value);
    } else {
      remove.push_back(m.name);
    }
  }
  for (const auto& name : remove) out.erase(name);
  return out;
}

EvalValue eval_call(Evaluator& ev, const Call& call) {
  for (const auto& arg : call.args) {
    const Node& a = unwrap_parens(*arg);
    const auto* ms = std::get_if<MatrixSelector>(&a.kind);
    const auto* sq = std::get_if<SubqueryExpr>(&a.kind);
    if (ms != nullptr || sq != nullptr) {
      RangeInput input;
      if (ms != nullptr) {
        input = RangeInput{ev.select_range(*ms), ms->range_ms, ms->selector.offset_ms};
      } else {
        input = RangeInput{ev.eval_subquery(*sq), sq->range_ms, sq->offset_ms};
      }
      auto out = eval_range_function(ev, call, std::move(input));
      for (auto& s : out) s.t = ev.time();
      check_unique_labelsets(out);
      return out;
    }
  }
  const auto id = call.func->id;
  if (id == FunctionId::label_replace || id == FunctionId::label_join) {
    auto out = eval_label_function(ev, call);
    check_unique_labelsets(out);
    return out;
  }
  auto value = eval_instant_function(ev, call);
  if (auto* v = std::get_if<Vector>(&value)) {
    for (auto& s : *v) s.t = ev.time();
    check_unique_labelsets(*v);
  }
  return value;
}

}  // namespace hawatch::promql::engine
