#pragma once
// Structured logging to stderr in logfmt or JSON, as exporter-toolkit daemons do.
// Hand-written rather than Poco::Logger because neither of Poco's formatters escapes values for
// logfmt or emits one JSON object per line, and log lines must stay machine-parsable.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace hawatch::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { logfmt, json };

std::optional<Level> parse_level(std::string_view text);
std::optional<Format> parse_format(std::string_view text);

void configure(Level level, Format format);
bool enabled(Level level);

struct Field {
  std::string_view key;
  std::string value;
};

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  if (enabled(Level::debug)) write(Level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::error, m, f);
}

}  // namespace hawatch::log
