#pragma once
// A time zone for time intervals' `location`: UTC, Local, or an IANA name read from the system's
// TZif files (/usr/share/zoneinfo). Hand-written because libstdc++ 12 has no std::chrono::tzdb,
// and switching TZ for localtime_r is not thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hawatch::alerting {

class TimeZone {
 public:
  static std::shared_ptr<const TimeZone> utc();
  // "UTC", "Local" (/etc/localtime) or an IANA name. Throws std::runtime_error naming the zone.
  static std::shared_ptr<const TimeZone> load(const std::string& name,
                                              const std::string& zoneinfo = "/usr/share/zoneinfo");
  // Parses TZif (version 1..3) data; throws std::runtime_error.
  static std::shared_ptr<const TimeZone> from_tzif(const std::string& name,
                                                   const std::string& data);

  const std::string& name() const { return name_; }
  // Offset from UTC in seconds at the instant `unix_seconds`.
  std::int32_t offset_at(std::int64_t unix_seconds) const;

 private:
  std::string name_;
  std::vector<std::int64_t> transitions_;  // ascending
  std::vector<std::uint8_t> types_;        // per transition
  std::vector<std::int32_t> offsets_;      // per type
  std::int32_t initial_offset_ = 0;
};

}  // namespace hawatch::alerting
