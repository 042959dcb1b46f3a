// libFuzzer target for the exec integration's spool envelope and its environment: any input
// decodes or is refused (never a crash or a read out of bounds), a decoded message encodes back
// to the same bytes, and variables built from arbitrary label bytes keep to their bounds and to
// [A-Z0-9_] names.
#include <cstddef>
#include <cstdint>
#include <string>

#include "receivers/exec/exec_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hawatch::alerting;
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (const auto m = decode_exec_message(input)) {
    if (encode_exec_message(*m) != input) __builtin_trap();
  }
  // The input's halves as label names and values.
  NotifyContext ctx;
  ctx.now = Time{std::chrono::seconds(1'800'000'000)};
  const std::size_t half = size / 2;
  ctx.group_labels[input.substr(0, half)] = input.substr(half);
  ctx.group_labels[input.substr(half)] = input.substr(0, half);
  Alert a;
  a.labels = ctx.group_labels;
  a.annotations[input] = input;
  const ExecMessage m = make_exec_message(ctx, {a}, {});
  std::size_t bytes = 0;
  for (const std::string& e : m.environment) {
    const std::size_t eq = e.find('=');
    if (eq == std::string::npos || e.find('\0') != std::string::npos) __builtin_trap();
    for (std::size_t i = 0; i < eq; ++i) {
      const char c = e[i];
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) __builtin_trap();
    }
    if (e.size() - eq - 1 > kMaxEnvValueBytes) __builtin_trap();
    bytes += e.size() + 1;
  }
  if (bytes > kMaxEnvBytes + 4 * kMaxEnvValueBytes) __builtin_trap();
  const auto back = decode_exec_message(encode_exec_message(m));
  if (!back || back->environment != m.environment || back->input != m.input) __builtin_trap();
  return 0;
}
