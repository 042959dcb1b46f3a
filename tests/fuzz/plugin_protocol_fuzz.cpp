// The daemon <-> hawatch-plugin-host protocol. The host runs third-party plugin code, so the
// daemon must treat every frame it reads as hostile: framing over a socket, the RUN record
// (decode_run) and, on the host side, the INIT settings. Invariants: what decodes re-encodes to
// the same value, decoded samples carry names /metrics can expose, field escaping round-trips.

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/prom_text.h"
#include "runtime/host_protocol.h"
#include "runtime/plugin_run.h"

namespace {

using namespace hawatch::plugins;

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

bool same_run(const PluginRun& a, const PluginRun& b) {
  if (a.rc != b.rc || a.status != b.status || a.status_message != b.status_message ||
      a.problems != b.problems || a.samples.size() != b.samples.size())
    return false;
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    const auto& x = a.samples[i];
    const auto& y = b.samples[i];
    if (x.counter != y.counter || x.name != y.name || x.help != y.help || x.labels != y.labels ||
        !same_value(x.value, y.value))
      return false;
  }
  return true;
}

void check_run(const std::string& text) {
  const auto run = decode_run(text);
  if (!run) return;
  if (run->samples.size() > kMaxRunSamples || run->problems.size() > kMaxRunProblems + 1)
    __builtin_trap();
  for (const auto& s : run->samples) {
    if (!hawatch::plugins::valid_metric_name(s.name)) __builtin_trap();
    for (const auto& [name, value] : s.labels)
      if (!valid_label_name(name) || name.rfind("__", 0) == 0) __builtin_trap();
  }
  const auto again = decode_run(encode_run(*run));
  if (!again || !same_run(*run, *again)) __builtin_trap();
}

void check_settings(const std::string& text) {
  const auto settings = decode_settings(text);
  const auto again = decode_settings(encode_settings(settings));
  if (again.rootfs != settings.rootfs || again.node_name != settings.node_name ||
      again.entries != settings.entries)
    __builtin_trap();
}

void check_framing(const std::string& bytes) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
  // The fuzzer's inputs fit the socket buffer: one write, then the peer is gone.
  const bool written =
      ::write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fds[1]);
  std::size_t consumed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (std::string error; written;) {
    const auto frame = read_frame(fds[0], deadline, error);
    if (!frame) {
      if (error == "timed out") __builtin_trap();  // all bytes were there: never a wait
      break;
    }
    consumed += 4 + frame->size();
    if (consumed > bytes.size()) __builtin_trap();
    check_run(*frame);
  }
  ::close(fds[0]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_run(text);
  check_settings(text);
  const auto fields = split_fields(escape_field(text));
  if (fields.size() != 1 || fields[0] != text) __builtin_trap();
  check_framing(text);
  return 0;
}
