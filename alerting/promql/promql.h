#pragma once
// The PromQL subset hawatch evaluates locally (docs/promql.md lists it): parse once at load,
// evaluate at each rule evaluation against a Storage of recent samples. This header is the contract
// between the engine (alerting/promql) and its users (alerting/rules, `hawatch test rules`, the
// daemon).

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "duration.h"
#include "model.h"

namespace hawatch::promql {

// A refused expression: where (byte offset, 1-based line and column inside the expression text) and
// the offending token, so callers can report FILE:LINE:COL with the token.
struct ParseError {
  std::size_t offset = 0;
  int line = 1;
  int column = 1;
  std::string token;
  std::string message;
};

class Node;  // the AST (ast.h)

// A parsed expression: immutable, cheap to copy, safe to evaluate from several threads.
class Expr {
 public:
  std::string_view text() const;
  // scalar, vector, matrix or string: the type the expression yields.
  std::string_view type_name() const;
  const Node& root() const { return *root_; }

 private:
  friend struct ExprAccess;
  std::shared_ptr<const Node> root_;
  std::shared_ptr<const std::string> text_;
};

// Either the expression or why it is refused (outside the subset, or not PromQL at all).
std::variant<Expr, ParseError> parse(std::string_view text);

// Bounds on hostile input: longer texts and deeper trees are refused with a ParseError.
inline constexpr std::size_t kMaxExpressionBytes = 64 * 1024;
inline constexpr int kMaxExpressionDepth = 200;

class CompiledRegex;  // regex.h

enum class MatchType { equal, not_equal, regex, not_regex };
struct Matcher {
  MatchType type = MatchType::equal;
  std::string name;
  std::string value;
  bool matches(std::string_view v) const;  // regexes fully anchored, RE2/Go syntax subset

  // Compiled once here so matches() does not compile per call; a Matcher built by hand without
  // it compiles on every matches() call. make() throws std::invalid_argument for a bad regex.
  std::shared_ptr<const CompiledRegex> compiled = nullptr;
  static Matcher make(MatchType type, std::string name, std::string value);
};

// What the engine reads. select() hands every series whose labels match all matchers, with its
// points in [mint, maxt] (inclusive), ascending.
class Storage {
 public:
  virtual ~Storage() = default;
  virtual void select(const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt,
                      const std::function<void(const Series&)>& visit) const = 0;
};

// An in-memory Storage with bounded history per series: the daemon's local view and the promtool
// test runner's input both use it.
class MemoryStorage final : public Storage {
 public:
  explicit MemoryStorage(std::chrono::milliseconds retention = std::chrono::hours(1));
  ~MemoryStorage() override;
  MemoryStorage(MemoryStorage&&) noexcept;
  MemoryStorage& operator=(MemoryStorage&&) noexcept;

  // Appends one point; a point older than the series' last is ignored. A NaN with the stale-marker
  // bit pattern marks the series stale from t on (as Prometheus' staleness handling).
  void append(const Labels& labels, Timestamp t, double v);
  void mark_stale(const Labels& labels, Timestamp t);
  // Drops points older than newest - retention, and series left empty.
  void compact(Timestamp now);
  // Keeps what is stored: a shorter retention takes effect at the next compact().
  void set_retention(std::chrono::milliseconds retention);
  std::chrono::milliseconds retention() const;
  std::size_t series_count() const;

  void select(const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt,
              const std::function<void(const Series&)>& visit) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct EvalOptions {
  std::chrono::milliseconds lookback_delta = std::chrono::minutes(5);
  // Bounds so a hostile or mistaken rule cannot exhaust the node: samples touched and series out.
  std::size_t max_samples = 5'000'000;
  // The step of a subquery written without one (x[1h:]): Prometheus uses the global
  // evaluation_interval, promtool the test file's evaluation_interval.
  std::chrono::milliseconds default_subquery_step = std::chrono::minutes(1);
};

// The result of one evaluation: a number, an instant vector, a range vector or a string.
struct Scalar {
  double value = 0;
  Timestamp t = 0;
};
struct String {
  std::string value;
  Timestamp t = 0;
};
using Value = std::variant<Scalar, Vector, Matrix, String>;

// Thrown for errors only knowable at evaluation time (duplicate series in a one-to-one match,
// too many samples, ...); the message is what Prometheus would say.
struct EvalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Value evaluate(const Expr& expr, const Storage& storage, Timestamp t,
               const EvalOptions& options = {});

}  // namespace hawatch::promql
