// SystemdBus (the systemd collector's connection) driven directly against a real systemd running as
// PID 1 of its own namespaces (tests/fixtures/systemd/sd-peer.sh): reading units with one GetAll
// each, change signals between reads, deadlines, reconnecting to a new bus, and prompt shutdown
// against a bus that never answers. Needs root, like the integration test; fails (never skips)
// without it.
#define BOOST_TEST_MODULE systemd_bus
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collectors/systemd/systemd_bus.h"

namespace fs = std::filesystem;
using namespace hawatch::systemd;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Runs argv (no shell) and returns its exit status.
int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// A systemd peer in a temp dir, with DBUS_SYSTEM_BUS_ADDRESS pointing at its bus.
struct Peer {
  fs::path dir;
  std::string script = std::string(HAWATCH_FIXTURES) + "/systemd/sd-peer.sh";

  Peer() {
    BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "needs root: systemd runs in its own namespaces");
    char tmpl[] = "/tmp/hawatch-sdbus-test.XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    const std::string address = "unix:path=" + (dir / "run/dbus/system_bus_socket").string();
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address.c_str(), 1);
    start();
  }
  ~Peer() {
    run({"/bin/bash", script, dir.string(), "kill"});
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void start() { BOOST_REQUIRE(run({"/bin/bash", script, dir.string(), "start"}) == 0); }
  void kill() { BOOST_REQUIRE(run({"/bin/bash", script, dir.string(), "kill"}) == 0); }
  void call(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/busctl", "--system", "--timeout=5", "call",
                                  "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager"};
    argv.insert(argv.end(), args.begin(), args.end());
    BOOST_REQUIRE(run(argv) == 0);
  }
};

// What the listener heard, thread-safe.
struct Heard {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> signals;
  std::map<std::string, std::string> reads;

  UnitStateListener listener() {
    return {[this](const std::string& u, const std::string& s) {
              std::lock_guard lock(mutex);
              signals.emplace_back(u, s);
            },
            [this](const std::string& u, const std::string& s) {
              std::lock_guard lock(mutex);
              reads[u] = s;
            }};
  }
  bool heard(const std::string& unit, const std::string& state) {
    std::lock_guard lock(mutex);
    for (const auto& [u, s] : signals)
      if (u == unit && s == state) return true;
    return false;
  }
};

const UnitProperties* find(const UnitRead& r, const std::string& name) {
  for (const auto& u : r.units)
    if (u.name == name) return &u;
  return nullptr;
}

// Reads, retrying while the connection is still being set up (first connection, reconnects).
UnitRead read_eventually(SystemdBus& bus, const UnitFilter& filter, std::chrono::seconds within) {
  const auto give_up = Clock::now() + within;
  while (true) {
    try {
      return bus.read_units(filter, Clock::now() + 2s);
    } catch (const BusUnavailable&) {
      if (Clock::now() > give_up) throw;
      std::this_thread::sleep_for(100ms);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(reads_units_hears_failures_and_survives_a_new_bus) {
  Peer peer;
  Heard heard;
  SystemdBus bus(heard.listener());
  const UnitFilter filter(R"(hw-(long|failing|ghost)\.service)", std::nullopt);

  UnitRead r = read_eventually(bus, filter, 10s);
  BOOST_TEST(r.problems.empty());
  BOOST_REQUIRE(r.units.size() == 3u);
  const auto* lng = find(r, "hw-long.service");
  const auto* failing = find(r, "hw-failing.service");
  const auto* ghost = find(r, "hw-ghost.service");
  BOOST_REQUIRE(lng && failing && ghost);
  BOOST_TEST(lng->active_state == "active");
  BOOST_TEST(lng->sub_state == "running");
  BOOST_TEST(lng->load_state == "loaded");
  BOOST_TEST(lng->active_enter_usec > 0u);
  BOOST_TEST(lng->n_restarts.value_or(99) == 0u);
  BOOST_TEST(failing->active_state == "failed");
  BOOST_TEST(ghost->load_state == "not-found");
  BOOST_TEST(ghost->active_enter_usec == 0u);
  {
    std::lock_guard lock(heard.mutex);
    BOOST_TEST(heard.reads["hw-long.service"] == "active");
    BOOST_TEST(heard.reads["hw-failing.service"] == "failed");
  }

  // SIGKILL: systemd passes through failed and restarts; the event thread hears it without a read.
  peer.call({"KillUnit", "ssi", "hw-long.service", "all", "9"});
  const auto until = Clock::now() + 10s;
  while (!heard.heard("hw-long.service", "failed") && Clock::now() < until) std::this_thread::sleep_for(50ms);
  BOOST_TEST(heard.heard("hw-long.service", "failed"));
  while (Clock::now() < until) {
    r = bus.read_units(filter, Clock::now() + 2s);
    if (find(r, "hw-long.service") && find(r, "hw-long.service")->active_state == "active") break;
    std::this_thread::sleep_for(100ms);
  }
  BOOST_REQUIRE(find(r, "hw-long.service"));
  BOOST_TEST(find(r, "hw-long.service")->active_state == "active");
  BOOST_TEST(find(r, "hw-long.service")->n_restarts.value_or(0) == 1u);

  // An already-passed deadline: an error at once, not a hang; the connection stays usable.
  const auto t0 = Clock::now();
  BOOST_CHECK_THROW(bus.read_units(filter, Clock::now() - 1ms), std::runtime_error);
  BOOST_TEST((Clock::now() - t0 < 1s));

  // The bus goes away: reads fail as BusUnavailable; a new bus is picked up by itself.
  peer.kill();
  const auto down_until = Clock::now() + 5s;
  bool down = false;
  while (!down && Clock::now() < down_until) {
    try {
      bus.read_units(filter, Clock::now() + 1s);
      std::this_thread::sleep_for(50ms);
    } catch (const BusUnavailable&) {
      down = true;
    }
  }
  BOOST_TEST(down);
  peer.start();
  r = read_eventually(bus, filter, 15s);
  BOOST_TEST(find(r, "hw-long.service") != nullptr);
  BOOST_TEST(bus.disconnects() == 1u);
  // Signals flow on the new connection too.
  {
    std::lock_guard lock(heard.mutex);
    heard.signals.clear();
  }
  peer.call({"KillUnit", "ssi", "hw-long.service", "all", "9"});
  const auto again = Clock::now() + 10s;
  while (!heard.heard("hw-long.service", "failed") && Clock::now() < again) std::this_thread::sleep_for(50ms);
  BOOST_TEST(heard.heard("hw-long.service", "failed"));
}

BOOST_AUTO_TEST_CASE(a_bus_that_never_answers_neither_hangs_reads_nor_shutdown) {
  char tmpl[] = "/tmp/hawatch-sdbus-stuck.XXXXXX";
  BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  const fs::path dir = tmpl;
  const std::string path = (dir / "bus").string();
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  BOOST_REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(::listen(listener, 16) == 0);  // the kernel accepts; nobody ever answers
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + path).c_str(), 1);

  Heard heard;
  const UnitFilter filter(R"(hw-long\.service)", std::nullopt);
  auto t0 = Clock::now();
  {
    SystemdBus bus(heard.listener());
    BOOST_CHECK_THROW(bus.read_units(filter, Clock::now() + 500ms), BusUnavailable);
    BOOST_TEST((Clock::now() - t0 < 1s));
    t0 = Clock::now();
  }  // destructor: stop and join the event thread
  BOOST_TEST((Clock::now() - t0 < 1s));
  ::close(listener);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
