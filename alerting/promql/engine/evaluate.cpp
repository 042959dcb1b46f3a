// evaluate(): the public entry point of the engine.
#include "../promql.h"
#include "evaluator.h"

namespace hawatch::promql {

Value evaluate(const Expr& expr, const Storage& storage, Timestamp t, const EvalOptions& options) {
  engine::Evaluator evaluator(storage, t, options);
  auto value = evaluator.eval(expr.root());
  if (auto* scalar = std::get_if<double>(&value)) return Scalar{*scalar, t};
  if (auto* s = std::get_if<std::string>(&value)) return String{std::move(*s), t};
  if (auto* m = std::get_if<Matrix>(&value)) return std::move(*m);
  auto& vector = std::get<Vector>(value);
  for (auto& sample : vector) sample.t = t;
  return std::move(vector);
}

}  // namespace hawatch::promql
