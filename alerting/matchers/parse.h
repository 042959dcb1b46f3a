#pragma once
// The matcher syntax of Alertmanager 0.25 (pkg/labels/parse.go): one matcher `name="value"`, or a
// list `{a="b", c=~"d"}` (braces optional, commas inside quotes kept). Values may be quoted;
// inside,
// \" \\ and \n are escapes and any other backslash is literal. Unquoted values run to the end,
// trailing blanks dropped. Values must be UTF-8. One pass over the text.

#include <string_view>

#include "matchers/matcher.h"

namespace hawatch::alerting {

// `source` names where the text came from (e.g. "alerting.route.routes[0].matchers[1]"); errors
// are MatcherErrors saying `source: matcher "TEXT": at column N: what`.
Matcher parse_matcher(std::string_view text, std::string_view source);
Matchers parse_matchers(std::string_view text, std::string_view source);

// The deprecated maps: match (equality) and match_re (anchored regex), in name order.
Matchers matchers_from_maps(const LabelSet& match, const LabelSet& match_re);

}  // namespace hawatch::alerting
