#define BOOST_TEST_MODULE promql_eval
#include <boost/test/unit_test.hpp>

#include "promql/promql.h"

BOOST_AUTO_TEST_CASE(placeholder) {
  BOOST_TEST(hawatch::promql::is_stale_nan(hawatch::promql::stale_nan()));
}
