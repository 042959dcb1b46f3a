#pragma once
// apcupsd's Network Information Server (NIS) protocol, as pure functions: framing, the `status`
// reply's "KEY : value" records, and their mapping onto a ups::Reading.
//
// Wire format (both directions): frames of a 2-byte big-endian length and that many bytes. A
// `status` reply is one frame per record line, ended by a zero-length frame; the connection then
// takes further commands.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/shared/ups_reading.h"

namespace hawatch::apcupsd {

// apcupsd's records are well under 256 bytes; anything much longer is not apcupsd talking.
inline constexpr std::size_t kMaxRecordLength = 1024;
inline constexpr std::size_t kMaxRecords = 512;

// The request frame for `command`.
std::string frame(std::string_view command);

struct StatusFrames {
  std::vector<std::string> records;
  std::size_t consumed = 0;  // bytes of input the reply took (records + terminator)
};
// Splits one reply from the front of `bytes`. nullopt: the reply is incomplete, read more.
// Throws ParseError for a frame longer than kMaxRecordLength or more than kMaxRecords frames.
std::optional<StatusFrames> split_reply(std::string_view bytes);

using Records = std::vector<std::pair<std::string, std::string>>;
// "STATUS   : ONLINE \n" → {"STATUS", "ONLINE"}. Throws ParseError on a line without " : "
// (e.g. "Invalid command"), an empty key, or a reply without STATUS.
Records parse_records(const std::vector<std::string>& records);

// Flags from the STATUS words (ONLINE, ONBATT, LOWBATT, ...). Sets `commlost` for COMMLOST;
// words that map onto no flag go to `unmapped`.
ups::Flags flags_from_status_words(std::string_view status, bool& commlost,
                                   std::vector<std::string>& unmapped);
// Flags from STATFLAG ("0x05000008": apcupsd's UPS_* status bits). nullopt when not a hex number.
std::optional<ups::Flags> flags_from_statflag(std::string_view statflag, bool& commlost);

// The whole mapping (see docs/configuration.md, collectors.apcupsd, for the table).
ups::Reading reading_from_records(const Records& records);

}  // namespace hawatch::apcupsd
