// keepalived's notify-FIFO lines (written by keepalived, or by anything that can open the FIFO):
// every line either parses, is ignored, or throws ParseError. An event that parses must read
// back the same when written the way keepalived writes it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/keepalived/keepalived_parsers.h"
#include "core/parse.h"

namespace {

using hawatch::keepalived::FifoEvent;
using hawatch::keepalived::FifoLine;
using hawatch::keepalived::VrrpState;

std::string word_of(const FifoEvent& e) {
  switch (e.action) {
    case FifoEvent::Action::stop:
      return "STOP";
    case FifoEvent::Action::deleted:
      return "DELETED";
    case FifoEvent::Action::state:
      break;
  }
  switch (e.state) {
    case VrrpState::master:
      return "MASTER";
    case VrrpState::backup:
      return "BACKUP";
    case VrrpState::fault:
      return "FAULT";
    case VrrpState::init:
      break;
  }
  __builtin_trap();  // a state event is never init
}

void check_line(std::string_view line) {
  FifoEvent event;
  FifoLine kind = FifoLine::ignored;
  try {
    kind = hawatch::keepalived::parse_fifo_line(line, event);
  } catch (const hawatch::ParseError&) {
    return;
  }
  if (kind != FifoLine::event) return;
  if (event.name.empty() || event.name.find('"') != std::string::npos) __builtin_trap();
  if (event.priority < 0 || event.priority > 255) __builtin_trap();
  const std::string again =
      std::string(event.kind == FifoEvent::Kind::group ? "GROUP" : "INSTANCE") + " \"" +
      event.name + "\" " + word_of(event) + " " + std::to_string(event.priority);
  FifoEvent reread;
  if (hawatch::keepalived::parse_fifo_line(again, reread) != FifoLine::event) __builtin_trap();
  if (reread.kind != event.kind || reread.name != event.name || reread.action != event.action ||
      reread.state != event.state || reread.priority != event.priority)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hawatch::for_each_line(text, check_line);
  return 0;
}
