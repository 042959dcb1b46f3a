#include "notify/notification_log.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <openssl/evp.h>

#include <cstdio>

#include "core/file_io.h"
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
  std::error_code ec;
  if (options_.file.empty()) return;
  std::filesystem::create_directories(options_.file.parent_path(), ec);
  if (!std::filesystem::exists(options_.file, ec)) return;
  try {
    Poco::JSON::Parser parser;
    const auto root =
        parser.parse(read_file(options_.file, 64 << 20)).extract<Poco::JSON::Object::Ptr>();
    const auto list = root->getArray("entries");
    if (!list) throw std::runtime_error("no entries list");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto o = list->getObject(static_cast<unsigned>(i));
      if (!o) throw std::runtime_error("entry is not an object");
      const auto timestamp = time_from_unix_ms(o->getValue<std::int64_t>("timestamp"));
      if (!timestamp) throw std::runtime_error("entry timestamp out of range");
      NotificationEntry e{read_fps(o->getArray("firing")), read_fps(o->getArray("resolved")),
                          *timestamp};
      entries_[o->getValue<std::string>("key")] = std::move(e);
    }
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(options_.file.string() + ": bad notification log: " + e.displayText());
  } catch (const std::exception& e) {
    throw std::runtime_error(options_.file.string() + ": bad notification log: " + e.what());
  }
}

std::optional<NotificationEntry> NotificationLog::query(const std::string& group_key,
                                                        const std::string& receiver_key) const {
  const std::lock_guard lock(mutex_);
  auto it = entries_.find(entry_key(group_key, receiver_key));
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void NotificationLog::log(const std::string& group_key, const std::string& receiver_key,
                          std::vector<Fingerprint> firing, std::vector<Fingerprint> resolved,
                          Time now) {
  const std::lock_guard lock(mutex_);
  auto next = entries_;
  next[entry_key(group_key, receiver_key)] = {std::move(firing), std::move(resolved), now};
  save(next);
  entries_ = std::move(next);
}

std::size_t NotificationLog::gc(Time now) {
  const std::lock_guard lock(mutex_);
  auto next = entries_;
  const std::size_t n = std::erase_if(
      next, [&](const auto& e) { return e.second.timestamp + options_.retention < now; });
  if (n) {
    save(next);
    entries_ = std::move(next);
  }
  return n;
}

std::size_t NotificationLog::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

void NotificationLog::save(const std::map<std::string, NotificationEntry>& entries) const {
  if (options_.file.empty()) return;
  JsonWriter w;
  w.begin_object().key("version").value(1).key("entries").begin_array();
  for (const auto& [key, e] : entries) {
    w.begin_object().key("key").value(key).key("timestamp").value(to_ms(e.timestamp));
    w.key("firing");
    write_fps(w, e.firing);
    w.key("resolved");
    write_fps(w, e.resolved);
    w.end_object();
  }
  w.end_array().end_object();
  write_file_atomically(options_.file, w.take() + "\n");
}

}  // namespace hawatch::alerting
