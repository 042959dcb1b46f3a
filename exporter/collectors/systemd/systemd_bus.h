#pragma once
// One persistent sd-bus connection to systemd for the systemd collector.
//
// The connection lives in this object together with its own event thread, which dispatches
// systemd's PropertiesChanged signals between collections (so a unit that fails and restarts
// between two scrapes is still seen), notices when the bus goes away, and reconnects with bounded
// backoff. Every method call carries a timeout bounded by the caller's deadline. sd-bus objects are
// not thread-safe: every use of the connection (event thread or collection) holds `mutex_`.

#include <systemd/sd-bus.h>

#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "collectors/shared/sd_bus.h"
#include "systemd_units.h"

namespace hawatch::systemd {

// No usable connection to systemd (bus socket missing, bus or systemd gone, call timed out in a way
// that leaves the connection unusable).
class BusUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using sdbus::BusPtr;
using sdbus::MessagePtr;
using sdbus::SlotPtr;

// What the owner hears about unit states. Both are called with the connection locked, never
// concurrently with each other.
struct UnitStateListener {
  // A unit's ActiveState from a PropertiesChanged signal.
  std::function<void(const std::string& unit, const std::string& active_state)> on_signal;
  // A unit's ActiveState from a full read, before any later signal is dispatched.
  std::function<void(const std::string& unit, const std::string& active_state)> on_read;
};

struct UnitRead {
  std::vector<UnitProperties> units;
  std::vector<std::string> problems;  // per-unit failures; the other units are still read
};

class SystemdBus {
 public:
  explicit SystemdBus(UnitStateListener listener);
  ~SystemdBus();
  SystemdBus(const SystemdBus&) = delete;
  SystemdBus& operator=(const SystemdBus&) = delete;

  // Lists the units the filter's patterns match (plus its literal names), keeps those it selects
  // and reads each one's states with one GetAll (and a service's counters with Gets), all by
  // `deadline`. Throws BusUnavailable when
  // there is no connection or it breaks, std::runtime_error when listing fails or times out.
  UnitRead read_units(const UnitFilter& filter, std::chrono::steady_clock::time_point deadline);

  // Times an established connection was lost since start.
  std::uint64_t disconnects() const { return disconnects_.load(); }

 private:
  struct Call;
  using Clock = std::chrono::steady_clock;

  void run();
  bool connect_locked();
  bool pump_locked(std::string& why);
  void drop_locked(const std::string& reason);
  void note_down_locked(const std::string& reason);

  // Sends a method call to systemd whose reply lands in `call`.
  void send_locked(Call& call, sd_bus_message* message, Clock::time_point deadline);
  // Dispatches until every call has its reply (or error), the deadline passes, or the bus breaks.
  void wait_locked(const std::vector<std::unique_ptr<Call>>& calls, Clock::time_point deadline);

  static int on_properties_changed(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_match_installed(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_subscribed(sd_bus_message* m, void* self, sd_bus_error* error);

  UnitStateListener listener_;
  std::mutex mutex_;
  std::condition_variable settled_;  // a connection attempt ended: ready_ or down
  bool connecting_ = true;           // an attempt is under way (or about to start)
  BusPtr bus_;
  SlotPtr match_slot_;
  SlotPtr subscribe_slot_;
  bool match_installed_ = false;
  bool subscribed_ = false;
  bool ready_ = false;           // connected, signal match installed, subscribed to systemd
  std::string setup_error_;      // why the connection set-up failed, set by its callbacks
  Clock::time_point connect_deadline_{};
  std::string down_reason_ = "not connected yet";
  bool down_logged_ = false;
  bool ever_ready_ = false;
  bool more_pending_ = false;  // the event thread left messages to dispatch next turn
  std::atomic<std::uint64_t> disconnects_{0};

  // An eventfd that wakes the event thread for shutdown.
  struct WakeFd {
    WakeFd();
    ~WakeFd();
    WakeFd(const WakeFd&) = delete;
    WakeFd& operator=(const WakeFd&) = delete;
    int fd;
  } wake_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts after every other member is ready
};

}  // namespace hawatch::systemd
