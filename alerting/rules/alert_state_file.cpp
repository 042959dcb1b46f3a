#include "alert_state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "yaml_guard.h"

namespace hawatch::rules {
namespace {

constexpr std::string_view kHeader = "hawatch-alert-state 1";
constexpr std::size_t kMaxStateBytes = 64 << 20;
constexpr std::size_t kMaxFieldCount = 10'000;

std::string escape(std::string_view s) {
  if (s.empty()) return "-";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c == '%' || c <= ' ' || c == 0x7f || (c == '-' && s.size() == 1)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::optional<std::string> unescape(std::string_view s) {
  if (s == "-") return std::string();
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    unsigned v = 0;
    const auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

std::string time_field(const std::optional<Timestamp>& t) {
  return t ? std::to_string(*t) : "-";
}

std::string value_field(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::hex);
  return std::string(buf, r.ptr);
}

struct Fields {
  std::vector<std::string_view> items;
  std::size_t next = 0;
  std::optional<std::string_view> take() {
    if (next >= items.size()) return std::nullopt;
    return items[next++];
  }
};

std::optional<Timestamp> parse_int(std::string_view s) {
  Timestamp v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool parse_time(std::string_view s, std::optional<Timestamp>& out) {
  if (s == "-") {
    out.reset();
    return true;
  }
  out = parse_int(s);
  return out.has_value();
}

bool parse_value(std::string_view s, double& v) {
  if (s == "nan") {
    v = std::nan("");
    return true;
  }
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s == "inf") {
    v = negative ? -INFINITY : INFINITY;
    return true;
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::hex);
  if (negative) v = -v;
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::optional<SavedAlert> parse_line(std::string_view line) {
  Fields f;
  std::size_t start = 0;
  while (start <= line.size()) {
    const std::size_t sp = line.find(' ', start);
    f.items.push_back(
        line.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
    if (sp == std::string_view::npos) break;
    if (f.items.size() > kMaxFieldCount) return std::nullopt;
    start = sp + 1;
  }
  SavedAlert s;
  if (f.take() != "alert") return std::nullopt;
  auto text = [&](std::string& out) {
    const auto field = f.take();
    if (!field) return false;
    auto v = unescape(*field);
    if (!v) return false;
    out = std::move(*v);
    return true;
  };
  std::string state;
  if (!text(s.file) || !text(s.group) || !text(s.rule) || !text(state)) return std::nullopt;
  if (state == "pending")
    s.alert.state = AlertState::pending;
  else if (state == "firing")
    s.alert.state = AlertState::firing;
  else if (state == "inactive")
    s.alert.state = AlertState::inactive;
  else
    return std::nullopt;
  const auto active = f.take();
  if (!active || !parse_int(*active)) return std::nullopt;
  s.alert.active_at = *parse_int(*active);
  for (auto* t : {&s.alert.fired_at, &s.alert.resolved_at, &s.alert.keep_firing_since,
                  &s.alert.last_sent_at, &s.alert.valid_until}) {
    const auto field = f.take();
    if (!field || !parse_time(*field, *t)) return std::nullopt;
  }
  const auto value = f.take();
  if (!value || !parse_value(*value, s.alert.value)) return std::nullopt;
  auto pairs = [&](auto&& add) {
    const auto n = f.take();
    const auto count = n ? parse_int(*n) : std::nullopt;
    if (!count || *count < 0 || static_cast<std::size_t>(*count) > kMaxFieldCount) return false;
    for (Timestamp i = 0; i < *count; ++i) {
      std::string name, v;
      if (!text(name) || !text(v)) return false;
      add(std::move(name), std::move(v));
    }
    return true;
  };
  if (!pairs([&](std::string n, std::string v) { s.alert.labels.set(n, v); })) return std::nullopt;
  if (!pairs([&](std::string n, std::string v) {
        s.alert.annotations.emplace_back(std::move(n), std::move(v));
      }))
    return std::nullopt;
  if (f.next != f.items.size()) return std::nullopt;
  return s;
}

}  // namespace

std::string encode_alert_state(const std::vector<SavedAlert>& alerts) {
  std::string out(kHeader);
  out += '\n';
  for (const auto& s : alerts) {
    const Alert& a = s.alert;
    out += "alert " + escape(s.file) + " " + escape(s.group) + " " + escape(s.rule) + " " +
           std::string(state_name(a.state)) + " " + std::to_string(a.active_at) + " " +
           time_field(a.fired_at) + " " + time_field(a.resolved_at) + " " +
           time_field(a.keep_firing_since) + " " + time_field(a.last_sent_at) + " " +
           time_field(a.valid_until) + " " + value_field(a.value);
    out += " " + std::to_string(a.labels.size());
    for (const auto& l : a.labels.items()) out += " " + escape(l.name) + " " + escape(l.value);
    out += " " + std::to_string(a.annotations.size());
    for (const auto& [n, v] : a.annotations) out += " " + escape(n) + " " + escape(v);
    out += '\n';
  }
  return out;
}

std::variant<std::vector<SavedAlert>, std::string> decode_alert_state(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kHeader)
    return std::string("not a hawatch alert state file (no \"") + std::string(kHeader) +
           "\" header)";
  std::vector<SavedAlert> alerts;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto alert = parse_line(line);
    if (!alert) return "line " + std::to_string(number) + ": malformed alert record";
    alerts.push_back(std::move(*alert));
  }
  return alerts;
}

std::string write_alert_state_file(const std::string& path, const std::vector<SavedAlert>& alerts) {
  const std::string text = encode_alert_state(alerts);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return tmp + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string err = tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return err;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return tmp + ": " + std::strerror(errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return err;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

std::variant<std::vector<SavedAlert>, std::string> read_alert_state_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<SavedAlert>{};
  auto text = read_bounded(path, kMaxStateBytes);
  if (auto* e = std::get_if<FileError>(&text)) return e->to_string();
  auto decoded = decode_alert_state(std::get<std::string>(text));
  if (auto* e = std::get_if<std::string>(&decoded)) return path + ": " + *e;
  return decoded;
}

}  // namespace hawatch::rules
