// The keepalived collector's pure parts (notify-FIFO lines, D-Bus object paths and introspection
// data as keepalived 2.2.7 sends them, VIP matching), its FIFO reader on real FIFOs, its option
// errors, and whole runs against a missing bus, a real FIFO and this host's real addresses.
// Runs against real keepalived nodes are in tests/integration/test_keepalived*.sh.
#define BOOST_TEST_MODULE keepalived
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "collector_run.h"
#include "collectors/keepalived/keepalived_fifo.h"
#include "collectors/keepalived/keepalived_parsers.h"
#include "config_errors.h"
#include "core/file_io.h"
#include "core/parse.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::keepalived;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

FifoEvent parse_event(std::string_view line) {
  FifoEvent e;
  BOOST_REQUIRE(parse_fifo_line(line, e) == FifoLine::event);
  return e;
}

bool rejected(std::string_view line, const std::string& why) {
  FifoEvent e;
  try {
    parse_fifo_line(line, e);
  } catch (const ParseError& error) {
    BOOST_TEST_INFO("message: " << error.what());
    return std::string(error.what()).find(why) != std::string::npos;
  }
  return false;
}

std::string fixture(const std::string& name) {
  return read_file(fs::path(HAWATCH_FIXTURES) / "keepalived" / name);
}

// A temporary directory, removed at the end of the test.
using hawatch::test::TempDir;

// A writer on a FIFO, opened the way keepalived opens its own (O_RDWR: it never waits for a
// reader).
struct FifoWriter {
  int fd;
  explicit FifoWriter(const fs::path& p) : fd(::open(p.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC)) {
    BOOST_REQUIRE(fd >= 0);
  }
  ~FifoWriter() { close(); }
  void write(const std::string& text) const {
    BOOST_REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size()));
  }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Polls the reader until `ready` holds (5 s at most); returns the last snapshot.
FifoSnapshot wait_for(const NotifyFifoReader& reader,
                      const std::function<bool(const FifoSnapshot&)>& ready) {
  FifoSnapshot s;
  for (int i = 0; i < 500; ++i) {
    s = reader.snapshot();
    if (ready(s)) return s;
    std::this_thread::sleep_for(10ms);
  }
  BOOST_FAIL("the FIFO reader did not get there within 5 s");
  return s;
}

// A FIFO in a temporary directory, and a reader that has opened it.
struct OpenFifo {
  TempDir dir;
  fs::path path = dir.path / "vrrp.fifo";
  bool made = ::mkfifo(path.c_str(), 0600) == 0;
  NotifyFifoReader reader{path};
  OpenFifo() {
    BOOST_REQUIRE(made);
    wait_for(reader, [](const FifoSnapshot& x) { return x.open; });
  }
};

std::optional<VrrpState> state_of(const FifoSnapshot& s, const std::string& instance) {
  auto it = s.instances.find(instance);
  if (it == s.instances.end()) return std::nullopt;
  return it->second;
}

LocalAddress address(const char* text, const char* interface, bool usable = true) {
  LocalAddress a;
  a.family = std::string(text).find(':') != std::string::npos ? AF_INET6 : AF_INET;
  BOOST_REQUIRE(inet_pton(a.family, text, a.bytes.data()) == 1);
  a.interface = interface;
  a.usable = usable;
  return a;
}

VipSpec vip(const char* text, const char* interface = "") {
  auto v = parse_vip_address(text);
  BOOST_REQUIRE(v);
  v->interface = interface;
  return *v;
}

// ---- whole collector -------------------------------------------------------------------------

ScheduledCollector keepalived_unit(const std::string& yaml) {
  auto units = test::build_units(yaml, "keepalived");
  BOOST_REQUIRE(units.size() == 1u);
  return std::move(units.front());
}

test::Run run(ScheduledCollector& unit) {
  return test::run_once(*unit.collector, 2s);
}

// Points sd-bus at a bus socket that does not exist, for the life of the object.
struct NoSystemBus {
  NoSystemBus() {
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/hawatch-test-bus", 1);
  }
  ~NoSystemBus() { ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS"); }
};

}  // namespace

// ---- states and FIFO lines --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(dbus_state_numbers_are_the_contract_values) {
  BOOST_TEST(int(*state_from_number(0)) == 0);
  BOOST_TEST(int(*state_from_number(1)) == 1);
  BOOST_TEST(int(*state_from_number(2)) == 2);
  BOOST_TEST(int(*state_from_number(3)) == 3);
  BOOST_TEST(!state_from_number(4));
  BOOST_TEST(!state_from_number(97));
}

BOOST_AUTO_TEST_CASE(fifo_instance_lines) {
  auto e = parse_event("INSTANCE \"VI_1\" MASTER 100");
  BOOST_TEST((e.kind == FifoEvent::Kind::instance));
  BOOST_TEST(e.name == "VI_1");
  BOOST_TEST((e.action == FifoEvent::Action::state));
  BOOST_TEST(int(e.state) == 2);
  BOOST_TEST(e.priority == 100);
  BOOST_TEST(int(parse_event("INSTANCE \"VI_1\" BACKUP 150").state) == 1);
  BOOST_TEST(int(parse_event("INSTANCE \"VI_1\" FAULT 0").state) == 3);
  BOOST_TEST(int(parse_event("INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 255").state) == 2);
  BOOST_TEST(int(parse_event("INSTANCE \"VI_1\" MASTER_PRIORITY 90").state) == 2);
  BOOST_TEST(int(parse_event("INSTANCE \"VI_1\" BACKUP_PRIORITY 90").state) == 1);
  auto stop = parse_event("INSTANCE \"VI_1\" STOP 0");
  BOOST_TEST((stop.action == FifoEvent::Action::stop));
  BOOST_TEST(int(stop.state) == 0);
  BOOST_TEST((parse_event("INSTANCE \"VI_1\" DELETED 0").action == FifoEvent::Action::deleted));
  BOOST_TEST(parse_event("  INSTANCE \"web vip\"   MASTER 100\r").name == "web vip");
  BOOST_TEST((parse_event("GROUP \"G1\" BACKUP 0").kind == FifoEvent::Kind::group));
}

BOOST_AUTO_TEST_CASE(fifo_lines_of_other_subsystems_are_ignored) {
  FifoEvent e;
  BOOST_TEST((parse_fifo_line("VS [192.168.201.15]:tcp:80 UP", e) == FifoLine::ignored));
  BOOST_TEST((parse_fifo_line("RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 DOWN", e) ==
              FifoLine::ignored));
  BOOST_TEST((parse_fifo_line("", e) == FifoLine::ignored));
  BOOST_TEST((parse_fifo_line("INSTANCES", e) == FifoLine::ignored));
}

BOOST_AUTO_TEST_CASE(malformed_fifo_events_are_errors_naming_the_line) {
  BOOST_TEST(
      rejected("INSTANCE VI_1 MASTER 100", "no quoted name in \"INSTANCE VI_1 MASTER 100\""));
  BOOST_TEST(rejected("INSTANCE \"VI_1 MASTER 100", "no quoted name"));
  BOOST_TEST(rejected("INSTANCE \"\" MASTER 100", "no quoted name"));
  BOOST_TEST(rejected("INSTANCE", "no quoted name"));
  BOOST_TEST(rejected("INSTANCE \"VI_1\" MASTER", "expected STATE and PRIORITY"));
  BOOST_TEST(rejected("INSTANCE \"VI_1\" MASTER 100 extra", "expected STATE and PRIORITY"));
  BOOST_TEST(rejected("INSTANCE \"VI_1\" SLEEPING 100", "unknown state \"SLEEPING\""));
  BOOST_TEST(rejected("INSTANCE \"VI_1\" master 100", "unknown state"));
  BOOST_TEST(rejected("INSTANCE \"VI_1\" MASTER 256", "bad priority \"256\""));
  BOOST_TEST(rejected("INSTANCE \"VI_1\" MASTER -1", "bad priority"));
  BOOST_TEST(rejected("INSTANCE \"VI_1\" MASTER high", "bad priority"));
  BOOST_TEST(rejected("GROUP \"G\" BACKUP", "expected STATE and PRIORITY"));
}

// ---- D-Bus object paths and introspection -----------------------------------------------------

BOOST_AUTO_TEST_CASE(instance_paths) {
  auto p = parse_instance_path("/org/keepalived/Vrrp1/Instance/eth0/51/IPv4");
  BOOST_REQUIRE(p);
  BOOST_TEST(p->interface == "eth0");
  BOOST_TEST(p->vrid == 51);
  BOOST_TEST(p->family == "IPv4");
  // keepalived started with an instance name (`-i NAME` / `instance NAME`) nests its tree.
  p = parse_instance_path("/org/keepalived/Vrrp1/k1/Instance/bond0/255/IPv6");
  BOOST_REQUIRE(p);
  BOOST_TEST(p->interface == "bond0");
  BOOST_TEST(p->vrid == 255);
  BOOST_TEST(p->family == "IPv6");
  BOOST_TEST(!parse_instance_path("/org/keepalived/Vrrp1/Vrrp"));
  BOOST_TEST(!parse_instance_path("/org/keepalived/Vrrp1/Instance/eth0/51"));
  BOOST_TEST(!parse_instance_path("/org/keepalived/Vrrp1/Instance/eth0/0/IPv4"));
  BOOST_TEST(!parse_instance_path("/org/keepalived/Vrrp1/Instance/eth0/256/IPv4"));
  BOOST_TEST(!parse_instance_path("/org/keepalived/Vrrp1/Instance/eth0/x/IPv4"));
  BOOST_TEST(!parse_instance_path("/org/keepalived/Vrrp1/Instance/eth0/51/IPv5"));
  BOOST_TEST(!parse_instance_path("/org/keepalived/Vrrp1/Other/eth0/51/IPv4"));
  BOOST_TEST(!parse_instance_path(""));
}

BOOST_AUTO_TEST_CASE(introspection_of_keepalived_2_2_7) {
  // Captured from keepalived 2.2.7 on Debian 12 (GDBus 2.74): the tree's root, an inner node and
  // an instance object.
  auto root = parse_introspection(fixture("introspect-root.xml"), "/org/keepalived/Vrrp1");
  BOOST_TEST((root.children == std::vector<std::string>{"Instance", "Vrrp"}));
  BOOST_TEST(root.interfaces.empty());
  auto inner =
      parse_introspection(fixture("introspect-vrid.xml"), "/org/keepalived/Vrrp1/Instance/eth0/51");
  BOOST_TEST((inner.children == std::vector<std::string>{"IPv4"}));
  auto instance = parse_introspection(fixture("introspect-instance.xml"), "x");
  BOOST_TEST(instance.children.empty());
  BOOST_TEST(std::count(instance.interfaces.begin(), instance.interfaces.end(),
                        "org.keepalived.Vrrp1.Instance") == 1);
  BOOST_TEST(std::count(instance.interfaces.begin(), instance.interfaces.end(),
                        "org.freedesktop.DBus.Properties") == 1);
}

BOOST_AUTO_TEST_CASE(bad_introspection_data_is_an_error_naming_the_object) {
  auto fails = [](const std::string& xml) {
    try {
      parse_introspection(xml, "/org/keepalived/Vrrp1/X");
    } catch (const ParseError& e) {
      return std::string(e.what()).rfind("/org/keepalived/Vrrp1/X: ", 0) == 0;
    }
    return false;
  };
  BOOST_TEST(fails(""));
  BOOST_TEST(fails("<node><node name=\"a\"></node>"));
  BOOST_TEST(fails("not xml"));
  BOOST_TEST(fails("<interface name=\"x\"/>"));
  // An external entity is never fetched or expanded: the document is refused or the entity ignored.
  const std::string xxe =
      "<!DOCTYPE node [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><node><node "
      "name=\"&x;\"/></node>";
  try {
    auto n = parse_introspection(xxe, "x");
    for (const auto& c : n.children) BOOST_TEST(c.find("root:") == std::string::npos);
  } catch (const ParseError&) {
  }
}

// ---- VIPs
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(vip_addresses) {
  BOOST_TEST(parse_vip_address("10.200.0.100")->address == "10.200.0.100");
  BOOST_TEST(parse_vip_address("fd00:0::0100")->address == "fd00::100");  // canonical label
  BOOST_TEST(!parse_vip_address("10.200.0.100/24"));
  BOOST_TEST(!parse_vip_address("10.200.0"));
  BOOST_TEST(!parse_vip_address("vip.example.lan"));
  BOOST_TEST(!parse_vip_address(""));
}

BOOST_AUTO_TEST_CASE(vip_presence_labels_where_it_is_found) {
  const std::vector<LocalAddress> local{
      address("10.0.0.1", "eth0"),  address("10.200.0.100", "eth0"),
      address("fd00::100", "eth1"), address("fd00::200", "eth0", false),
      address("10.9.9.9", "eth0"),  address("10.9.9.9", "wlan0")};
  const auto p = vip_presence({vip("10.200.0.100"), vip("10.200.0.101"), vip("fd00::100"),
                               vip("fd00::200"), vip("10.200.0.100", "wlan0"), vip("10.9.9.9")},
                              local);
  BOOST_REQUIRE(p.size() == 7u);
  auto is = [&](std::size_t i, const char* a, const char* i_f, bool present) {
    BOOST_TEST_CONTEXT("entry " << i) {
      BOOST_TEST(p[i].address == a);
      BOOST_TEST(p[i].interface == i_f);
      BOOST_TEST(p[i].present == present);
    }
  };
  is(0, "10.200.0.100", "eth0", true);
  is(1, "10.200.0.101", "", false);
  is(2, "fd00::100", "eth1", true);
  is(3, "fd00::200", "", false);     // DAD pending/failed: not ours
  is(4, "10.200.0.100", "", false);  // on eth0, but configured for wlan0
  is(5, "10.9.9.9", "eth0", true);   // on two interfaces: one series each
  is(6, "10.9.9.9", "wlan0", true);
}

// ---- the FIFO reader, on real FIFOs -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fifo_reader_follows_keepalived_across_restarts) {
  OpenFifo f;
  const auto& fifo = f.path;
  auto& reader = f.reader;
  auto s = reader.snapshot();
  BOOST_TEST(s.instances.empty());
  BOOST_TEST(!s.writer_closed);

  {
    FifoWriter keepalived(fifo);
    keepalived.write(
        "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_2\" BACK");  // a line split in two writes
    keepalived.write("UP 100\nINSTANCE \"VI_1\" MASTER 100\n");
    s = wait_for(reader, [](const FifoSnapshot& x) { return x.events == 3; });
    BOOST_TEST(int(*state_of(s, "VI_1")) == 2);
    BOOST_TEST(int(*state_of(s, "VI_2")) == 1);
    keepalived.write("INSTANCE \"VI_2\" DELETED 0\n");
    s = wait_for(reader, [](const FifoSnapshot& x) { return x.events == 4; });
    BOOST_TEST(!state_of(s, "VI_2"));
  }  // keepalived dies: its end closes
  s = wait_for(reader, [](const FifoSnapshot& x) { return x.writer_closed; });
  BOOST_TEST(int(*state_of(s, "VI_1")) == 0);  // not taking part any more

  FifoWriter restarted(fifo);  // same FIFO: the reader reopened it after the hang-up
  restarted.write("INSTANCE \"VI_1\" FAULT 100\n");
  s = wait_for(reader, [](const FifoSnapshot& x) { return x.events == 5; });
  BOOST_TEST(!s.writer_closed);
  BOOST_TEST(int(*state_of(s, "VI_1")) == 3);
}

BOOST_AUTO_TEST_CASE(fifo_reader_reopens_a_recreated_fifo) {
  OpenFifo f;
  const auto& fifo = f.path;
  auto& reader = f.reader;
  // Replaced while the reader holds the old one and no writer ever came: nothing tells the reader
  // but the path, which it checks when idle.
  fs::remove(fifo);
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  FifoWriter keepalived(fifo);
  keepalived.write("INSTANCE \"VI_1\" MASTER 100\n");
  auto s = wait_for(reader, [](const FifoSnapshot& x) { return x.events == 1; });
  BOOST_TEST(int(*state_of(s, "VI_1")) == 2);
}

BOOST_AUTO_TEST_CASE(fifo_reader_bounds_memory_and_counts_bad_lines) {
  OpenFifo f;
  auto& reader = f.reader;
  FifoWriter writer(f.path);
  writer.write(std::string(3 * NotifyFifoReader::kMaxLine, 'x'));  // no newline for a long while
  writer.write(
      "yyy\nINSTANCE \"VI_1\" MASTER\nVS [10.0.0.1]:tcp:80 UP\nINSTANCE \"VI_1\" BACKUP 9\n");
  auto s = wait_for(reader, [](const FifoSnapshot& x) { return x.events == 1; });
  BOOST_TEST(s.bad_lines == 2u);
  BOOST_TEST(s.last_bad_line.find("expected STATE and PRIORITY") != std::string::npos);
  BOOST_TEST(int(*state_of(s, "VI_1")) == 1);
  std::string many;
  for (std::size_t i = 0; i < NotifyFifoReader::kMaxInstances + 10; ++i)
    many += "INSTANCE \"I" + std::to_string(i) + "\" BACKUP 1\n";
  for (std::size_t at = 0; at < many.size(); at += 2048) {
    writer.write(many.substr(at, 2048));
    std::this_thread::sleep_for(1ms);
  }
  s = wait_for(reader, [](const FifoSnapshot& x) {
    return x.events == 1 + NotifyFifoReader::kMaxInstances + 10;
  });
  BOOST_TEST(s.instances.size() == NotifyFifoReader::kMaxInstances);
  BOOST_TEST(s.bad_lines == 2u + 11u);  // VI_1 counts too: 255 new names fit beside it
}

BOOST_AUTO_TEST_CASE(fifo_reader_reports_what_it_cannot_open) {
  TempDir dir;
  {
    NotifyFifoReader reader(dir.path / "missing.fifo");
    auto s = wait_for(reader, [](const FifoSnapshot& x) { return !x.error.empty(); });
    BOOST_TEST(!s.open);
    BOOST_TEST(s.error == (dir.path / "missing.fifo").string() + ": No such file or directory");
  }
  std::ofstream(dir.path / "plain") << "INSTANCE \"VI_1\" MASTER 100\n";
  NotifyFifoReader reader(dir.path / "plain");
  auto s = wait_for(reader, [](const FifoSnapshot& x) { return !x.error.empty(); });
  BOOST_TEST(s.error == (dir.path / "plain").string() + ": not a FIFO");
  BOOST_TEST(s.instances.empty());
}

// ---- options ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(option_errors_name_their_position) {
  const auto e = test::config_errors(R"(collectors:
  keepalived:
    source: snmp
    dbus_service_name: "org..keepalived"
    notify_fifo: run/keepalived.fifo
    vips:
      - { address: 10.200.0.100/24 }
      - { address: 10.200.0.101, interface: "eth0:vip" }
      - { interface: eth0 }
      - 10.200.0.102
      - "10.200.0.102"
      - { address: 10.200.0.103, weight: 3 }
    colour: blue
)");
  BOOST_TEST_INFO(e);
  for (const char* expected :
       {"test.yml:3:13: \"collectors.keepalived.source\" must be one of: auto, dbus, fifo",
        "test.yml:4:24: \"collectors.keepalived.dbus_service_name\": \"org..keepalived\" is not a "
        "D-Bus service name",
        "test.yml:5:18: \"collectors.keepalived.notify_fifo\": \"run/keepalived.fifo\" must be an "
        "absolute path",
        "test.yml:7:20: \"collectors.keepalived.vips[0].address\": \"10.200.0.100/24\" is not an "
        "IPv4 or IPv6 address",
        "test.yml:8:45: \"collectors.keepalived.vips[1].interface\": \"eth0:vip\" is not an "
        "interface name",
        "test.yml:9:9: \"collectors.keepalived.vips[2]\": missing \"address\"",
        "test.yml:11:9: \"collectors.keepalived.vips[4]\": VIP 10.200.0.102 is listed twice",
        "test.yml:12:34: unknown key \"collectors.keepalived.vips[5].weight\"",
        "test.yml:13:5: unknown key \"collectors.keepalived.colour\""})
    BOOST_TEST(e.find(expected) != std::string::npos, expected);
}

BOOST_AUTO_TEST_CASE(fifo_source_needs_a_fifo) {
  const auto e = test::config_errors("collectors:\n  keepalived: { source: fifo }\n");
  BOOST_TEST(e.find("fifo needs \"notify_fifo\"") != std::string::npos, e);
  const auto v = test::config_errors("collectors:\n  keepalived: { vips: 10.0.0.1 }\n");
  BOOST_TEST(v.find("\"collectors.keepalived.vips\": expected a list") != std::string::npos, v);
}

BOOST_AUTO_TEST_CASE(defaults_and_a_valid_config) {
  auto unit = keepalived_unit(R"(collectors:
  keepalived:
    source: auto
    dbus_service_name: org.keepalived.Vrrp1.node-1
    notify_fifo: /run/keepalived/vrrp.fifo
    vips: [ 10.200.0.100, { address: "fd00::100", interface: eth0 } ]
)");
  BOOST_TEST(unit.interval == Duration(5s));
  BOOST_TEST(unit.timeout == Duration(3s));
}

// ---- whole runs
// -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(no_bus_reads_as_keepalived_down_with_vips_from_real_addresses) {
  NoSystemBus no_bus;
  auto unit = keepalived_unit(R"(collectors:
  keepalived:
    vips: [ 127.0.0.1, { address: 127.0.0.1, interface: not-lo }, 192.0.2.77 ]
)");
  const auto start = std::chrono::steady_clock::now();
  const test::Run r = run(unit);
  BOOST_TEST((std::chrono::steady_clock::now() - start < 1s), "a missing bus answers at once");
  BOOST_TEST(r.value("hawatch_keepalived_up") == 0.0);
  BOOST_TEST(r.value("hawatch_keepalived_source", {{"source", "dbus"}}) == 0.0);
  BOOST_TEST(r.value("hawatch_keepalived_source", {{"source", "fifo"}}) == 0.0);
  BOOST_TEST(r.problem_mentions("keepalived: cannot connect to the system bus"));
  // This host's own loopback address, read over rtnetlink.
  BOOST_TEST(r.value("hawatch_vip_present", {{"address", "127.0.0.1"}, {"interface", "lo"}}) ==
             1.0);
  BOOST_TEST(r.value("hawatch_vip_present", {{"address", "192.0.2.77"}, {"interface", ""}}) == 0.0);
  // 127.0.0.1 configured for another interface: absent; the two entries share the "" series.
  BOOST_TEST(r.value("hawatch_vip_present", {{"address", "127.0.0.1"}, {"interface", ""}}) == 0.0);
}

BOOST_AUTO_TEST_CASE(fifo_source_run) {
  NoSystemBus no_bus;
  TempDir dir;
  const fs::path fifo = dir.path / "vrrp.fifo";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto unit = keepalived_unit(
      "collectors:\n  keepalived: { source: fifo, notify_fifo: " + fifo.string() + " }\n");
  run(unit);  // starts the reader
  FifoWriter keepalived(fifo);
  keepalived.write("INSTANCE \"VI_1\" MASTER 100\nINSTANCE \"VI_2\" FAULT 0\n");
  test::Run r = run(unit);
  for (int i = 0; i < 200 && r.find("hawatch_vrrp_state", {{"instance", "VI_2"}}) != 3.0; ++i) {
    std::this_thread::sleep_for(10ms);
    r = run(unit);
  }
  BOOST_TEST(r.value("hawatch_keepalived_up") == 1.0);
  BOOST_TEST(r.value("hawatch_keepalived_source", {{"source", "fifo"}}) == 1.0);
  BOOST_TEST(r.value("hawatch_vrrp_state", {{"instance", "VI_1"}}) == 2.0);
  BOOST_TEST(r.value("hawatch_vrrp_state", {{"instance", "VI_2"}}) == 3.0);
  BOOST_TEST(r.value("hawatch_keepalived_notify_fifo_invalid_lines_total") == 0.0);
  BOOST_TEST(r.problems.empty());
  keepalived.close();  // keepalived gone: up 0, series stay at init
  for (int i = 0; i < 200 && r.find("hawatch_keepalived_up") != 0.0; ++i) {
    std::this_thread::sleep_for(10ms);
    r = run(unit);
  }
  BOOST_TEST(r.value("hawatch_keepalived_up") == 0.0);
  BOOST_TEST(r.value("hawatch_vrrp_state", {{"instance", "VI_1"}}) == 0.0);
  BOOST_TEST(r.value("hawatch_vrrp_state", {{"instance", "VI_2"}}) == 0.0);
  BOOST_TEST(r.problem_mentions("keepalived closed the notify FIFO"));
}
