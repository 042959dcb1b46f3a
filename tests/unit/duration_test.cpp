// Prometheus duration syntax: every valid spelling parses to the exact number of milliseconds,
// every invalid one is rejected with a message that quotes the offending text, and
// format_duration's output parses back to the same value.
#define BOOST_TEST_MODULE duration
#include "core/duration.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using namespace hawatch;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr std::int64_t kYear = 365 * kDay;

struct Valid {
  std::string text;
  std::int64_t millis;
};

const std::vector<Valid> kValid{
    {"0", 0},
    {"0s", 0},
    {"0ms", 0},
    {"1ms", 1},
    {"500ms", 500},
    {"10s", 10 * kSecond},
    {"5m", 5 * kMinute},
    {"1h", kHour},
    {"1h30m", kHour + 30 * kMinute},
    {"2d", 2 * kDay},
    {"1w", kWeek},
    {"1y", kYear},
    {"1h0m5s", kHour + 5 * kSecond},
    {"1m500ms", kMinute + 500},
    {"1y2w3d4h5m6s7ms", kYear + 2 * kWeek + 3 * kDay + 4 * kHour + 5 * kMinute + 6 * kSecond + 7},
    {"90s", 90 * kSecond},  // no carrying into larger units is required
    {"36h", 36 * kHour},
};

const std::vector<std::string> kInvalid{
    "",                        // empty
    "10",                      // number without a unit
    "s",                       // unit without a number
    "ms",                      // unit without a number
    "1.5s",                    // fractions are not Prometheus syntax
    "5s1m",                    // units out of order
    "1ms1s",                   // units out of order (ms is the smallest)
    "1m1m",                    // repeated unit
    "1s1s",                    // repeated unit
    "-1s",                     // negative
    "+1s",                     // sign
    "10x",                     // unknown unit
    "10S",                     // units are case-sensitive
    "1h 30m",                  // no spaces
    " 10s",                    // no leading space
    "10s ",                    // no trailing space
    "1h30",                    // trailing number without a unit
    "1hm",                     // unit without a number in the middle
    "0x10s",                   // not a decimal number
    "99999999999999999999y",   // digits overflow int64
    "9223372036854775807ms1",  // trailing garbage after the maximum
    "106751991167y",           // fits in int64 as a number, overflows in milliseconds
    "292471209y",              // just past the int64 milliseconds range
};

}  // namespace

// Loops with BOOST_TEST_CONTEXT rather than BOOST_DATA_TEST_CASE: Boost's generated case names
// trip GCC 12's -Wrestrict false positive at -O3, which -Werror turns into a failed Release build.

BOOST_AUTO_TEST_CASE(valid_durations_parse_exactly) {
  for (const Valid& valid : kValid) {
    BOOST_TEST_CONTEXT('"' << valid.text << '"') {
      std::string error = "untouched";
      const auto d = parse_duration(valid.text, &error);
      BOOST_TEST(d.has_value(), "rejected: " << error);
      if (d) BOOST_TEST(d->count() == valid.millis);
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_durations_are_rejected_with_a_message) {
  for (const std::string& text : kInvalid) {
    BOOST_TEST_CONTEXT('"' << text << '"') {
      std::string error;
      const auto d = parse_duration(text, &error);
      BOOST_TEST(!d.has_value(), "parsed as " << (d ? d->count() : 0) << "ms");
      BOOST_TEST(!error.empty());
      // An operator must see which value was wrong; the empty string has nothing to quote.
      if (!text.empty()) BOOST_TEST(error.find('"' + text + '"') != std::string::npos, error);
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_duration_says_so) {
  std::string error;
  BOOST_TEST(!parse_duration("", &error));
  BOOST_TEST(error.find("empty") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(error_messages_explain_the_problem) {
  std::string error;
  BOOST_TEST(!parse_duration("5s1m", &error));
  BOOST_TEST(error.find("largest to smallest") != std::string::npos, error);
  BOOST_TEST(!parse_duration("10x", &error));
  BOOST_TEST(error.find("unit") != std::string::npos, error);
  BOOST_TEST(!parse_duration("99999999999999999999y", &error));
  BOOST_TEST(error.find("out of range") != std::string::npos, error);
  BOOST_TEST(!parse_duration("292471209y", &error));
  BOOST_TEST(error.find("out of range") != std::string::npos, error);
}

// Prometheus' limit, (2^63 - 1) ns: found by duration_fuzz, which compares this reader with the
// alerting side's; this one accepted up to 2^63 - 1 ms, which Prometheus calls out of range.
BOOST_AUTO_TEST_CASE(largest_duration_prometheus_accepts_parses) {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max() / 1'000'000;
  BOOST_TEST(max == 9223372036854);
  const auto d = parse_duration(std::to_string(max) + "ms");
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->count() == max);
  // The same total spelled with a larger unit plus a remainder must not trip the overflow check.
  const auto years = max / kYear;
  const auto rest = max % kYear;
  const auto split = parse_duration(std::to_string(years) + "y" + std::to_string(rest) + "ms");
  BOOST_REQUIRE(split.has_value());
  BOOST_TEST(split->count() == max);
  // One millisecond more is out of range, however it is spelled.
  std::string error;
  BOOST_TEST(!parse_duration(std::to_string(years) + "y" + std::to_string(rest + 1) + "ms", &error));
  BOOST_TEST(error.find("out of range") != std::string::npos, error);
  BOOST_TEST(!parse_duration(std::to_string(max + 1) + "ms"));
  BOOST_TEST(!parse_duration("9223372036854775807ms"));
  BOOST_TEST(!parse_duration("293y"));
}

BOOST_AUTO_TEST_CASE(error_pointer_is_optional) {
  BOOST_TEST(!parse_duration("nonsense"));
  BOOST_TEST(parse_duration("15s").value() == 15s);
}

BOOST_AUTO_TEST_CASE(format_duration_spells_the_shortest_form) {
  BOOST_TEST(format_duration(0ms) == "0s");
  BOOST_TEST(format_duration(500ms) == "500ms");
  BOOST_TEST(format_duration(10s) == "10s");
  BOOST_TEST(format_duration(90s) == "1m30s");
  BOOST_TEST(format_duration(90min) == "1h30m");
  BOOST_TEST(format_duration(1h + 5s) == "1h5s");
  BOOST_TEST(format_duration(Duration{kWeek + kDay}) == "1w1d");
  BOOST_TEST(format_duration(Duration{kYear + 1}) == "1y1ms");
}

BOOST_AUTO_TEST_CASE(format_duration_round_trips) {
  for (const Valid& valid : kValid) {
    const Duration d{valid.millis};
    const std::string text = format_duration(d);
    BOOST_TEST_CONTEXT('"' << valid.text << "\" formatted as \"" << text << '"') {
      std::string error;
      const auto back = parse_duration(text, &error);
      BOOST_TEST(back.has_value(), "does not parse: " << error);
      if (back) BOOST_TEST(back->count() == d.count());
    }
  }
}

BOOST_AUTO_TEST_CASE(format_duration_round_trips_odd_values) {
  for (std::int64_t ms : {std::int64_t{1}, std::int64_t{999}, std::int64_t{1001}, kMinute - 1,
                          kHour + kMinute + kSecond + 1, 3 * kYear + kWeek - 1,
                          std::numeric_limits<std::int64_t>::max() / 1'000'000}) {
    const std::string text = format_duration(Duration{ms});
    const auto back = parse_duration(text);
    BOOST_REQUIRE_MESSAGE(back.has_value(), text << " does not parse");
    BOOST_TEST(back->count() == ms, text);
  }
}
