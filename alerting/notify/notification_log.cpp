#include "notify/notification_log.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>

#include "core/file_io.h"
#include "core/log.h"
#include "model/json_writer.h"
#include "persist/atomic_file.h"

namespace hawatch::alerting {

namespace {

std::int64_t to_ms(Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void write_fps(JsonWriter& w, const std::vector<Fingerprint>& fps) {
  w.begin_array();
  for (Fingerprint fp : fps) w.value(format_fingerprint(fp));
  w.end_array();
}

std::vector<Fingerprint> read_fps(const Poco::JSON::Array::Ptr& a) {
  std::vector<Fingerprint> out;
  if (!a) throw std::runtime_error("missing fingerprint list");
  for (std::size_t i = 0; i < a->size(); ++i) {
    out.push_back(std::stoull(a->getElement<std::string>(static_cast<unsigned>(i)), nullptr, 16));
  }
  return out;
}

constexpr std::string_view kHeader = "hawatch-nflog 2";
constexpr std::uint64_t kMaxFileBytes = 256 << 20;
constexpr std::size_t kMaxVersion1Bytes = 64 << 20;
constexpr std::size_t kMaxKeyBytes = 128;
// Below this much garbage the file is not rewritten: a small log would be rewritten every few
// changes otherwise.
constexpr std::uint64_t kCompactSlack = 64 << 10;

// The framed record's size for a payload of `n` bytes (persist/record_log.h's layout).
std::size_t framed_size(std::size_t n) {
  return std::to_string(n).size() + 1 + 8 + 1 + n + 1;
}

std::string entry_json(const std::string& key, const NotificationEntry& e) {
  JsonWriter w;
  w.begin_object().key("key").value(key).key("timestamp").value(to_ms(e.timestamp));
  w.key("firing");
  write_fps(w, e.firing);
  w.key("resolved");
  write_fps(w, e.resolved);
  w.end_object();
  return w.take();
}

NotificationEntry read_entry(const Poco::JSON::Object::Ptr& o) {
  const auto timestamp = time_from_unix_ms(o->getValue<std::int64_t>("timestamp"));
  if (!timestamp) throw std::runtime_error("entry timestamp out of range");
  return {read_fps(o->getArray("firing")), read_fps(o->getArray("resolved")), *timestamp};
}

}  // namespace

std::string NotificationLog::entry_key(const std::string& group_key,
                                       const std::string& receiver_key) {
  const std::string input = group_key + '\0' + receiver_key;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

NotificationLog::NotificationLog(Options options) : options_(std::move(options)) {
  if (options_.file.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.file.parent_path(), ec);
  if (std::filesystem::exists(options_.file, ec)) load();
  // At start the file is rewritten with the live entries only: no garbage, no torn tail, and a
  // version-1 file becomes version 2.
  compact(entries_);
}

void NotificationLog::load() {
  std::string head;
  {
    std::ifstream in(options_.file, std::ios::binary);
    char c = 0;
    if (in.get(c)) head.push_back(c);
  }
  if (head != "{") {
    // Errors name the file and the record's offset.
    const RecordScan scan = scan_records(
        options_.file, kHeader, [this](std::string_view p) { apply_record(p); }, kMaxFileBytes);
    if (!scan.torn_tail.empty()) {
      log::warn("notification log: torn last record dropped",
                {{"file", options_.file.string()}, {"reason", scan.torn_tail}});
    }
    return;
  }
  try {
    load_version1(read_file(options_.file, kMaxVersion1Bytes));
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(options_.file.string() + ": bad notification log: " + e.displayText());
  } catch (const std::exception& e) {
    throw std::runtime_error(options_.file.string() + ": bad notification log: " + e.what());
  }
}

void NotificationLog::load_version1(const std::string& text) {
  Poco::JSON::Parser parser;
  const auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
  const auto list = root->getArray("entries");
  if (!list) throw std::runtime_error("no entries list");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto o = list->getObject(static_cast<unsigned>(i));
    if (!o) throw std::runtime_error("entry is not an object");
    const std::string key = o->getValue<std::string>("key");
    NotificationEntry e = read_entry(o);
    entries_[key] = {e, framed_size(entry_json(key, e).size())};
  }
  live_bytes_ = 0;
  for (const auto& [key, stored] : entries_) live_bytes_ += stored.record_bytes;
}

void NotificationLog::apply_record(std::string_view payload) {
  Poco::JSON::Object::Ptr o;
  try {
    Poco::JSON::Parser parser;
    o = parser.parse(std::string(payload)).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("not a JSON object: " + e.displayText());
  }
  if (!o) throw std::runtime_error("record is not an object");
  const std::string key = o->getValue<std::string>("key");
  if (key.empty() || key.size() > kMaxKeyBytes) throw std::runtime_error("bad entry key");
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    live_bytes_ -= it->second.record_bytes;
    entries_.erase(it);
  }
  if (o->has("deleted")) return;
  const std::size_t bytes = framed_size(payload.size());
  entries_[key] = {read_entry(o), bytes};
  live_bytes_ += bytes;
}

std::optional<NotificationEntry> NotificationLog::query(const std::string& group_key,
                                                        const std::string& receiver_key) const {
  const std::lock_guard lock(mutex_);
  auto it = entries_.find(entry_key(group_key, receiver_key));
  if (it == entries_.end()) return std::nullopt;
  return it->second.entry;
}

void NotificationLog::log(const std::string& group_key, const std::string& receiver_key,
                          std::vector<Fingerprint> firing, std::vector<Fingerprint> resolved,
                          Time now) {
  const std::string key = entry_key(group_key, receiver_key);
  NotificationEntry e{std::move(firing), std::move(resolved), now};
  std::string framed;
  try {
    framed = frame_record(entry_json(key, e));
  } catch (const std::exception& ex) {
    throw IoError(options_.file, std::string("notification log entry: ") + ex.what());
  }
  const std::size_t bytes = framed.size();
  const std::lock_guard lock(mutex_);
  persist(framed, {{key, Stored{std::move(e), bytes}}});
}

std::size_t NotificationLog::gc(Time now) {
  const std::lock_guard lock(mutex_);
  std::string framed;
  std::map<std::string, std::optional<Stored>> changes;
  for (const auto& [key, stored] : entries_) {
    if (stored.entry.timestamp + options_.retention >= now) continue;
    JsonWriter w;
    w.begin_object().key("key").value(key).key("deleted").value(true).end_object();
    framed += frame_record(w.take());
    changes[key] = std::nullopt;
  }
  const std::size_t n = changes.size();
  if (n) persist(framed, std::move(changes));
  return n;
}

std::size_t NotificationLog::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t NotificationLog::file_bytes() const {
  const std::lock_guard lock(mutex_);
  return file_ ? file_->size() : 0;
}

std::uint64_t NotificationLog::live_bytes() const {
  const std::lock_guard lock(mutex_);
  return live_bytes_;
}

void NotificationLog::persist(const std::string& framed,
                              std::map<std::string, std::optional<Stored>> changes) {
  std::uint64_t next_live = live_bytes_;
  for (const auto& [key, change] : changes) {
    if (auto it = entries_.find(key); it != entries_.end()) next_live -= it->second.record_bytes;
    if (change) next_live += change->record_bytes;
  }
  const auto apply = [&](std::map<std::string, Stored>& entries) {
    for (auto& [key, change] : changes) {
      if (change) {
        entries[key] = std::move(*change);
      } else {
        entries.erase(key);
      }
    }
  };
  if (!file_) {
    apply(entries_);
  } else if (file_->broken() || file_->size() + framed.size() > 2 * next_live + kCompactSlack) {
    auto next = entries_;
    apply(next);
    compact(next);
    entries_ = std::move(next);
  } else {
    file_->append(framed);
    apply(entries_);
  }
  live_bytes_ = next_live;
}

void NotificationLog::compact(const std::map<std::string, Stored>& entries) {
  if (options_.file.empty()) return;
  std::string data = std::string(kHeader) + "\n";
  for (const auto& [key, stored] : entries) data += frame_record(entry_json(key, stored.entry));
  write_file_atomically(options_.file, data);
  file_.reset();
  file_.emplace(options_.file, data.size());
}

}  // namespace hawatch::alerting
