#pragma once
// How far before its evaluation time an expression reads samples: what a storage must keep for
// it. Instant selectors look back the lookback delta, range selectors their range, subqueries
// their range plus what their inner expression reads at the subquery's first step, and an offset
// moves all of it further back (a negative offset reads later samples, never older ones).

#include <cstdint>

#include "ast.h"

namespace hawatch::promql {

// `default_subquery_step_ms` is the step of a subquery written without one ([5m:]).
std::int64_t lookback_ms(const Node& root, std::int64_t lookback_delta_ms,
                         std::int64_t default_subquery_step_ms);

}  // namespace hawatch::promql
