#pragma once
// URLs in configs carry credentials: userinfo (http://user:password@host/) and query tokens
// (?token=..., ?api_key=...). Whatever hawatch prints of a URL (logs, error messages, the status
// page) keeps its scheme, host, port and path only; the rest is replaced by "***".

#include <string>
#include <string_view>

namespace hawatch {

namespace url_redact_detail {

inline bool scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

// Where a URL embedded in free text ends: at whitespace, a quote or an angle bracket.
inline bool url_end(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '<' ||
         c == '>' || c == '`';
}

// Appends `url` (scheme "://" and the rest) with userinfo, query and fragment replaced.
inline void append_redacted(std::string& out, std::string_view url) {
  const auto sep = url.find("://");
  out.append(url.substr(0, sep + 3));
  std::string_view rest = url.substr(sep + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    out += "***@";
    rest.remove_prefix(at + 1);
  }
  const auto query = rest.find_first_of("?#");
  out.append(rest.substr(0, query));
  if (query != std::string_view::npos) out += rest[query] == '?' ? "?***" : "#***";
}

}  // namespace url_redact_detail

// One URL, taken whole (it may hold spaces when it is malformed), redacted.
inline std::string redact_url(std::string_view url) {
  std::string out;
  if (url.find("://") == std::string_view::npos) {
    out.append(url.substr(0, url.find_first_of("?#")));
    if (out.size() != url.size()) out += "?***";
    return out;
  }
  url_redact_detail::append_redacted(out, url);
  return out;
}

// `text` with every "scheme://..." in it redacted; text without "://" is returned as is.
inline std::string redact_urls(std::string_view text) {
  using namespace url_redact_detail;
  std::string out;
  out.reserve(text.size());
  std::size_t done = 0;
  for (auto sep = text.find("://"); sep != std::string_view::npos;
       sep = text.find("://", sep + 3)) {
    std::size_t start = sep;
    while (start > done && scheme_char(text[start - 1])) --start;
    if (start == sep) continue;  // no scheme before "://"
    std::size_t end = sep + 3;
    while (end < text.size() && !url_end(text[end])) ++end;
    // Punctuation of the sentence around it ("URL: message") is not part of the URL.
    while (end > sep + 3 && std::string_view(":,.;)").find(text[end - 1]) != std::string_view::npos)
      --end;
    out.append(text.substr(done, start - done));
    append_redacted(out, text.substr(start, end - start));
    done = end;
    if (end > sep + 3) sep = end - 3;
  }
  out.append(text.substr(done));
  return out;
}

}  // namespace hawatch
