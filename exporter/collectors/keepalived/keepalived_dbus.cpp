#include "keepalived_dbus.h"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/parse.h"
#include "collectors/shared/sd_bus.h"

namespace hawatch::keepalived {
namespace {

using Clock = std::chrono::steady_clock;
using sdbus::BusPtr;
using sdbus::MessagePtr;
using sdbus::SlotPtr;

constexpr const char* kRootPath = "/org/keepalived/Vrrp1";
constexpr const char* kInstanceInterface = "org.keepalived.Vrrp1.Instance";
// Bounds on the object walk, so that a strange tree cannot make a run unbounded: keepalived's own
// tree is at most 5 levels deep (root, [keepalived instance], Instance, interface, vrid, family).
constexpr int kMaxDepth = 7;
constexpr std::size_t kMaxObjects = 1024;
// Calls in flight at once; dbus-daemon limits pending replies per connection (128 on Debian).
constexpr std::size_t kMaxInFlight = 64;

std::string errno_text(int negative_errno) {
  return std::strerror(-negative_errno);
}

std::uint64_t usec_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<std::uint64_t>(left.count()) : 1;
}

void check(int r, const std::string& what) {
  if (r < 0) throw std::runtime_error(what + ": " + errno_text(r));
}

// One method call; on_reply fills in the reply or the error.
struct Call {
  std::string path;
  SlotPtr slot;
  MessagePtr reply;
  std::string error_name;
  std::string error;  // "Name: message"
  bool done = false;

  static int on_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* call = static_cast<Call*>(userdata);
    if (sd_bus_message_is_method_error(m, nullptr)) {
      const sd_bus_error* e = sd_bus_message_get_error(m);
      call->error_name = e && e->name ? e->name : "unknown error";
      call->error =
          call->error_name + (e && e->message ? std::string(": ") + e->message : std::string());
    } else {
      call->reply.reset(sd_bus_message_ref(m));
    }
    call->done = true;
    return 0;
  }
};

// A private connection to the system bus for one read. sd_bus_call() could wait for the
// connection set-up (auth, Hello) longer than our deadline, so calls are sent asynchronously and
// the connection is driven here, never past `deadline`.
class Session {
 public:
  Session(std::string service, Clock::time_point deadline)
      : service_(std::move(service)), deadline_(deadline) {
    sd_bus* raw = nullptr;
    // Honours DBUS_SYSTEM_BUS_ADDRESS; the connect is non-blocking, the set-up runs in wait().
    const int r = sd_bus_open_system(&raw);
    if (r < 0) throw DbusUnavailable("cannot connect to the system bus: " + errno_text(r));
    bus_.reset(raw);
  }

  // Sends `member` to every path (at most kMaxInFlight in flight) and waits for all answers.
  std::vector<std::unique_ptr<Call>> call_all(const std::vector<std::string>& paths,
                                              const char* interface, const char* member,
                                              const char* argument) {
    std::vector<std::unique_ptr<Call>> calls;
    for (std::size_t first = 0; first < paths.size(); first += kMaxInFlight) {
      const std::size_t last = std::min(paths.size(), first + kMaxInFlight);
      for (std::size_t i = first; i < last; ++i)
        calls.push_back(send(paths[i], interface, member, argument));
      wait(calls);
    }
    return calls;
  }

 private:
  std::unique_ptr<Call> send(const std::string& path, const char* interface, const char* member,
                             const char* argument) {
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_call(bus_.get(), &raw, service_.c_str(), path.c_str(),
                                         interface, member),
          "building a D-Bus call to " + path);
    MessagePtr message(raw);
    // Never ask the bus to start keepalived: its absence is what we report.
    check(sd_bus_message_set_auto_start(raw, 0), "building a D-Bus call");
    if (argument != nullptr)
      check(sd_bus_message_append(raw, "s", argument), "building a D-Bus call");
    auto call = std::make_unique<Call>();
    call->path = path;
    sd_bus_slot* slot = nullptr;
    const int r = sd_bus_call_async(bus_.get(), &slot, raw, &Call::on_reply, call.get(),
                                    usec_until(deadline_));
    if (r < 0) throw DbusUnavailable("sending on the system bus failed: " + errno_text(r));
    call->slot.reset(slot);
    return call;
  }

  void wait(const std::vector<std::unique_ptr<Call>>& calls) {
    auto all_done = [&] {
      return std::all_of(calls.begin(), calls.end(), [](const auto& c) { return c->done; });
    };
    while (!all_done()) {
      const int r = sd_bus_process(bus_.get(), nullptr);
      if (r < 0) throw DbusUnavailable("system bus connection lost: " + errno_text(r));
      if (sd_bus_is_open(bus_.get()) <= 0) throw DbusUnavailable("system bus connection closed");
      if (r > 0) continue;
      if (Clock::now() >= deadline_) throw DbusUnavailable("no answer on the system bus in time");
      sd_bus_wait(bus_.get(), std::min<std::uint64_t>(usec_until(deadline_), 100'000));
    }
  }

  std::string service_;
  Clock::time_point deadline_;
  BusPtr bus_;
};

bool service_absent(const std::string& error_name) {
  return error_name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
         error_name == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

std::string read_string_reply(sd_bus_message* m) {
  const char* text = nullptr;
  check(sd_bus_message_read(m, "s", &text), "Introspect reply");
  return text;
}

// Finds every object implementing org.keepalived.Vrrp1.Instance under kRootPath.
std::vector<std::string> find_instances(Session& session, const std::string& service,
                                        DbusRead& out) {
  std::vector<std::string> instances;
  std::vector<std::string> level{kRootPath};
  std::size_t visited = 0;
  for (int depth = 0; depth < kMaxDepth && !level.empty(); ++depth) {
    auto calls =
        session.call_all(level, "org.freedesktop.DBus.Introspectable", "Introspect", nullptr);
    std::vector<std::string> next;
    for (const auto& call : calls) {
      if (!call->error.empty()) {
        if (depth == 0 && service_absent(call->error_name))
          throw DbusUnavailable("keepalived is not on the system bus as " + service);
        if (depth == 0) throw DbusUnavailable("Introspect " + call->path + ": " + call->error);
        out.problems.push_back("Introspect " + call->path + ": " + call->error);
        continue;
      }
      try {
        const auto node = parse_introspection(read_string_reply(call->reply.get()), call->path);
        if (std::find(node.interfaces.begin(), node.interfaces.end(), kInstanceInterface) !=
            node.interfaces.end())
          instances.push_back(call->path);
        for (const auto& child : node.children) {
          if (++visited > kMaxObjects) {
            out.problems.push_back("more than " + std::to_string(kMaxObjects) + " objects under " +
                                   kRootPath);
            return instances;
          }
          next.push_back(call->path + "/" + child);
        }
      } catch (const std::exception& e) {
        out.problems.push_back(e.what());
      }
    }
    level = std::move(next);
  }
  return instances;
}

// Decodes a GetAll reply of org.keepalived.Vrrp1.Instance: Name (s) and State (us).
InstanceStatus decode_instance(sd_bus_message* m, const std::string& path) {
  InstanceStatus status;
  std::optional<std::uint32_t> state_number;
  std::string state_text;
  std::string seen;  // for the error message: which properties, of which types
  check(sd_bus_message_enter_container(m, 'a', "{sv}"), "GetAll reply");
  int r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    check(sd_bus_message_read(m, "s", &key), "GetAll reply key");
    const char* contents = nullptr;
    char type = 0;
    check(sd_bus_message_peek_type(m, &type, &contents), "GetAll reply value");
    seen += std::string(seen.empty() ? "" : ", ") + key + " (" + (contents ? contents : "?") + ")";
    // keepalived 2.2's GetAll wraps each value in a one-element struct (Name "(s)", State
    // "((us))"), unlike Get and its introspection data ("s", "(us)"): accept both.
    const std::string_view type_of(contents ? contents : "");
    if (std::strcmp(key, "Name") == 0 && (type_of == "s" || type_of == "(s)")) {
      const char* name = nullptr;
      check(sd_bus_message_read(m, "v", contents, &name), "property Name");
      status.name = name;
    } else if (std::strcmp(key, "State") == 0 && (type_of == "(us)" || type_of == "((us))")) {
      std::uint32_t number = 0;
      const char* text = nullptr;
      check(sd_bus_message_read(m, "v", contents, &number, &text), "property State");
      state_number = number;
      state_text = text;
    } else {
      check(sd_bus_message_skip(m, "v"), "GetAll reply value");
    }
    check(sd_bus_message_exit_container(m), "GetAll reply entry");
  }
  check(r, "GetAll reply entry");
  if (status.name.empty() || !state_number)
    throw std::runtime_error(path + ": expected properties Name (s) and State (us), got " +
                             (seen.empty() ? std::string("none") : seen));
  const auto state = state_from_number(*state_number);
  if (!state)
    throw std::runtime_error(path + ": unknown VRRP state " + std::to_string(*state_number) + " (" +
                             state_text + ")");
  status.state = *state;
  status.where = parse_instance_path(path);
  return status;
}

}  // namespace

DbusRead read_dbus_instances(const std::string& service, Clock::time_point deadline) {
  DbusRead out;
  try {
    Session session(service, deadline);
    const auto paths = find_instances(session, service, out);
    auto calls =
        session.call_all(paths, "org.freedesktop.DBus.Properties", "GetAll", kInstanceInterface);
    for (const auto& call : calls) {
      if (!call->error.empty()) {
        // An instance removed by a reload between the walk and the read is simply gone.
        if (call->error_name != "org.freedesktop.DBus.Error.UnknownObject")
          out.problems.push_back("GetAll " + call->path + ": " + call->error);
        continue;
      }
      try {
        out.instances.push_back(decode_instance(call->reply.get(), call->path));
      } catch (const std::exception& e) {
        out.problems.push_back(e.what());
      }
    }
  } catch (const DbusUnavailable&) {
    throw;
  } catch (const std::exception& e) {  // building messages: out of memory and the like
    throw DbusUnavailable(e.what());
  }
  return out;
}

}  // namespace hawatch::keepalived
