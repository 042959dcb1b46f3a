#pragma once
// Owning holders for sd-bus objects, shared by the collectors that talk D-Bus (systemd,
// keepalived). Header-only: each module links libsystemd itself.

#include <systemd/sd-bus.h>

#include <memory>

namespace hawatch::sdbus {

struct BusClose {
  void operator()(sd_bus* bus) const { sd_bus_close_unref(bus); }  // no flush: it could block
};
struct SlotUnref {
  void operator()(sd_bus_slot* slot) const { sd_bus_slot_unref(slot); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using BusPtr = std::unique_ptr<sd_bus, BusClose>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;

}  // namespace hawatch::sdbus
