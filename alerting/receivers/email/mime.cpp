#include "receivers/email/mime.h"

#include <Poco/Base64Encoder.h>

#include <algorithm>
#include <sstream>

#include "model/utf8.h"

namespace hawatch::alerting::mail {
namespace {

constexpr std::size_t kMaxAddressBytes = 254;
// A plain header line stays under RFC 5322's 998-byte limit with room for the name.
constexpr std::size_t kMaxPlainValueBytes = 900;
// 45 bytes -> 60 base64 characters; with "=?UTF-8?B?" and "?=" a word is 72 <= 75 (RFC 2047).
constexpr std::size_t kWordBytes = 45;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_address(std::string_view a) {
  if (a.empty() || a.size() > kMaxAddressBytes) return false;
  const std::size_t at = a.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == a.size()) return false;
  if (a.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : a) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (std::string_view("<>()[],;:\\\"").find(c) != std::string_view::npos) return false;
  }
  return true;
}

// Splits at commas outside quotes and angle brackets.
std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> out;
  bool quoted = false;
  int angle = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && quoted) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '<') {
      ++angle;
    } else if (!quoted && c == '>') {
      --angle;
    } else if (!quoted && angle == 0 && c == ',') {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(text.substr(start));
  return out;
}

std::optional<Mailbox> parse_mailbox(std::string_view entry, std::string& error) {
  entry = trim(entry);
  Mailbox m;
  const std::size_t open = entry.rfind('<');
  if (open == std::string_view::npos) {
    m.address = std::string(entry);
  } else {
    if (entry.back() != '>') {
      error = "\"" + std::string(entry) + "\" has text after the address";
      return std::nullopt;
    }
    m.address = std::string(entry.substr(open + 1, entry.size() - open - 2));
    std::string_view display = trim(entry.substr(0, open));
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
      display = display.substr(1, display.size() - 2);
      for (std::size_t i = 0; i < display.size();
           ++i) {  // a quoted-string's escaped quotes and backslashes
        if (display[i] == '\\' && i + 1 < display.size()) ++i;
        m.display += display[i];
      }
    } else {
      m.display = std::string(display);
    }
  }
  if (!valid_address(m.address)) {
    error = "\"" + std::string(entry) + "\" is not an address of the form local@domain";
    return std::nullopt;
  }
  for (char c : m.display) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      error = "the display name of \"" + m.address + "\" holds control characters";
      return std::nullopt;
    }
  }
  return m;
}

std::string base64(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

// RFC 2047 "B" encoded-words of whole UTF-8 characters (`text` is valid UTF-8), folded onto
// continuation lines.
std::string encoded_words(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t n = utf8_sequence_length(text, end);
      if (end + n - i > kWordBytes) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

}  // namespace

std::optional<std::vector<Mailbox>> parse_address_list(std::string_view text, std::string& error) {
  std::vector<Mailbox> out;
  if (text.find_first_of("\r\n") != std::string_view::npos) {
    error = "addresses must not contain line breaks";
    return std::nullopt;
  }
  for (std::string_view entry : split_list(text)) {
    auto m = parse_mailbox(entry, error);
    if (!m) return std::nullopt;
    out.push_back(std::move(*m));
  }
  if (out.empty()) {
    error = "no address";
    return std::nullopt;
  }
  return out;
}

bool valid_header_name(std::string_view name) {
  if (name.empty() || name.size() > 76) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') return false;
  }
  return true;
}

std::string canonical_header_name(std::string_view name) {
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    upper = c == '-';
  }
  return out;
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

std::string encode_header_value(std::string_view raw) {
  std::string value = sanitize_utf8(raw);
  bool plain = value.size() <= kMaxPlainValueBytes;
  for (char& c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';  // CR, LF, TAB and the rest: never a line break
    if (u >= 0x80) plain = false;
  }
  return plain ? value : encoded_words(value);
}

namespace {

bool needs_quoting(std::string_view display) {
  return display.find_first_of("()<>[]:;@\\,.\"") != std::string_view::npos;
}

std::string quoted(std::string_view display) {
  std::string out = "\"";
  for (char c : display) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string format_mailbox(const Mailbox& m) {
  if (m.display.empty()) return m.address;
  const bool ascii = std::all_of(m.display.begin(), m.display.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  const std::string display = !ascii                     ? encoded_words(m.display)
                              : needs_quoting(m.display) ? quoted(m.display)
                                                         : m.display;
  return display + " <" + m.address + ">";
}

}  // namespace

std::optional<std::string> encode_address_header(std::string_view value) {
  std::string error;
  auto list = parse_address_list(sanitize_utf8(value), error);
  if (!list) return std::nullopt;
  std::string out;
  for (const Mailbox& m : *list) {
    if (!out.empty()) out += ",\r\n ";
    out += format_mailbox(m);
  }
  return out;
}

std::string clip_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = 0;
  while (end < text.size()) {
    const std::size_t n = std::max<std::size_t>(utf8_sequence_length(text, end), 1);
    if (end + n + 3 > max_bytes) break;
    end += n;
  }
  return std::string(text.substr(0, end)) + "\xE2\x80\xA6";
}

std::string crlf_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace hawatch::alerting::mail
