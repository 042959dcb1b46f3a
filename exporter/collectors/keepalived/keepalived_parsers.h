#pragma once
// Pure parsers for the keepalived collector: keepalived's notify-FIFO lines, its D-Bus object
// paths and introspection data, and the VRRP state numbers. Text in, structs out; I/O lives in
// keepalived_dbus.cpp and keepalived_fifo.cpp.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "local_addresses.h"

namespace hawatch::keepalived {

// The contract's hawatch_vrrp_state values; also keepalived's own numbers (VRRP_STATE_INIT,
// _BACK, _MAST, _FAULT), which its D-Bus State property carries.
enum class VrrpState : int { init = 0, backup = 1, master = 2, fault = 3 };

// keepalived's D-Bus State number, when it is one of the four.
std::optional<VrrpState> state_from_number(std::uint32_t number);

// One line keepalived writes on its (vrrp_)notify_fifo, e.g. `INSTANCE "VI_1" MASTER 100`.
struct FifoEvent {
  enum class Kind { instance, group };
  enum class Action { state, stop, deleted };
  Kind kind = Kind::instance;
  std::string name;
  Action action = Action::state;
  VrrpState state = VrrpState::init;  // for Action::state (STOP reads as init: not taking part)
  int priority = 0;
};

enum class FifoLine { event, ignored };

// Parses one FIFO line (without its newline). Returns FifoLine::ignored for lines of other
// subsystems on a shared notify_fifo (`VS ...`, `RS ...` from the checker); throws ParseError for
// a line that claims to be an INSTANCE/GROUP event but is malformed.
FifoLine parse_fifo_line(std::string_view line, FifoEvent& event);

// What the object path of an org.keepalived.Vrrp1.Instance object says about it:
// /org/keepalived/Vrrp1[/<keepalived instance>]/Instance/<interface>/<vrid>/<IPv4|IPv6>.
struct InstancePath {
  std::string interface;
  int vrid = 0;
  std::string family;  // "IPv4" or "IPv6"
};
std::optional<InstancePath> parse_instance_path(std::string_view path);

// The parts of one D-Bus Introspect answer the object walk needs.
struct Introspection {
  std::vector<std::string> children;    // child node names, relative
  std::vector<std::string> interfaces;  // interfaces this object implements
};
// Throws ParseError (naming `source`) when the XML is not an introspection document.
Introspection parse_introspection(std::string_view xml, std::string_view source);

// A configured VIP: the address (IPv4 or IPv6, no prefix length), optionally the interface it
// must be on.
struct VipSpec {
  std::string address;  // canonical text (inet_ntop), the `address` label
  int family = 0;
  std::array<std::uint8_t, 16> bytes{};
  std::string interface;  // empty: any interface
};
// Parses an address as written in the config; nullopt when it is not a plain IPv4/IPv6 address.
std::optional<VipSpec> parse_vip_address(std::string_view text);

// One hawatch_vip_present series: where the VIP was found ("" and false when it was not).
struct VipPresence {
  std::string address;
  std::string interface;
  bool present = false;
};
// Every VIP yields at least one entry (one per interface holding it). Addresses still in (or
// failed) IPv6 duplicate address detection do not count.
std::vector<VipPresence> vip_presence(const std::vector<VipSpec>& vips,
                                      const std::vector<LocalAddress>& addresses);

}  // namespace hawatch::keepalived
