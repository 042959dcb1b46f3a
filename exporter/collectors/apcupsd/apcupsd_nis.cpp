#include "apcupsd_nis.h"

#include <cstdint>

#include "core/parse.h"

namespace hawatch::apcupsd {
namespace {

constexpr std::string_view kSource = "apcupsd NIS reply";

// apcupsd's UPS_* bits (include/defines.h) that carry a flag of ours.
struct StatBit {
  std::uint32_t mask;
  ups::Flag flag;
};
constexpr StatBit kStatBits[] = {
    {0x00000001, ups::CAL},  {0x00000002, ups::TRIM}, {0x00000004, ups::BOOST},
    {0x00000008, ups::OL},   {0x00000010, ups::OB},   {0x00000020, ups::OVER},
    {0x00000040, ups::LB},   {0x00000080, ups::RB},   {0x00000200, ups::FSD},  // UPS_shutdown
};
constexpr std::uint32_t kCommLost = 0x00000100;

struct StatusWord {
  std::string_view word;
  ups::Flag flag;
};
constexpr StatusWord kStatusWords[] = {
    {"CAL", ups::CAL},    {"TRIM", ups::TRIM},       {"BOOST", ups::BOOST},   {"ONLINE", ups::OL},
    {"ONBATT", ups::OB},  {"OVERLOAD", ups::OVER},   {"LOWBATT", ups::LB},    {"REPLACEBATT", ups::RB},
};

const std::string* find(const Records& records, std::string_view key) {
  for (const auto& [k, v] : records)
    if (k == key) return &v;
  return nullptr;
}

// "230.0 Volts" → 230; "N/A", "" or garbage → nullopt.
std::optional<double> leading_number(const std::string* value) {
  if (!value) return std::nullopt;
  const auto fields = split_fields(*value);
  if (fields.empty()) return std::nullopt;
  return to_double(fields.front());
}

std::optional<double> percent_ratio(const std::string* value) {
  const auto v = leading_number(value);
  return v ? std::optional<double>(*v / 100.0) : std::nullopt;
}

// TIMELEFT is in minutes, TONBATT in seconds; the unit word, when present, decides.
std::optional<double> seconds(const std::string* value, double default_scale) {
  const auto v = leading_number(value);
  if (!v) return std::nullopt;
  const auto fields = split_fields(*value);
  double scale = default_scale;
  if (fields.size() > 1) {
    const auto unit = fields[1];
    if (unit == "Seconds") scale = 1;
    if (unit == "Minutes") scale = 60;
    if (unit == "Hours") scale = 3600;
  }
  return *v * scale;
}

std::optional<std::string> text(const std::string* value) {
  if (!value || value->empty() || *value == "N/A") return std::nullopt;
  return *value;
}

}  // namespace

std::string frame(std::string_view command) {
  std::string out;
  out.push_back(static_cast<char>((command.size() >> 8) & 0xff));
  out.push_back(static_cast<char>(command.size() & 0xff));
  out.append(command);
  return out;
}

std::optional<StatusFrames> split_reply(std::string_view bytes) {
  StatusFrames out;
  std::size_t pos = 0;
  while (true) {
    if (bytes.size() - pos < 2) return std::nullopt;
    const std::size_t length = (static_cast<unsigned char>(bytes[pos]) << 8) |
                               static_cast<unsigned char>(bytes[pos + 1]);
    if (length > kMaxRecordLength)
      throw ParseError(kSource, "frame of " + std::to_string(length) + " bytes (at most " +
                                    std::to_string(kMaxRecordLength) + " expected): not apcupsd?");
    if (length == 0) {
      out.consumed = pos + 2;
      return out;
    }
    if (bytes.size() - pos - 2 < length) return std::nullopt;
    if (out.records.size() == kMaxRecords)
      throw ParseError(kSource, "more than " + std::to_string(kMaxRecords) + " records");
    out.records.emplace_back(bytes.substr(pos + 2, length));
    pos += 2 + length;
  }
}

Records parse_records(const std::vector<std::string>& lines) {
  Records out;
  out.reserve(lines.size());
  for (const auto& line : lines) {
    const auto colon = line.find(':');
    const auto key = colon == std::string::npos ? std::string_view{} : trim(std::string_view(line).substr(0, colon));
    if (key.empty()) {
      const auto shown = trim(std::string_view(line).substr(0, 60));
      throw ParseError(kSource, "record \"" + std::string(shown) + "\" is not \"KEY : value\"");
    }
    out.emplace_back(std::string(key), std::string(trim(std::string_view(line).substr(colon + 1))));
  }
  if (!find(out, "STATUS")) throw ParseError(kSource, "no STATUS record");
  return out;
}

ups::Flags flags_from_status_words(std::string_view status, bool& commlost,
                                   std::vector<std::string>& unmapped) {
  ups::Flags flags;
  // "SHUTTING DOWN" is the one two-word state; apcupsd shows it instead of the other words.
  constexpr std::string_view kShuttingDown = "SHUTTING DOWN";
  if (const auto at = status.find(kShuttingDown); at != std::string_view::npos) {
    flags.set(ups::FSD);
    std::string rest(status.substr(0, at));
    rest += status.substr(at + kShuttingDown.size());
    return flags | flags_from_status_words(rest, commlost, unmapped);
  }
  for (const auto word : split_fields(status)) {
    bool known = false;
    for (const auto& w : kStatusWords)
      if (w.word == word) {
        flags.set(w.flag);
        known = true;
      }
    if (word == "COMMLOST") {
      commlost = true;
      known = true;
    }
    if (!known) unmapped.emplace_back(word);
  }
  return flags;
}

std::optional<ups::Flags> flags_from_statflag(std::string_view statflag, bool& commlost) {
  statflag = trim(statflag);
  if (statflag.size() < 3 || statflag.size() > 10 || statflag.substr(0, 2) != "0x") return std::nullopt;
  std::uint32_t bits = 0;
  for (const char c : statflag.substr(2)) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return std::nullopt;
    bits = (bits << 4) | static_cast<std::uint32_t>(digit);
  }
  ups::Flags flags;
  for (const auto& b : kStatBits)
    if (bits & b.mask) flags.set(b.flag);
  if (bits & kCommLost) commlost = true;
  return flags;
}

ups::Reading reading_from_records(const Records& records) {
  ups::Reading r;
  bool commlost = false;
  const std::string* status = find(records, "STATUS");
  r.flags = flags_from_status_words(status ? *status : "", commlost, r.unmapped_status);
  // STATFLAG holds the same bits and more: apcupsd replaces the words by "SHUTTING DOWN" or
  // "COMMLOST" but keeps ONBATT/LOWBATT in the bits. The union loses nothing.
  if (const std::string* statflag = find(records, "STATFLAG"))
    if (const auto bits = flags_from_statflag(*statflag, commlost)) r.flags |= *bits;
  if (r.flags.test(ups::OB)) r.flags.set(ups::DISCHRG);

  r.battery_charge_ratio = percent_ratio(find(records, "BCHARGE"));
  // apcupsd has no charging state; on line with a battery below full means it is charging.
  if (r.flags.test(ups::OL) && !r.flags.test(ups::OB) && r.battery_charge_ratio &&
      *r.battery_charge_ratio < 1.0)
    r.flags.set(ups::CHRG);
  r.battery_runtime_seconds = seconds(find(records, "TIMELEFT"), 60);
  r.load_ratio = percent_ratio(find(records, "LOADPCT"));
  r.input_voltage_volts = leading_number(find(records, "LINEV"));
  r.output_voltage_volts = leading_number(find(records, "OUTPUTV"));
  r.battery_voltage_volts = leading_number(find(records, "BATTV"));
  r.on_battery_seconds = seconds(find(records, "TONBATT"), 1);
  r.on_battery_seconds_total = seconds(find(records, "CUMONBATT"), 1);
  r.transfers_total = leading_number(find(records, "NUMXFERS"));
  r.last_transfer_reason = text(find(records, "LASTXFER"));
  r.self_test_result = text(find(records, "SELFTEST"));
  r.up = !commlost;
  if (commlost) r.down_reason = "commlost";
  return r;
}

}  // namespace hawatch::apcupsd
