// The systemd notification protocol without libsystemd, against real AF_UNIX datagram sockets
// made here (a path and an abstract name): what is sent arrives byte for byte; no NOTIFY_SOCKET
// is a no-op; a bad one is a reported failure that neither crashes nor hangs; and the watchdog
// variables are read as sd_watchdog_enabled(0, ...) reads them.
#define BOOST_TEST_MODULE sd_notify
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "core/unique_fd.h"
#include "daemon/sd_notify.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A datagram socket bound to `name` as NOTIFY_SOCKET spells it ("/path" or "@abstract").
class Listener {
 public:
  explicit Listener(const std::string& name) : name_(name), fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    BOOST_REQUIRE(fd_.get() >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    BOOST_REQUIRE(name.size() < sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name.front() == '@') addr.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    BOOST_REQUIRE_MESSAGE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0,
                          "bind " << name << ": " << std::strerror(errno));
  }

  // The next datagram, or nullopt when none arrives within `wait`.
  std::optional<std::string> receive(std::chrono::milliseconds wait = 2000ms) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  UniqueFd fd_;
};

// Sets (or, with nullptr, unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

long long ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

std::string unique_abstract_name() {
  return "@hawatch-sd-notify-test-" + std::to_string(::getpid()) + "-" +
         std::to_string(Clock::now().time_since_epoch().count());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery)

BOOST_AUTO_TEST_CASE(path_socket_receives_each_message_as_sent) {
  test::TempDir dir;
  Listener listener((dir.path / "notify.sock").string());
  ScopedEnv env("NOTIFY_SOCKET", listener.name().c_str());
  for (const std::string message : {"READY=1\nSTATUS=serving metrics", "WATCHDOG=1", "STOPPING=1"}) {
    const auto result = sd::notify(message);
    BOOST_TEST((result.outcome == sd::NotifyOutcome::sent), result.error);
    BOOST_TEST(listener.receive().value_or("<nothing>") == message);
  }
}

BOOST_AUTO_TEST_CASE(abstract_socket_receives_the_message) {
  Listener listener(unique_abstract_name());
  ScopedEnv env("NOTIFY_SOCKET", listener.name().c_str());
  const auto result = sd::notify("READY=1");
  BOOST_TEST((result.outcome == sd::NotifyOutcome::sent), result.error);
  BOOST_TEST(listener.receive().value_or("<nothing>") == "READY=1");
}

BOOST_AUTO_TEST_CASE(abstract_name_is_matched_exactly_not_as_a_prefix) {
  // The address length counts the name exactly: "@name" must not reach "@name-longer".
  const std::string name = unique_abstract_name();
  Listener longer(name + "-longer");
  const auto result = sd::notify_to(name, "READY=1");
  BOOST_TEST((result.outcome == sd::NotifyOutcome::failed));
  BOOST_TEST(!longer.receive(100ms).has_value());
}

BOOST_AUTO_TEST_CASE(reloading_carries_the_monotonic_time) {
  test::TempDir dir;
  Listener listener((dir.path / "notify.sock").string());
  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  const auto result = sd::notify_to(listener.name(), sd::reloading_message());
  timespec after{};
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  BOOST_TEST((result.outcome == sd::NotifyOutcome::sent), result.error);
  const std::string got = listener.receive().value_or("");
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  BOOST_REQUIRE_MESSAGE(got.rfind(prefix, 0) == 0, "got: " << got);
  const auto usec = std::stoull(got.substr(prefix.size()));
  auto to_usec = [](const timespec& t) {
    return static_cast<unsigned long long>(t.tv_sec) * 1000000ull +
           static_cast<unsigned long long>(t.tv_nsec) / 1000ull;
  };
  BOOST_TEST(usec >= to_usec(before));
  BOOST_TEST(usec <= to_usec(after));
}

BOOST_AUTO_TEST_CASE(no_descriptor_is_left_behind) {
  test::TempDir dir;
  Listener listener((dir.path / "notify.sock").string());
  const auto before = open_descriptors();
  for (int i = 0; i < 20; ++i) {
    sd::notify_to(listener.name(), "WATCHDOG=1");
    sd::notify_to((dir.path / "missing.sock").string(), "WATCHDOG=1");
  }
  BOOST_TEST(open_descriptors() == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(not_configured_or_bad)

BOOST_AUTO_TEST_CASE(unset_or_empty_notify_socket_is_a_no_op) {
  {
    ScopedEnv env("NOTIFY_SOCKET", nullptr);
    const auto result = sd::notify("READY=1");
    BOOST_TEST((result.outcome == sd::NotifyOutcome::not_configured));
    BOOST_TEST(result.error.empty());
  }
  ScopedEnv env("NOTIFY_SOCKET", "");
  BOOST_TEST((sd::notify("READY=1").outcome == sd::NotifyOutcome::not_configured));
}

BOOST_AUTO_TEST_CASE(bad_addresses_fail_with_a_reason) {
  test::TempDir dir;
  const std::string missing = (dir.path / "nobody-listens.sock").string();
  const std::string not_a_socket = (dir.path / "plain-file").string();
  { std::FILE* f = std::fopen(not_a_socket.c_str(), "w"); BOOST_REQUIRE(f); std::fclose(f); }
  for (const std::string& address :
       {std::string("relative/notify.sock"), std::string("vsock:2:1234"), missing, not_a_socket,
        std::string("/") + std::string(200, 'x'), unique_abstract_name()}) {
    BOOST_TEST_CONTEXT("NOTIFY_SOCKET=" << address.substr(0, 60)) {
      ScopedEnv env("NOTIFY_SOCKET", address.c_str());
      const auto t0 = Clock::now();
      const auto result = sd::notify("READY=1");
      BOOST_TEST((result.outcome == sd::NotifyOutcome::failed));
      BOOST_TEST(!result.error.empty());
      BOOST_TEST(ms_since(t0) < 2000);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_empty_message_is_refused) {
  test::TempDir dir;
  Listener listener((dir.path / "notify.sock").string());
  BOOST_TEST((sd::notify_to(listener.name(), "").outcome == sd::NotifyOutcome::failed));
  BOOST_TEST(!listener.receive(100ms).has_value());
}

BOOST_AUTO_TEST_CASE(a_manager_that_stops_reading_does_not_hang_the_sender) {
  // Nobody reads: once the receive queue is full, a send waits at most kSendTimeout and fails.
  test::TempDir dir;
  Listener listener((dir.path / "notify.sock").string());
  std::optional<sd::NotifyResult> refused;
  const auto t0 = Clock::now();
  for (int i = 0; i < 10000 && !refused; ++i) {
    auto result = sd::notify_to(listener.name(), std::string(1024, 'x'));
    if (result.outcome != sd::NotifyOutcome::sent) refused = std::move(result);
  }
  const long long elapsed_ms = ms_since(t0);
  BOOST_REQUIRE_MESSAGE(refused.has_value(), "10000 datagrams queued and none refused");
  BOOST_TEST((refused->outcome == sd::NotifyOutcome::failed));
  BOOST_TEST(refused->error.find("sendto") != std::string::npos, refused->error);
  BOOST_TEST(elapsed_ms >= sd::kSendTimeout.count());  // it did wait for the reader...
  BOOST_TEST(elapsed_ms < sd::kSendTimeout.count() + 3000);  // ...but not for ever
  BOOST_TEST(listener.receive().has_value());  // what was queued is still there
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(watchdog)

BOOST_AUTO_TEST_CASE(interval_from_watchdog_usec) {
  BOOST_TEST(sd::watchdog_from("30000000", nullptr, 42).value_or(0us).count() == 30000000);
  BOOST_TEST(sd::watchdog_from("500000", "42", 42).value_or(0us).count() == 500000);
}

BOOST_AUTO_TEST_CASE(off_when_unset_zero_malformed_or_for_another_process) {
  BOOST_TEST(!sd::watchdog_from(nullptr, nullptr, 42).has_value());
  BOOST_TEST(!sd::watchdog_from(nullptr, "42", 42).has_value());
  BOOST_TEST(!sd::watchdog_from("0", nullptr, 42).has_value());
  BOOST_TEST(!sd::watchdog_from("", nullptr, 42).has_value());
  BOOST_TEST(!sd::watchdog_from("-5", nullptr, 42).has_value());
  BOOST_TEST(!sd::watchdog_from("30s", nullptr, 42).has_value());
  BOOST_TEST(!sd::watchdog_from("99999999999999999999", nullptr, 42).has_value());
  BOOST_TEST(!sd::watchdog_from("500000", "1", 42).has_value());
  BOOST_TEST(!sd::watchdog_from("500000", "", 42).has_value());
  BOOST_TEST(!sd::watchdog_from("500000", "abc", 42).has_value());
  BOOST_TEST(!sd::watchdog_from("500000", "0", 42).has_value());
}

BOOST_AUTO_TEST_CASE(reads_the_environment_of_this_process) {
  ScopedEnv usec("WATCHDOG_USEC", "250000");
  {
    ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()).c_str());
    BOOST_TEST(sd::watchdog_enabled().value_or(0us).count() == 250000);
  }
  ScopedEnv other("WATCHDOG_PID", "1");
  BOOST_TEST(!sd::watchdog_enabled().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
