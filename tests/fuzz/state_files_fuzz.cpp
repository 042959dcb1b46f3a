// The files hawatch reads back at start from its data directory: the rule layer's alert state, the
// silences and the notification spool's records. A file may be truncated by a power cut, come
// from another version or be written by anyone with access to the directory: each decoder returns
// values or an error, and whatever decodes re-encodes to a text that decodes to the same text
// again (the form is a fixed point after one round).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>

#include "notify/spool.h"
#include "rules/alert_state_file.h"
#include "silence/silences.h"

namespace {

void check_alert_state(const std::string& text) {
  const auto decoded = hawatch::rules::decode_alert_state(text);
  const auto* alerts = std::get_if<std::vector<hawatch::rules::SavedAlert>>(&decoded);
  if (alerts == nullptr) return;
  const std::string once = hawatch::rules::encode_alert_state(*alerts);
  const auto again = hawatch::rules::decode_alert_state(once);
  const auto* alerts2 = std::get_if<std::vector<hawatch::rules::SavedAlert>>(&again);
  if (alerts2 == nullptr || hawatch::rules::encode_alert_state(*alerts2) != once) __builtin_trap();
}

void check_silences(const std::string& text) {
  std::string once;
  try {
    once = hawatch::alerting::encode_silences(hawatch::alerting::decode_silences(text));
  } catch (const std::runtime_error&) {
    return;
  }
  if (hawatch::alerting::encode_silences(hawatch::alerting::decode_silences(once)) != once)
    __builtin_trap();
}

void check_spool_record(const std::string& text) {
  std::string once;
  try {
    once = hawatch::alerting::encode_spool_record(hawatch::alerting::decode_spool_record(text));
  } catch (const std::runtime_error&) {
    return;
  }
  if (hawatch::alerting::encode_spool_record(hawatch::alerting::decode_spool_record(once)) != once)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_alert_state(text);
  check_silences(text);
  check_spool_record(text);
  return 0;
}
