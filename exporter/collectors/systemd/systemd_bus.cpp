#include "systemd_bus.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/log.h"

namespace hawatch::systemd {
namespace {

using namespace std::chrono_literals;

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnitPathPrefix = "/org/freedesktop/systemd1/unit";
// Only the Unit interface's changes carry ActiveState; the rest would only be filtered here.
constexpr const char* kStateMatch =
    "type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.DBus.Properties',"
    "member='PropertiesChanged',path_namespace='/org/freedesktop/systemd1/unit',"
    "arg0='org.freedesktop.systemd1.Unit'";

constexpr auto kMinBackoff = 250ms;
constexpr auto kMaxBackoff = 8s;
// Connection set-up (auth, Hello, AddMatch, Subscribe) must finish within this.
constexpr auto kSetupTimeout = 5s;
constexpr std::uint64_t kSetupCallTimeoutUsec = 5'000'000;
// The event thread wakes at least this often even when the bus is quiet: it also picks up messages
// a collection's calls read off the socket and queued without dispatching.
constexpr auto kMaxPoll = 200ms;
// dbus-daemon limits pending replies per connection (128 on Debian's system bus): stay well below.
constexpr std::size_t kMaxInFlight = 64;
// Messages the event thread dispatches per turn before it lets a collection have the connection.
constexpr int kMaxDispatch = 256;

std::string errno_text(int negative_errno) { return std::strerror(-negative_errno); }

std::string bus_error_text(const sd_bus_error* e) {
  if (e == nullptr || e->name == nullptr) return "unknown error";
  return std::string(e->name) + (e->message ? std::string(": ") + e->message : std::string());
}

// Errors for a unit that vanished between the listing and the read (garbage-collected).
bool unit_gone(const std::string& error_name) {
  return error_name == "org.freedesktop.systemd1.NoSuchUnit" ||
         error_name == "org.freedesktop.DBus.Error.UnknownObject" ||
         error_name == "org.freedesktop.DBus.Error.UnknownInterface";
}

std::uint64_t usec_until(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<std::uint64_t>(left.count()) : 1;
}

void check(int r, const char* what) {
  if (r < 0) throw std::runtime_error(std::string(what) + ": " + errno_text(r));
}

// Reads one variant value of the given D-Bus signature; a different signature is an error.
template <typename T>
T read_variant(sd_bus_message* m, const char* signature, const char* property) {
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, &type, &contents);
  if (r < 0) throw std::runtime_error(std::string("property ") + property + ": " + errno_text(r));
  if (type != SD_BUS_TYPE_VARIANT || contents == nullptr || std::strcmp(contents, signature) != 0)
    throw std::runtime_error(std::string("property ") + property + " has D-Bus type '" +
                             (contents ? contents : std::string(1, type)) + "', expected '" + signature + "'");
  T value{};
  r = sd_bus_message_read(m, "v", signature, &value);
  if (r < 0) throw std::runtime_error(std::string("property ") + property + ": " + errno_text(r));
  return value;
}

// Decodes a GetAll reply (a{sv}) of the Unit interface into the properties the collector uses.
void decode_properties(sd_bus_message* m, UnitProperties& unit) {
  check(sd_bus_message_enter_container(m, 'a', "{sv}"), "GetAll reply");
  int r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    check(sd_bus_message_read(m, "s", &key), "GetAll reply key");
    const std::string_view k(key);
    if (k == "LoadState") {
      unit.load_state = read_variant<const char*>(m, "s", key);
    } else if (k == "ActiveState") {
      unit.active_state = read_variant<const char*>(m, "s", key);
    } else if (k == "SubState") {
      unit.sub_state = read_variant<const char*>(m, "s", key);
    } else if (k == "ActiveEnterTimestamp") {
      unit.active_enter_usec = read_variant<std::uint64_t>(m, "t", key);
    } else {
      check(sd_bus_message_skip(m, "v"), "GetAll reply value");
    }
    check(sd_bus_message_exit_container(m), "GetAll reply entry");
  }
  check(r, "GetAll reply entry");
  check(sd_bus_message_exit_container(m), "GetAll reply");
  if (unit.active_state.empty() || unit.load_state.empty())
    throw std::runtime_error("GetAll reply without ActiveState/LoadState");
}

struct ListedUnit {
  std::string name;
  std::string path;
};

std::vector<ListedUnit> decode_unit_list(sd_bus_message* m) {
  std::vector<ListedUnit> out;
  check(sd_bus_message_enter_container(m, 'a', "(ssssssouso)"), "ListUnitsByPatterns reply");
  const char *name, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
  std::uint32_t job_id;
  int r;
  while ((r = sd_bus_message_read(m, "(ssssssouso)", &name, &description, &load, &active, &sub,
                                  &following, &path, &job_id, &job_type, &job_path)) > 0)
    out.push_back({name, path});
  check(r, "ListUnitsByPatterns reply");
  return out;
}

std::string unit_path(const std::string& name) {
  char* raw = nullptr;
  check(sd_bus_path_encode(kUnitPathPrefix, name.c_str(), &raw), "encoding a unit path");
  std::string path(raw);
  free(raw);  // NOLINT: allocated by sd-bus with malloc
  return path;
}


enum class Property { unit_all, n_restarts, memory, tasks, cpu };

struct Request {
  std::size_t unit;
  Property property;
};

bool is_service(std::string_view name) {
  constexpr std::string_view suffix = ".service";
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

// The method call that reads `property` of the unit at `path`.
MessagePtr property_call(sd_bus* bus, const std::string& path, Property property) {
  const bool all = property == Property::unit_all;
  sd_bus_message* raw = nullptr;
  check(sd_bus_message_new_method_call(bus, &raw, kService, path.c_str(),
                                       "org.freedesktop.DBus.Properties", all ? "GetAll" : "Get"),
        "building a property call");
  MessagePtr m(raw);
  check(sd_bus_message_set_auto_start(raw, 0), "building a property call");
  if (all) {
    check(sd_bus_message_append(raw, "s", "org.freedesktop.systemd1.Unit"), "building GetAll");
  } else {
    const char* name = property == Property::n_restarts ? "NRestarts"
                       : property == Property::memory   ? "MemoryCurrent"
                       : property == Property::tasks    ? "TasksCurrent"
                                                        : "CPUUsageNSec";
    check(sd_bus_message_append(raw, "ss", "org.freedesktop.systemd1.Service", name), "building Get");
  }
  return m;
}

void decode_property(sd_bus_message* m, Property property, UnitProperties& unit) {
  switch (property) {
    case Property::unit_all:
      decode_properties(m, unit);
      break;
    case Property::n_restarts:
      unit.n_restarts = read_variant<std::uint32_t>(m, "u", "NRestarts");
      break;
    case Property::memory:
      unit.memory_current_bytes = unless_unset(read_variant<std::uint64_t>(m, "t", "MemoryCurrent"));
      break;
    case Property::tasks:
      unit.tasks_current = unless_unset(read_variant<std::uint64_t>(m, "t", "TasksCurrent"));
      break;
    case Property::cpu:
      unit.cpu_usage_nsec = unless_unset(read_variant<std::uint64_t>(m, "t", "CPUUsageNSec"));
      break;
  }
}

}  // namespace

// One method call in flight; its reply (or error) is filled in by on_reply.
struct SystemdBus::Call {
  SlotPtr slot;
  MessagePtr reply;
  std::string error;  // "Name: message" when the call failed
  std::string error_name;
  bool done = false;

  static int on_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* call = static_cast<Call*>(userdata);
    if (sd_bus_message_is_method_error(m, nullptr)) {
      const sd_bus_error* e = sd_bus_message_get_error(m);
      call->error = bus_error_text(e);
      call->error_name = e && e->name ? e->name : "";
    } else {
      call->reply.reset(sd_bus_message_ref(m));
    }
    call->done = true;
    return 0;
  }
};

SystemdBus::WakeFd::WakeFd() : fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

SystemdBus::WakeFd::~WakeFd() { ::close(fd); }

SystemdBus::SystemdBus(UnitStateListener listener)
    : listener_(std::move(listener)), thread_([this] { run(); }) {}

SystemdBus::~SystemdBus() {
  stop_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.fd, &one, sizeof one);
  thread_.join();
  std::lock_guard lock(mutex_);
  subscribe_slot_.reset();
  match_slot_.reset();
  bus_.reset();
}

void SystemdBus::run() {
  auto backoff = std::chrono::milliseconds(kMinBackoff);
  while (!stop_) {
    pollfd fds[2] = {{wake_.fd, POLLIN, 0}, {-1, 0, 0}};
    auto wait = std::chrono::milliseconds(kMaxPoll);
    {
      std::lock_guard lock(mutex_);
      if (!bus_) connect_locked();  // leaves bus_ empty when it fails
      if (std::string why; bus_ && !pump_locked(why)) drop_locked(why);
      if (!bus_) {
        wait = backoff;
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
      } else {
        if (ready_) backoff = kMinBackoff;  // the next outage starts with a quick retry
        if (more_pending_) wait = std::chrono::milliseconds(0);
        fds[1].fd = sd_bus_get_fd(bus_.get());
        fds[1].events = static_cast<short>(std::max(sd_bus_get_events(bus_.get()), 0));
        std::uint64_t usec = 0;
        if (sd_bus_get_timeout(bus_.get(), &usec) >= 0 && usec != UINT64_MAX) {
          // sd-bus gives an absolute CLOCK_MONOTONIC time; 0 means "now".
          timespec now{};
          clock_gettime(CLOCK_MONOTONIC, &now);
          const std::uint64_t now_usec =
              static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 + static_cast<std::uint64_t>(now.tv_nsec) / 1000;
          const auto until = usec > now_usec ? usec - now_usec : 0;
          wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::microseconds(until) + 999us));
        }
      }
    }
    if (stop_) break;
    ::poll(fds, fds[1].fd >= 0 ? 2 : 1, static_cast<int>(wait.count()));
  }
}

bool SystemdBus::connect_locked() {
  sd_bus* raw = nullptr;
  // sd_bus_open_system honours DBUS_SYSTEM_BUS_ADDRESS; the socket connect is non-blocking and the
  // rest of the set-up (auth, Hello) completes in pump_locked(), bounded by kSetupTimeout.
  int r = sd_bus_open_system(&raw);
  if (r < 0) {
    note_down_locked("cannot connect to the system bus: " + errno_text(r));
    return false;
  }
  bus_.reset(raw);
  connecting_ = true;
  match_installed_ = subscribed_ = ready_ = false;
  setup_error_.clear();
  connect_deadline_ = Clock::now() + kSetupTimeout;
  sd_bus_set_method_call_timeout(bus_.get(), kSetupCallTimeoutUsec);

  sd_bus_slot* slot = nullptr;
  r = sd_bus_add_match_async(bus_.get(), &slot, kStateMatch, &SystemdBus::on_properties_changed,
                             &SystemdBus::on_match_installed, this);
  if (r < 0) {
    drop_locked("cannot subscribe to unit changes: " + errno_text(r));
    return false;
  }
  match_slot_.reset(slot);
  // systemd sends unit change signals on the system bus only while some client is subscribed.
  sd_bus_message* raw_call = nullptr;
  r = sd_bus_message_new_method_call(bus_.get(), &raw_call, kService, kManagerPath, kManager, "Subscribe");
  const MessagePtr call(raw_call);
  if (r >= 0) r = sd_bus_message_set_auto_start(call.get(), 0);  // see new_call() in read_units
  if (r >= 0) r = sd_bus_call_async(bus_.get(), &slot, call.get(), &SystemdBus::on_subscribed, this, 0);
  if (r < 0) {
    drop_locked("cannot subscribe to systemd: " + errno_text(r));
    return false;
  }
  subscribe_slot_.reset(slot);
  return true;
}

bool SystemdBus::pump_locked(std::string& why) {
  // Bounded, so that a flood of signals cannot keep a collection waiting for the lock.
  int r = 0;
  for (int i = 0; i < kMaxDispatch && (r = sd_bus_process(bus_.get(), nullptr)) > 0; ++i) {
  }
  more_pending_ = r > 0;
  if (r < 0) {
    why = "system bus connection lost: " + errno_text(r);
    return false;
  }
  if (sd_bus_is_open(bus_.get()) <= 0) {
    why = "system bus connection closed";
    return false;
  }
  if (!setup_error_.empty()) {
    why = setup_error_;
    return false;
  }
  if (!ready_) {
    if (match_installed_ && subscribed_ && sd_bus_is_ready(bus_.get()) > 0) {
      ready_ = true;
      connecting_ = false;
      settled_.notify_all();
      if (down_logged_ || ever_ready_)
        log::info("systemd bus up again", {{"collector", "systemd"}});
      else
        log::debug("connected to systemd over the system bus", {{"collector", "systemd"}});
      down_logged_ = false;
      ever_ready_ = true;
      down_reason_.clear();
    } else if (Clock::now() > connect_deadline_) {
      why = "system bus connection set-up timed out";
      return false;
    }
  }
  return true;
}

void SystemdBus::drop_locked(const std::string& reason) {
  if (ready_) ++disconnects_;
  ready_ = false;
  subscribe_slot_.reset();
  match_slot_.reset();
  bus_.reset();
  note_down_locked(reason);
}

void SystemdBus::note_down_locked(const std::string& reason) {
  connecting_ = false;
  settled_.notify_all();
  // Once per outage, not once per attempt or interval; the first reason stands for the outage, so
  // that the collection error (and the scheduler's log of it) stays the same while it lasts.
  if (!down_logged_) {
    down_reason_ = reason;
    log::warn("systemd bus down", {{"collector", "systemd"}, {"reason", reason}});
    down_logged_ = true;
  }
}

int SystemdBus::on_properties_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<SystemdBus*>(userdata);
  char* raw_name = nullptr;
  if (sd_bus_path_decode(sd_bus_message_get_path(m), kUnitPathPrefix, &raw_name) <= 0) return 0;
  const std::string unit(raw_name);
  free(raw_name);  // NOLINT: allocated by sd-bus with malloc
  // (s interface, a{sv} changed, as invalidated): only ActiveState matters here.
  const char* interface = nullptr;
  if (sd_bus_message_read(m, "s", &interface) < 0) return 0;
  if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0) return 0;
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    const char* key = nullptr;
    if (sd_bus_message_read(m, "s", &key) < 0) return 0;
    if (std::strcmp(key, "ActiveState") == 0) {
      const char* state = nullptr;
      if (sd_bus_message_read(m, "v", "s", &state) < 0) return 0;
      if (self->listener_.on_signal) self->listener_.on_signal(unit, state);
      return 0;
    }
    if (sd_bus_message_skip(m, "v") < 0 || sd_bus_message_exit_container(m) < 0) return 0;
  }
  return 0;
}

int SystemdBus::on_match_installed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<SystemdBus*>(userdata);
  if (sd_bus_message_is_method_error(m, nullptr))
    self->setup_error_ = "AddMatch failed: " + bus_error_text(sd_bus_message_get_error(m));
  else
    self->match_installed_ = true;
  return 0;
}

int SystemdBus::on_subscribed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<SystemdBus*>(userdata);
  // An error here usually means there is a bus but no systemd on it.
  if (sd_bus_message_is_method_error(m, nullptr))
    self->setup_error_ = "systemd not reachable: " + bus_error_text(sd_bus_message_get_error(m));
  else
    self->subscribed_ = true;
  return 0;
}

void SystemdBus::send_locked(Call& call, sd_bus_message* message, Clock::time_point deadline) {
  sd_bus_slot* slot = nullptr;
  const int r = sd_bus_call_async(bus_.get(), &slot, message, &Call::on_reply, &call, usec_until(deadline));
  if (r < 0) {
    drop_locked("sending to the system bus failed: " + errno_text(r));
    throw BusUnavailable(down_reason_);
  }
  call.slot.reset(slot);
}

void SystemdBus::wait_locked(const std::vector<std::unique_ptr<Call>>& calls, Clock::time_point deadline) {
  auto all_done = [&] {
    return std::all_of(calls.begin(), calls.end(), [](const auto& c) { return c->done; });
  };
  while (!all_done()) {
    const int r = sd_bus_process(bus_.get(), nullptr);
    if (r < 0 || sd_bus_is_open(bus_.get()) <= 0) {
      drop_locked("system bus connection lost" + (r < 0 ? ": " + errno_text(r) : std::string()));
      throw BusUnavailable(down_reason_);
    }
    if (r > 0) continue;
    if (Clock::now() >= deadline) throw std::runtime_error("systemd did not answer in time");
    sd_bus_wait(bus_.get(), std::min<std::uint64_t>(usec_until(deadline), 100'000));
  }
}

UnitRead SystemdBus::read_units(const UnitFilter& filter, Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  // A connection being set up (at start, or after an outage) gets its chance within our deadline.
  settled_.wait_until(lock, deadline, [&] { return ready_ || !connecting_; });
  if (!ready_) {
    // During an outage its first reason stands (a stable error); a first connection that is
    // still being set up says so.
    throw BusUnavailable(down_logged_ || !connecting_ ? down_reason_
                                                      : "system bus connection set-up timed out");
  }

  // Subscribe again alongside the listing: systemd forgets subscribers when it restarts; while it
  // remembers us the answer is a cheap "already subscribed".
  std::vector<std::unique_ptr<Call>> calls;
  auto new_call = [&](const char* member) {
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_call(bus_.get(), &raw, kService, kManagerPath, kManager, member),
          "building a method call");
    // Never ask the bus to start anything: on a bus without systemd the answer is "no such
    // service", not a spawned process.
    MessagePtr message(raw);
    check(sd_bus_message_set_auto_start(raw, 0), "building a method call");
    calls.push_back(std::make_unique<Call>());
    return message;
  };
  {
    auto subscribe = new_call("Subscribe");
    send_locked(*calls.back(), subscribe.get(), deadline);
    auto list = new_call("ListUnitsByPatterns");
    check(sd_bus_message_append_strv(list.get(), nullptr), "building ListUnitsByPatterns");
    std::vector<const char*> patterns;
    for (const auto& p : filter.patterns()) patterns.push_back(p.c_str());
    patterns.push_back(nullptr);
    check(sd_bus_message_append_strv(list.get(), const_cast<char**>(patterns.data())),
          "building ListUnitsByPatterns");
    send_locked(*calls.back(), list.get(), deadline);
  }
  wait_locked(calls, deadline);

  UnitRead out;
  const Call& subscribed = *calls[0];
  if (!subscribed.error.empty() && subscribed.error_name != "org.freedesktop.systemd1.AlreadySubscribed")
    out.problems.push_back("Subscribe: " + subscribed.error);
  const Call& listed = *calls[1];
  if (!listed.error.empty()) throw std::runtime_error("ListUnitsByPatterns: " + listed.error);

  std::vector<ListedUnit> selected;
  for (auto& u : decode_unit_list(listed.reply.get()))
    if (filter.selects(u.name)) selected.push_back(std::move(u));
  for (const auto& name : filter.literal_names()) {
    const bool listed_already = std::any_of(selected.begin(), selected.end(),
                                            [&](const ListedUnit& u) { return u.name == name; });
    // Reading a unit's object makes systemd load it: a missing one answers LoadState=not-found.
    if (!listed_already) selected.push_back({name, unit_path(name)});
  }

  // Per unit: one GetAll of the Unit interface (~100 properties: the states, load state and
  // timestamps in one consistent view; separate Gets can be torn, e.g. activating/running), and
  // for services four Gets of the numbers from the Service interface, whose GetAll would carry
  // ~300 properties (exec lines, sandboxing...) and triple systemd's cost per unit.
  std::vector<UnitProperties> units(selected.size());
  std::vector<bool> failed(selected.size(), false);
  std::vector<Request> requests;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    units[i].name = selected[i].name;
    requests.push_back({i, Property::unit_all});
    if (is_service(selected[i].name))
      for (auto p : {Property::n_restarts, Property::memory, Property::tasks, Property::cpu})
        requests.push_back({i, p});
  }
  for (std::size_t first = 0; first < requests.size(); first += kMaxInFlight) {
    const std::size_t last = std::min(requests.size(), first + kMaxInFlight);
    std::vector<std::unique_ptr<Call>> batch;
    for (std::size_t r = first; r < last; ++r) {
      batch.push_back(std::make_unique<Call>());
      auto message = property_call(bus_.get(), selected[requests[r].unit].path, requests[r].property);
      send_locked(*batch.back(), message.get(), deadline);
    }
    wait_locked(batch, deadline);
    for (std::size_t r = first; r < last; ++r) {
      const Call& call = *batch[r - first];
      const std::size_t i = requests[r].unit;
      if (failed[i]) continue;
      if (!call.error.empty()) {
        failed[i] = true;
        if (!unit_gone(call.error_name)) out.problems.push_back(selected[i].name + ": " + call.error);
        continue;
      }
      try {
        decode_property(call.reply.get(), requests[r].property, units[i]);
      } catch (const std::exception& e) {
        failed[i] = true;
        out.problems.push_back(selected[i].name + ": " + e.what());
      }
    }
  }
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (failed[i]) continue;
    if (listener_.on_read) listener_.on_read(units[i].name, units[i].active_state);
    out.units.push_back(std::move(units[i]));
  }
  return out;
}

}  // namespace hawatch::systemd
