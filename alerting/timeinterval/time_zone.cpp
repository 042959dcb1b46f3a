#include "timeinterval/time_zone.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hawatch::alerting {

namespace {

class Reader {
 public:
  Reader(const std::string& data, const std::string& name) : data_(data), name_(name) {}
  std::uint32_t u32() { return static_cast<std::uint32_t>(be(4)); }
  std::int64_t i64() { return static_cast<std::int64_t>(be(8)); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(be(1)); }
  void skip(std::size_t n) {
    need(n);
    pos_ += n;
  }
  void expect_magic() {
    need(5);
    if (data_.compare(pos_, 4, "TZif") != 0) fail("not a TZif file");
    pos_ += 4;
  }
  char version() { return static_cast<char>(u8()); }

 private:
  std::uint64_t be(std::size_t n) {
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    pos_ += n;
    return v;
  }
  void need(std::size_t n) const {
    if (data_.size() - pos_ < n) fail("truncated TZif data");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("time zone " + name_ + ": " + what);
  }
  const std::string& data_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

struct Counts {
  std::uint32_t isut, isstd, leap, time, type, chars;
};

Counts read_header(Reader& r) {
  r.expect_magic();
  r.version();
  r.skip(15);
  Counts c{r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()};
  return c;
}

bool safe_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '/') return false;
  if (name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = [] {
    auto z = std::make_shared<TimeZone>();
    z->name_ = "UTC";
    return z;
  }();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::load(const std::string& name,
                                               const std::string& zoneinfo) {
  if (name.empty() || name == "UTC") return utc();
  std::string path;
  if (name == "Local") {
    path = "/etc/localtime";
  } else if (safe_name(name)) {
    path = zoneinfo + "/" + name;
  } else {
    throw std::runtime_error("time zone " + name + ": not a zone name");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("time zone " + name + ": cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (buf.str().size() > (1 << 20)) throw std::runtime_error("time zone " + name + ": too large");
  return from_tzif(name, buf.str());
}

std::shared_ptr<const TimeZone> TimeZone::from_tzif(const std::string& name,
                                                    const std::string& data) {
  Reader r(data, name);
  Counts v1 = read_header(r);
  // Version 1 data (32-bit times): skipped when a 64-bit block follows, as every file made since
  // 2005 has.
  const std::size_t v1_size =
      v1.time * 5ull + v1.type * 6ull + v1.chars + v1.leap * 8ull + v1.isstd + v1.isut;
  const char version = data.size() > 4 ? data[4] : 0;
  auto zone = std::make_shared<TimeZone>();
  zone->name_ = name;
  Counts c = v1;
  bool wide = false;
  if (version >= '2') {
    r.skip(v1_size);
    c = read_header(r);
    wide = true;
  }
  if (c.type == 0 || c.type > 256 || c.time > 100000) {
    throw std::runtime_error("time zone " + name + ": bad TZif counts");
  }
  for (std::uint32_t i = 0; i < c.time; ++i) {
    zone->transitions_.push_back(wide ? r.i64() : static_cast<std::int32_t>(r.u32()));
  }
  for (std::uint32_t i = 0; i < c.time; ++i) {
    const std::uint8_t t = r.u8();
    if (t >= c.type) throw std::runtime_error("time zone " + name + ": bad transition type");
    zone->types_.push_back(t);
  }
  for (std::uint32_t i = 0; i < c.type; ++i) {
    zone->offsets_.push_back(static_cast<std::int32_t>(r.u32()));
    r.skip(2);  // isdst, abbreviation index
  }
  if (!std::is_sorted(zone->transitions_.begin(), zone->transitions_.end())) {
    throw std::runtime_error("time zone " + name + ": transitions out of order");
  }
  zone->initial_offset_ = zone->offsets_.front();
  return zone;
}

std::int32_t TimeZone::offset_at(std::int64_t unix_seconds) const {
  // After the last transition the last type holds; the POSIX-TZ footer (rules beyond the table)
  // is not read, which matters only for zones whose files end their table early ("slim" TZif).
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), unix_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[types_[static_cast<std::size_t>(it - transitions_.begin() - 1)]];
}

}  // namespace hawatch::alerting
