// The daemon <-> hawatch-plugin-host wire form: a RUN record round-trips, and what a hostile
// host sends is held to the rules the in-process RecordingSink applies (names /metrics can carry,
// bounded samples and problems), so isolating a plugin never lets it add more than loading it.
#define BOOST_TEST_MODULE plugin_protocol
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <string>

#include "contains.h"
#include "runtime/host_protocol.h"
#include "runtime/plugin_run.h"

using namespace hawatch::plugins;
using hawatch::test::contains;

BOOST_AUTO_TEST_CASE(a_run_round_trips) {
  PluginRun run;
  run.rc = 2;
  run.status = 1;
  run.status_message = "disk\t91%\nsecond line \\ end";
  run.problems = {"odd", "tab\there"};
  run.samples = {{false, "hailo_temp_celsius", "Chip\ntemperature.", 48.5, {{"device", "0\t1"}}},
                 {true, "plates_total", "", 1e300, {}},
                 {false, "x", "", -INFINITY, {}}};
  const auto back = decode_run(encode_run(run));
  BOOST_REQUIRE(back);
  BOOST_TEST(back->rc == 2);
  BOOST_TEST(*back->status == 1);
  BOOST_TEST(back->status_message == run.status_message);
  BOOST_TEST(back->problems == run.problems);
  BOOST_REQUIRE(back->samples.size() == 3u);
  BOOST_TEST(back->samples[0].help == "Chip\ntemperature.");
  BOOST_TEST(back->samples[0].labels == run.samples[0].labels);
  BOOST_TEST(back->samples[1].counter);
  BOOST_TEST(back->samples[1].value == 1e300);
  BOOST_TEST(std::isinf(back->samples[2].value));
}

BOOST_AUTO_TEST_CASE(malformed_records_are_refused) {
  BOOST_TEST(!decode_run("R\tx\n"));
  BOOST_TEST(!decode_run("S\t7\tbad\n"));
  BOOST_TEST(!decode_run("G\tname\thelp\tnot-a-number\n"));
  BOOST_TEST(!decode_run("G\tname\thelp\t1\tdangling-label\n"));
  BOOST_TEST(!decode_run("Q\tunknown\n"));
}

// Found by plugin_protocol_fuzz: the daemon exposed whatever names the host sent.
BOOST_AUTO_TEST_CASE(names_metrics_cannot_carry_are_dropped_with_a_problem) {
  const auto run = decode_run(
      "R\t0\nG\tbad name{x=\"1\"}\th\t1\nG\tok\th\t1\t__name__\tspoofed\n"
      "G\tok\th\t2\tbad-label\tv\nG\tgood\th\t3\tl\tv\n");
  BOOST_REQUIRE(run);
  BOOST_REQUIRE(run->samples.size() == 1u);
  BOOST_TEST(run->samples[0].name == "good");
  BOOST_REQUIRE(run->problems.size() == 3u);
  BOOST_TEST(contains(run->problems[0], "invalid metric name \"bad name{x=\"1\"}\""));
  BOOST_TEST(contains(run->problems[1], "invalid label name \"__name__\""));
  BOOST_TEST(contains(run->problems[2], "invalid label name \"bad-label\""));
}

BOOST_AUTO_TEST_CASE(a_flood_from_the_host_is_bounded) {
  std::string text = "R\t0\n";
  for (std::size_t i = 0; i < kMaxRunProblems + 50; ++i) text += "P\tp" + std::to_string(i) + "\n";
  for (std::size_t i = 0; i < kMaxRunSamples + 10; ++i) text += "G\tm\th\t1\n";
  const auto run = decode_run(text);
  BOOST_REQUIRE(run);
  BOOST_TEST(run->samples.size() == kMaxRunSamples);
  BOOST_REQUIRE(run->problems.size() == kMaxRunProblems);
  BOOST_TEST(run->problems.front() == "p0");
  BOOST_TEST(contains(run->problems.back(), "52 more problems dropped"));
  // What was decoded is within the limits, so it re-encodes to itself.
  const auto again = decode_run(encode_run(*run));
  BOOST_REQUIRE(again);
  BOOST_TEST(again->problems == run->problems);
  BOOST_TEST(again->samples.size() == run->samples.size());
}

BOOST_AUTO_TEST_CASE(frames_read_back_and_truncation_is_an_error_not_a_wait) {
  int fds[2];
  BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  BOOST_TEST(write_frame(fds[1], "RUN\nR\t0\n", deadline).empty());
  BOOST_TEST(::write(fds[1], "\0\0\0\x10short", 9) == 9);
  ::close(fds[1]);
  std::string error;
  const auto frame = read_frame(fds[0], deadline, error);
  BOOST_REQUIRE(frame);
  BOOST_TEST(*frame == "RUN\nR\t0\n");
  BOOST_TEST(!read_frame(fds[0], deadline, error));
  BOOST_TEST(error == "closed");
  ::close(fds[0]);
}

BOOST_AUTO_TEST_CASE(settings_round_trip) {
  PluginSettings s;
  s.rootfs = "/host\troot";
  s.node_name = "node\n1";
  s.entries = {{"db", "/var/lib/a.db"}, {"k\\", "v\tw"}};
  const auto back = decode_settings(encode_settings(s));
  BOOST_TEST(back.rootfs == s.rootfs);
  BOOST_TEST(back.node_name == s.node_name);
  BOOST_TEST(back.entries == s.entries);
}
