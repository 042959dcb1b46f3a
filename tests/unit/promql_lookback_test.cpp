// What an expression reads back (the local rules' storage keeps only that), and a storage whose
// retention is shortened keeps only that much: the soak's rules need minutes, not the hour
// every series used to be kept for.
#define BOOST_TEST_MODULE promql_lookback
#include <boost/test/unit_test.hpp>

#include "promql/lookback.h"
#include "promql/promql.h"

using namespace hawatch::promql;

namespace {
constexpr std::int64_t kMinute = 60'000;

std::int64_t reach(const std::string& text) {
  auto parsed = parse(text);
  const auto* expr = std::get_if<Expr>(&parsed);
  BOOST_REQUIRE_MESSAGE(expr != nullptr, text);
  return lookback_ms(expr->root(), 5 * kMinute, kMinute);
}
}  // namespace

BOOST_AUTO_TEST_CASE(selectors_ranges_subqueries_and_offsets) {
  BOOST_TEST(reach("vector(1)") == 0);
  BOOST_TEST(reach("vector(time()) % 20 < 10") == 0);
  BOOST_TEST(reach("up") == 5 * kMinute);
  BOOST_TEST(reach("hawatch_collector_success == 0") == 5 * kMinute);
  BOOST_TEST(reach("rate(x[10m])") == 10 * kMinute);
  BOOST_TEST(reach("x offset 1h") == 65 * kMinute);
  BOOST_TEST(reach("x offset -10m") == 0);
  BOOST_TEST(reach("rate(x[10m] offset 5m)") == 15 * kMinute);
  BOOST_TEST(reach("sum(rate(a[2m])) / sum(b offset 20m)") == 25 * kMinute);
  // range + step (alignment) + what the inner expression reads at the first step
  BOOST_TEST(reach("max_over_time(rate(x[5m])[30m:1m])") == 36 * kMinute);
  BOOST_TEST(reach("max_over_time(x[5m:])") == 11 * kMinute);
  BOOST_TEST(reach("topk(3, absent_over_time(y[90m]))") == 90 * kMinute);
}

BOOST_AUTO_TEST_CASE(a_shortened_retention_bounds_the_points_kept) {
  MemoryStorage storage(std::chrono::hours(1));
  Labels labels;
  labels.set("__name__", "m");
  storage.set_retention(std::chrono::minutes(5));
  BOOST_TEST(storage.retention().count() == 5 * kMinute);
  const Timestamp start = 1'796'283'000'000;
  for (int i = 0; i < 3600; ++i) {
    storage.append(labels, start + i * 1000, i);
    storage.compact(start + i * 1000);
  }
  std::size_t points = 0;
  storage.select({Matcher::make(MatchType::equal, "__name__", "m")}, 0, start + 3600 * 1000,
                 [&](const Series& s) { points += s.points.size(); });
  BOOST_TEST(points == 301u);  // five minutes at 1 s, both ends included
}
