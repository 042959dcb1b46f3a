// apcupsd NIS parsing on replies captured from a real apcupsd 3.14.14 (apcsmart driver talking to
// smartsim; tests/fixtures/ups/apcupsd-*.nis) and on hand-made broken ones.
#define BOOST_TEST_MODULE apcupsd_nis
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "collectors/apcupsd/apcupsd_nis.h"
#include "core/parse.h"

using namespace hawatch;
using namespace hawatch::apcupsd;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(HAWATCH_FIXTURES) / "ups" / name, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "fixture " << name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

ups::Reading read_capture(const std::string& name) {
  const std::string bytes = fixture(name);
  const auto reply = split_reply(bytes);
  BOOST_REQUIRE(reply.has_value());
  BOOST_TEST(reply->consumed == bytes.size());
  return reading_from_records(parse_records(reply->records));
}

// Frames each line (with its "\n", as apcupsd sends it) and adds the terminator.
std::string reply_of(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += frame(l + "\n");
  return out + std::string("\0\0", 2);
}

ups::Reading read_lines(const std::vector<std::string>& lines) {
  const auto reply = split_reply(reply_of(lines));
  BOOST_REQUIRE(reply.has_value());
  return reading_from_records(parse_records(reply->records));
}

bool only(const ups::Flags& flags, std::initializer_list<ups::Flag> set) {
  ups::Flags want;
  for (auto f : set) want.set(f);
  return flags == want;
}

}  // namespace

BOOST_AUTO_TEST_CASE(request_frame_is_length_prefixed) {
  BOOST_TEST(frame("status") == std::string("\x00\x06status", 8));
}

BOOST_AUTO_TEST_CASE(online_capture) {
  const auto r = read_capture("apcupsd-online.nis");
  BOOST_TEST(r.up);
  BOOST_TEST(only(r.flags, {ups::OL}));
  BOOST_TEST(*r.battery_charge_ratio == 1.0);
  BOOST_TEST(*r.battery_runtime_seconds == 20 * 60.0);
  BOOST_TEST(*r.load_ratio == 0.25);
  BOOST_TEST(*r.input_voltage_volts == 120.0);
  BOOST_TEST(*r.output_voltage_volts == 120.0);
  BOOST_TEST(*r.battery_voltage_volts == 24.0);
  BOOST_TEST(*r.on_battery_seconds == 0.0);
  BOOST_TEST(*r.on_battery_seconds_total == 0.0);
  BOOST_TEST(*r.transfers_total == 0.0);
  BOOST_TEST(*r.last_transfer_reason == "No transfers since turnon");
  BOOST_TEST(*r.self_test_result == "OK");
  BOOST_TEST(r.unmapped_status.empty());
}

BOOST_AUTO_TEST_CASE(on_battery_capture) {
  const auto r = read_capture("apcupsd-onbatt.nis");
  BOOST_TEST(r.up);
  BOOST_TEST(only(r.flags, {ups::OB, ups::DISCHRG}));
  BOOST_TEST(*r.on_battery_seconds == 3.0);
  BOOST_TEST(*r.transfers_total == 1.0);
  BOOST_TEST(*r.last_transfer_reason == "Low line voltage");
}

BOOST_AUTO_TEST_CASE(low_battery_capture) {
  const auto r = read_capture("apcupsd-lowbatt.nis");
  BOOST_TEST(only(r.flags, {ups::OB, ups::DISCHRG, ups::LB}));
}

// apcupsd shows only "SHUTTING DOWN" then; STATFLAG still says on battery and low.
BOOST_AUTO_TEST_CASE(shutting_down_capture_keeps_the_flags_from_statflag) {
  const auto r = read_capture("apcupsd-shutting-down.nis");
  BOOST_TEST(r.up);
  BOOST_TEST(only(r.flags, {ups::OB, ups::DISCHRG, ups::LB, ups::FSD}));
}

BOOST_AUTO_TEST_CASE(status_words_map_onto_nut_flags) {
  bool commlost = false;
  std::vector<std::string> unmapped;
  const auto f = flags_from_status_words("CAL TRIM BOOST ONLINE OVERLOAD REPLACEBATT NOBATT SLAVE WEIRD",
                                         commlost, unmapped);
  BOOST_TEST(only(f, {ups::CAL, ups::TRIM, ups::BOOST, ups::OL, ups::OVER, ups::RB}));
  BOOST_TEST(!commlost);
  BOOST_TEST((unmapped == std::vector<std::string>{"NOBATT", "SLAVE", "WEIRD"}));

  unmapped.clear();
  BOOST_TEST(only(flags_from_status_words("SHUTTING DOWN", commlost, unmapped), {ups::FSD}));
  BOOST_TEST(unmapped.empty());
  BOOST_TEST(flags_from_status_words("COMMLOST", commlost, unmapped).none());
  BOOST_TEST(commlost);
}

BOOST_AUTO_TEST_CASE(statflag_bits) {
  bool commlost = false;
  BOOST_TEST(only(*flags_from_statflag("0x05000008", commlost), {ups::OL}));
  BOOST_TEST(only(*flags_from_statflag("0x000000FF", commlost), {ups::CAL, ups::TRIM, ups::BOOST, ups::OL,
                                                                  ups::OB, ups::OVER, ups::LB, ups::RB}));
  BOOST_TEST(!commlost);
  BOOST_TEST(flags_from_statflag("0x05000108", commlost).has_value());
  BOOST_TEST(commlost);
  for (const char* bad : {"", "0x", "5000008", "0x0500000G", "0x123456789", "N/A"}) {
    bool c = false;
    BOOST_TEST(!flags_from_statflag(bad, c).has_value(), bad);
  }
}

// Captured after the serial link (socat) went away.
BOOST_AUTO_TEST_CASE(commlost_capture_is_down) {
  const auto r = read_capture("apcupsd-commlost.nis");
  BOOST_TEST(!r.up);
  BOOST_TEST(r.down_reason == "commlost");
}

BOOST_AUTO_TEST_CASE(commlost_is_down_with_a_reason) {
  const auto r = read_lines({"UPSNAME  : ups1", "STATUS   : COMMLOST", "STATFLAG : 0x05000108",
                             "BCHARGE  : 100.0 Percent"});
  BOOST_TEST(!r.up);
  BOOST_TEST(r.down_reason == "commlost");
}

BOOST_AUTO_TEST_CASE(charging_is_derived_when_online_below_full) {
  const auto r = read_lines({"STATUS   : ONLINE ", "BCHARGE  : 87.0 Percent"});
  BOOST_TEST(only(r.flags, {ups::OL, ups::CHRG}));
  BOOST_TEST(*r.battery_charge_ratio == 0.87);
}

BOOST_AUTO_TEST_CASE(missing_and_unparsable_values_are_absent) {
  const auto r = read_lines({"STATUS   : ONLINE", "BCHARGE  : N/A", "TIMELEFT : lots", "LINEV    :",
                             "LASTXFER : N/A", "TONBATT  : 2 Hours"});
  BOOST_TEST(r.up);
  BOOST_TEST(!r.battery_charge_ratio);
  BOOST_TEST(!r.battery_runtime_seconds);
  BOOST_TEST(!r.input_voltage_volts);
  BOOST_TEST(!r.last_transfer_reason);
  BOOST_TEST(*r.on_battery_seconds == 7200.0);
}

BOOST_AUTO_TEST_CASE(truncated_replies_ask_for_more) {
  const std::string whole = fixture("apcupsd-online.nis");
  for (std::size_t cut = 0; cut < whole.size(); ++cut)
    BOOST_TEST(!split_reply(std::string_view(whole).substr(0, cut)).has_value(), "cut at " << cut);
  // Bytes after the terminator belong to the next reply.
  const auto two = split_reply(whole + whole);
  BOOST_REQUIRE(two.has_value());
  BOOST_TEST(two->consumed == whole.size());
}

BOOST_AUTO_TEST_CASE(oversized_length_prefix_is_an_error) {
  BOOST_CHECK_THROW(split_reply(std::string("\xff\xff", 2) + "x"), ParseError);
  BOOST_CHECK_THROW(split_reply(std::string("\x04\x01", 2)), ParseError);  // 1025 > 1024
  // "HTTP/1.1 400" read as a length: 0x4854 = 18516 bytes. Not apcupsd.
  BOOST_CHECK_THROW(split_reply("HTTP/1.1 400 Bad Request\r\n"), ParseError);
}

BOOST_AUTO_TEST_CASE(too_many_records_is_an_error) {
  std::string many;
  for (std::size_t i = 0; i <= kMaxRecords; ++i) many += frame("X : y\n");
  BOOST_CHECK_THROW(split_reply(many), ParseError);
}

BOOST_AUTO_TEST_CASE(garbage_records_are_errors) {
  BOOST_CHECK_THROW(parse_records({"Invalid command\n"}), ParseError);
  BOOST_CHECK_THROW(parse_records({" : value\n"}), ParseError);
  BOOST_CHECK_THROW(parse_records({"MODEL : x\n"}), ParseError);  // no STATUS
  BOOST_CHECK_THROW(parse_records({}), ParseError);
  BOOST_CHECK_NO_THROW(parse_records({"STATUS : ONLINE\n", std::string("DATE : \0\xff", 10)}));
}
