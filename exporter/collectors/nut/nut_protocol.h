#pragma once
// NUT's upsd network protocol (docs/net-protocol.txt), as pure functions: tokenising reply lines
// (double quotes, backslash escapes), ERR replies, BEGIN LIST … END LIST replies, and the mapping
// of a UPS's variables onto a ups::Reading.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/shared/ups_reading.h"

namespace hawatch::nut {

inline constexpr std::size_t kMaxLineLength = 4096;  // upsd's own limit on a line is far lower
inline constexpr std::size_t kMaxListItems = 4096;

// Splits on spaces; "…" groups, \" and \\ escape inside and outside quotes. Throws ParseError on an
// unterminated quote, a trailing backslash or a control character.
std::vector<std::string> tokenize(std::string_view line);

// Quotes an argument for a command line: "…" with " and \ escaped. nullopt for control characters,
// which no NUT name or credential may contain (and which would end the command line).
std::optional<std::string> quote(std::string_view argument);

// "ERR DATA-STALE" → "DATA-STALE"; nullopt for any other line.
std::optional<std::string> error_code(std::string_view line);

// A short, stable reason for an ERR code (a label value): "data stale", "unknown ups", ...
std::string reason_for_error(std::string_view code);

// One LIST reply, fed line by line:
//   BEGIN LIST VAR dummy / VAR dummy battery.charge "100" / … / END LIST VAR dummy
class ListReply {
 public:
  // `kind` "UPS" or "VAR"; `args` the command's arguments after the kind (the UPS name for VAR).
  ListReply(std::string kind, std::vector<std::string> args);

  // Takes the next line (without its newline). Returns true once the reply is complete (END LIST or
  // an ERR). Throws ParseError on anything out of protocol.
  bool feed(std::string_view line);

  const std::optional<std::string>& error() const { return error_; }
  // Each item's tokens after the "<kind> <args…>" prefix, e.g. {"battery.charge", "100"}.
  const std::vector<std::vector<std::string>>& items() const { return items_; }

 private:
  bool has_prefix(const std::vector<std::string>& tokens, std::size_t offset) const;

  std::string kind_;
  std::vector<std::string> args_;
  bool begun_ = false;
  bool done_ = false;
  std::optional<std::string> error_;
  std::vector<std::vector<std::string>> items_;
};

// LIST UPS items → UPS names. Throws ParseError for an item without a name.
std::vector<std::string> ups_names(const ListReply& reply);
using Variables = std::vector<std::pair<std::string, std::string>>;
// LIST VAR items → (name, value). Throws ParseError for an item that is not `name "value"`.
Variables variables(const ListReply& reply);

// ups.status tokens ("OL CHRG", "OB LB", "FSD OB LB") → flags; unknown tokens go to `unmapped`.
ups::Flags flags_from_status(std::string_view status, std::vector<std::string>& unmapped);

// The mapping of a UPS's variables (see docs/configuration.md, collectors.nut). on_battery_seconds
// is left empty: NUT has no such variable, the collector measures it.
ups::Reading reading_from_variables(const Variables& vars);

}  // namespace hawatch::nut
