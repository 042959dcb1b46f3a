#pragma once
// keepalived's VRRP instances over its D-Bus API (org.keepalived.Vrrp1) on the system bus.
//
// keepalived 2.2 publishes one object per VRRP instance at
// /org/keepalived/Vrrp1[/<keepalived instance>]/Instance/<interface>/<vrid>/<IPv4|IPv6> with the
// properties Name (s) and State (us), and no ObjectManager: the objects are found by walking the
// tree with Introspect, level by level (each level's calls pipelined), then read with one GetAll
// each. Debian's bus policy for keepalived lets any user do both, so hawatch needs no privileges
// and keepalived no signals or /tmp files.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "keepalived_parsers.h"

namespace hawatch::keepalived {

// keepalived cannot be read over the bus: no bus, keepalived not on it, no answer in time.
class DbusUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct InstanceStatus {
  std::string name;
  VrrpState state = VrrpState::init;
  std::optional<InstancePath> where;  // from the object path (not known from the FIFO)
};

struct DbusRead {
  std::vector<InstanceStatus> instances;
  std::vector<std::string> problems;  // per-object failures; the other instances are still read
};

// One connection for one read, closed at the end; every step is bounded by `deadline`.
// Throws DbusUnavailable.
DbusRead read_dbus_instances(const std::string& service,
                             std::chrono::steady_clock::time_point deadline);

}  // namespace hawatch::keepalived
