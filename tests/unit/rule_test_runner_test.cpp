#define BOOST_TEST_MODULE rule_test_runner_test
#include <boost/test/unit_test.hpp>
BOOST_AUTO_TEST_CASE(placeholder) { BOOST_TEST(true); }
