#pragma once
// What alerting and recording rules share: evaluation against a query function, health, the
// last error. Modelled on Prometheus' rules.Rule.

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "promql/promql.h"
#include "rule_file.h"

namespace hawatch::rules {

using promql::Timestamp;

// Runs a rule's expression at a time: an instant vector (a scalar becomes one sample without
// labels, as Prometheus' EngineQueryFunc does). Throws RuleError or promql::EvalError.
using QueryFunc = std::function<promql::Vector(const promql::Expr&, Timestamp)>;

// A QueryFunc on the engine and a storage.
QueryFunc engine_query_func(const promql::Storage& storage, promql::EvalOptions options = {});

struct RuleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class RuleHealth { unknown, ok, bad };

// What every alert template sees besides the alert itself.
struct TemplateContext {
  std::map<std::string, std::string> external_labels;
  std::string external_url;
};

class Rule {
 public:
  virtual ~Rule() = default;
  const RuleSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }

  // The samples to append to storage at ts (a recording rule's series, or ALERTS and
  // ALERTS_FOR_STATE). Throws on error; the group records it.
  virtual promql::Vector eval(Timestamp ts, const QueryFunc& query, std::size_t limit) = 0;

  RuleHealth health() const { return health_; }
  const std::optional<std::string>& last_error() const { return last_error_; }
  void set_result(std::optional<std::string> error) {
    health_ = error ? RuleHealth::bad : RuleHealth::ok;
    last_error_ = std::move(error);
  }

 protected:
  explicit Rule(RuleSpec spec) : spec_(std::move(spec)) {}
  RuleSpec spec_;

 private:
  RuleHealth health_ = RuleHealth::unknown;
  std::optional<std::string> last_error_;
};

}  // namespace hawatch::rules
