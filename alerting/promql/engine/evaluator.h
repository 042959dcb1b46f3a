#pragma once
// One instant evaluation of a syntax tree at time t, as Prometheus' engine evaluates an instant
// query: selectors read Storage with the lookback window, every operator and function works on
// whole vectors, and the checks Prometheus makes at evaluation time raise EvalError.

#include <string>
#include <variant>

#include "../ast.h"
#include "../promql.h"

namespace hawatch::promql::engine {

// What a sub-expression yields; a scalar is just its number here.
using EvalValue = std::variant<double, Vector, Matrix, std::string>;

class Evaluator {
 public:
  Evaluator(const Storage& storage, Timestamp t, const EvalOptions& options)
      : storage_(storage), t_(t), options_(options) {}
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  EvalValue eval(const Node& node);
  double eval_scalar(const Node& node) { return std::get<double>(eval(node)); }
  Vector eval_vector(const Node& node) { return std::get<Vector>(eval(node)); }
  std::string eval_string(const Node& node) { return std::get<std::string>(eval(node)); }

  Timestamp time() const { return t_; }
  // Instant selector; the samples' t is the point's own time (timestamp() reads it).
  Vector select_instant(const VectorSelector& vs);
  // Range selector: per series the non-stale points in [t - offset - range, t - offset].
  Matrix select_range(const MatrixSelector& ms);
  // expr[range:step]: the expression evaluated at each step, one series per label set.
  Matrix eval_subquery(const SubqueryExpr& sq);
  // Counts samples towards max_samples; throws EvalError past it.
  void account(std::size_t samples);

 private:
  EvalValue eval_unary(const UnaryExpr& u);
  // A subquery's evaluation at another time, sharing this evaluation's sample budget.
  Evaluator(const Evaluator& parent, Timestamp t)
      : storage_(parent.storage_), t_(t), options_(parent.options_), samples_(parent.samples_) {}

  const Storage& storage_;
  Timestamp t_;
  const EvalOptions& options_;
  std::size_t own_samples_ = 0;
  std::size_t* samples_ = &own_samples_;
};

// Prometheus' check after every operator and function of an instant query.
void check_unique_labelsets(const Vector& v);
// Drops __name__ (arithmetic and value-changing functions).
Labels drop_metric_name(Labels labels);
// model.LabelNameRE: [a-zA-Z_][a-zA-Z0-9_]*
bool valid_label_name(std::string_view name);

}  // namespace hawatch::promql::engine
