// apcupsd NIS replies from the network: framing, records and status mapping must reject any input
// with ParseError (or ask for more bytes), never crash.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/apcupsd/apcupsd_nis.h"
#include "core/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    if (auto reply = hawatch::apcupsd::split_reply(bytes)) {
      if (reply->consumed > bytes.size()) __builtin_trap();
      const auto reading = hawatch::apcupsd::reading_from_records(hawatch::apcupsd::parse_records(reply->records));
      if (!reading.up && reading.down_reason.empty()) __builtin_trap();
    }
  } catch (const hawatch::ParseError&) {
  }
  // The status words and STATFLAG parsers on raw text as well.
  bool commlost = false;
  std::vector<std::string> unmapped;
  (void)hawatch::apcupsd::flags_from_status_words(bytes, commlost, unmapped);
  (void)hawatch::apcupsd::flags_from_statflag(bytes, commlost);
  return 0;
}
