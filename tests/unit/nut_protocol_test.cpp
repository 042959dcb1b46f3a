// NUT upsd protocol parsing on replies captured from a real upsd 2.8.0 with dummy-ups
// (tests/fixtures/ups/nut-*.txt) and on hand-made broken ones.
#define BOOST_TEST_MODULE nut_protocol
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "collectors/nut/nut_protocol.h"
#include "core/parse.h"

using namespace hawatch;
using namespace hawatch::nut;
using Tokens = std::vector<std::string>;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(HAWATCH_FIXTURES) / "ups" / name, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "fixture " << name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Feeds `text` line by line; returns whether the reply completed exactly at its last line.
bool feed_all(ListReply& reply, const std::string& text) {
  bool done = false;
  for_each_line(text, [&](std::string_view line) {
    BOOST_REQUIRE(!done);
    done = reply.feed(line);
  });
  return done;
}

ups::Reading read_capture(const std::string& name) {
  ListReply reply("VAR", {"dummy"});
  BOOST_REQUIRE(feed_all(reply, fixture(name)));
  BOOST_REQUIRE(!reply.error());
  return reading_from_variables(variables(reply));
}

bool only(const ups::Flags& flags, std::initializer_list<ups::Flag> set) {
  ups::Flags want;
  for (auto f : set) want.set(f);
  return flags == want;
}

double variable(const ups::Reading& r, const std::string& name) {
  for (const auto& [k, v] : r.variables)
    if (k == name) return v;
  BOOST_FAIL("no variable " << name);
  return 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tokenizer_handles_quotes_and_escapes) {
  BOOST_TEST((tokenize(R"(VAR dummy ups.status "OB LB")") == Tokens{"VAR", "dummy", "ups.status", "OB LB"}));
  BOOST_TEST((tokenize(R"(VAR u x "say \"hi\" \\ there")") == Tokens{"VAR", "u", "x", R"(say "hi" \ there)"}));
  BOOST_TEST((tokenize(R"(VAR u x "")") == Tokens{"VAR", "u", "x", ""}));
  BOOST_TEST((tokenize("  OK  \r") == Tokens{"OK"}));
  BOOST_TEST(tokenize("").empty());
  BOOST_CHECK_THROW(tokenize(R"(VAR u x "open)"), ParseError);
  BOOST_CHECK_THROW(tokenize(R"(VAR u x \)"), ParseError);
  BOOST_CHECK_THROW(tokenize(std::string("VAR u x \"a\0b\"", 14)), ParseError);
  BOOST_CHECK_THROW(tokenize(std::string(kMaxLineLength + 1, 'x')), ParseError);
}

BOOST_AUTO_TEST_CASE(quote_escapes_and_rejects_control_characters) {
  BOOST_TEST(*quote(R"(pa"ss\word)") == R"("pa\"ss\\word")");
  BOOST_TEST(!quote("pass\nLOGOUT").has_value());
  BOOST_TEST(tokenize("PASSWORD " + *quote(R"(a "b" \c)"))[1] == R"(a "b" \c)");
}

BOOST_AUTO_TEST_CASE(error_codes_and_reasons) {
  BOOST_TEST(*error_code("ERR DATA-STALE") == "DATA-STALE");
  BOOST_TEST(*error_code("ERR DRIVER-NOT-CONNECTED\r") == "DRIVER-NOT-CONNECTED");
  BOOST_TEST(*error_code("ERR UNKNOWN-UPS extra words") == "UNKNOWN-UPS");
  BOOST_TEST(!error_code("ERR").has_value());
  BOOST_TEST(!error_code("VAR dummy x \"ERR\"").has_value());
  BOOST_TEST(reason_for_error("DATA-STALE") == "data stale");
  BOOST_TEST(reason_for_error("DRIVER-NOT-CONNECTED") == "driver not connected");
  BOOST_TEST(reason_for_error("ACCESS-DENIED") == "access denied");
  BOOST_TEST(reason_for_error("SOMETHING-NEW") == "server error");
}

BOOST_AUTO_TEST_CASE(list_ups_capture) {
  ListReply reply("UPS", {});
  BOOST_TEST(feed_all(reply, fixture("nut-list-ups.txt")));
  BOOST_TEST((ups_names(reply) == Tokens{"dummy"}));
}

BOOST_AUTO_TEST_CASE(list_var_online_capture) {
  const auto r = read_capture("nut-list-var-ol.txt");
  BOOST_TEST(r.up);
  BOOST_TEST(only(r.flags, {ups::OL}));
  BOOST_TEST(*r.battery_charge_ratio == 1.0);
  BOOST_TEST(*r.battery_runtime_seconds == 1800.0);
  BOOST_TEST(*r.load_ratio == 0.23);
  BOOST_TEST(*r.input_voltage_volts == 230.4);
  BOOST_TEST(*r.output_voltage_volts == 230.0);
  BOOST_TEST(*r.battery_voltage_volts == 27.3);
  BOOST_TEST(*r.last_transfer_reason == "input voltage out of range");
  BOOST_TEST(*r.self_test_result == "Done and passed");
  BOOST_TEST(!r.on_battery_seconds);  // measured by the collector, not read
  BOOST_TEST(!r.transfers_total);
  BOOST_TEST(variable(r, "battery.charge.low") == 10.0);
  BOOST_TEST(variable(r, "driver.parameter.pollinterval") == 2.0);
  for (const auto& [k, v] : r.variables) BOOST_TEST(k != "device.model");  // text is not a number
}

BOOST_AUTO_TEST_CASE(list_var_on_battery_low_capture) {
  const auto r = read_capture("nut-list-var-oblb.txt");
  BOOST_TEST(only(r.flags, {ups::OB, ups::LB}));
}

BOOST_AUTO_TEST_CASE(errors_end_the_reply) {
  for (const char* code : {"DATA-STALE", "DRIVER-NOT-CONNECTED", "UNKNOWN-UPS"}) {
    ListReply reply("VAR", {"dummy"});
    BOOST_TEST(reply.feed(std::string("ERR ") + code));
    BOOST_TEST(*reply.error() == code);
    BOOST_CHECK_THROW(reply.feed("END LIST VAR dummy"), ParseError);
  }
}

BOOST_AUTO_TEST_CASE(out_of_protocol_lines_are_errors) {
  const auto throws = [](const Tokens& lines) {
    ListReply reply("VAR", {"dummy"});
    try {
      for (const auto& l : lines) reply.feed(l);
    } catch (const ParseError&) {
      return true;
    }
    return false;
  };
  BOOST_TEST(throws({"VAR dummy x \"1\""}));                           // no BEGIN
  BOOST_TEST(throws({"BEGIN LIST VAR other"}));                        // another UPS
  BOOST_TEST(throws({"BEGIN LIST VAR dummy", "VAR other x \"1\""}));  // item of another UPS
  BOOST_TEST(throws({"BEGIN LIST VAR dummy", "RW dummy x \"1\""}));   // item of another kind
  BOOST_TEST(throws({"BEGIN LIST VAR dummy", "END LIST VAR other"}));
  BOOST_TEST(throws({"SSH-2.0-OpenSSH_9.2"}));
  BOOST_TEST(!throws({"BEGIN LIST VAR dummy", "VAR dummy x \"1\"", "END LIST VAR dummy"}));

  ListReply bad_item("VAR", {"dummy"});
  bad_item.feed("BEGIN LIST VAR dummy");
  bad_item.feed("VAR dummy battery.charge 1 2");
  bad_item.feed("END LIST VAR dummy");
  BOOST_CHECK_THROW(variables(bad_item), ParseError);
}

BOOST_AUTO_TEST_CASE(list_size_is_bounded) {
  ListReply reply("VAR", {"u"});
  reply.feed("BEGIN LIST VAR u");
  for (std::size_t i = 0; i < kMaxListItems; ++i) reply.feed("VAR u x \"1\"");
  BOOST_CHECK_THROW(reply.feed("VAR u x \"1\""), ParseError);
}

BOOST_AUTO_TEST_CASE(status_flags_and_unknown_tokens) {
  std::vector<std::string> unmapped;
  const auto f = flags_from_status("OL CHRG HB RB BYPASS CAL OFF OVER TRIM BOOST FSD DISCHRG ALARM TEST",
                                   unmapped);
  BOOST_TEST(only(f, {ups::OL, ups::CHRG, ups::HB, ups::RB, ups::BYPASS, ups::CAL, ups::OFF, ups::OVER,
                      ups::TRIM, ups::BOOST, ups::FSD, ups::DISCHRG}));
  BOOST_TEST((unmapped == Tokens{"ALARM", "TEST"}));
}

BOOST_AUTO_TEST_CASE(wait_and_missing_status_are_down) {
  BOOST_TEST(reading_from_variables({{"ups.status", "WAIT"}}).down_reason == "waiting for driver");
  BOOST_TEST(!reading_from_variables({{"ups.status", "WAIT"}}).up);
  BOOST_TEST(!reading_from_variables({{"battery.charge", "50"}}).up);
  const auto r = reading_from_variables({{"ups.status", "OB"}, {"battery.charge", "nan"},
                                         {"ups.load", "inf"}, {"battery.runtime", "12x"}});
  BOOST_TEST(r.up);
  BOOST_TEST(!r.battery_charge_ratio);
  BOOST_TEST(!r.load_ratio);
  BOOST_TEST(!r.battery_runtime_seconds);
  BOOST_TEST(r.variables.empty());
}
