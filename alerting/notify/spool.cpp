#include "notify/spool.h"

#include <Poco/UUIDGenerator.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/file_io.h"
#include "core/log.h"
#include "persist/atomic_file.h"

namespace hawatch::alerting {

// ---- record files -------------------------------------------------------------------------------
// "hawatch-spool 1\n", "name: value\n" lines (values percent-escaped), a blank line, the body of
// body_bytes bytes. Text so an operator can read a stuck record; exact lengths so a torn file is
// detected (a rename makes that unlikely, but a disk can still lie).

namespace {

constexpr std::string_view kMagic = "hawatch-spool 1\n";
constexpr std::string_view kExtension = ".rec";

std::string escape(std::string_view s) {
  std::string out;
  static const char* hex = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '%' || c < 0x21 || c > 0x7e) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned v = 0;
    if (i + 2 >= s.size()) throw std::runtime_error("bad escape");
    auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || p != s.data() + i + 3) throw std::runtime_error("bad escape");
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

std::int64_t to_ms(Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::int64_t parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) throw std::runtime_error("bad number");
  return v;
}

bool valid_key(std::string_view key) {
  return !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
  });
}

}  // namespace

std::string encode_spool_record(const SpoolRecord& r) {
  std::string out(kMagic);
  out += "key: " + r.key + "\n";
  out += "receiver: " + escape(r.receiver) + "\n";
  out += "integration: " + escape(r.integration) + "\n";
  out += "created_ms: " + std::to_string(to_ms(r.created)) + "\n";
  out += "deadline_ms: " + std::to_string(to_ms(r.deadline)) + "\n";
  out += "body_bytes: " + std::to_string(r.body.size()) + "\n\n";
  return out + r.body;
}

namespace {
Time time_field(std::int64_t ms, const char* name) {
  if (auto t = time_from_unix_ms(ms)) return *t;
  throw std::runtime_error(std::string(name) + " out of range");
}
}  // namespace

SpoolRecord decode_spool_record(const std::string& text) {
  if (text.compare(0, kMagic.size(), kMagic) != 0) throw std::runtime_error("not a spool record");
  SpoolRecord r;
  std::size_t pos = kMagic.size();
  std::map<std::string, std::string> fields;
  for (;;) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) throw std::runtime_error("truncated header");
    const std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) break;
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos) throw std::runtime_error("bad header line");
    fields[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
  }
  auto field = [&](const char* name) -> const std::string& {
    auto it = fields.find(name);
    if (it == fields.end()) throw std::runtime_error(std::string("missing ") + name);
    return it->second;
  };
  r.key = field("key");
  if (!valid_key(r.key)) throw std::runtime_error("bad key");
  r.receiver = unescape(field("receiver"));
  r.integration = unescape(field("integration"));
  r.created = time_field(parse_int(field("created_ms")), "created_ms");
  r.deadline = time_field(parse_int(field("deadline_ms")), "deadline_ms");
  const std::int64_t size = parse_int(field("body_bytes"));
  if (size < 0 || static_cast<std::size_t>(size) != text.size() - pos) {
    throw std::runtime_error("body length does not match (torn write?)");
  }
  r.body = text.substr(pos);
  return r;
}

// ---- the spool ----------------------------------------------------------------------------------

Spool::Spool(Options options, Resolver resolver, Time now, std::uint64_t seed)
    : options_(std::move(options)), resolver_(std::move(resolver)), rng_(seed) {
  std::error_code ec;
  std::filesystem::create_directories(options_.directory, ec);
  if (ec) throw IoError(options_.directory, ec.value());
  replay(now);
}

std::filesystem::path Spool::path_of(const std::string& key) const {
  return options_.directory / (key + std::string(kExtension));
}

void Spool::replay(Time now) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.directory, ec)) {
    const auto& p = entry.path();
    const std::string name = p.filename().string();
    if (name.find(".tmp.") != std::string::npos) {  // an enqueue that never returned
      std::filesystem::remove(p, ec);
      continue;
    }
    if (p.extension() != kExtension) continue;
    try {
      SpoolRecord r = decode_spool_record(read_file(p, options_.max_body_bytes + 4096));
      if (r.key != p.stem().string()) throw std::runtime_error("key does not match file name");
      r.next_attempt = now;
      bytes_ += r.body.size();
      records_[r.key] = std::move(r);
    } catch (const std::exception& e) {
      ++totals_.corrupt;
      log::error("spool: unreadable record set aside", {{"file", p.string()}, {"err", e.what()}});
      std::filesystem::rename(p, p.string() + ".corrupt", ec);
    }
  }
  if (ec) throw IoError(options_.directory, ec.value());
  if (!records_.empty()) {
    log::info("spool: replaying notifications", {{"count", std::to_string(records_.size())}});
  }
}

SpoolCounters& Spool::counters_for(const SpoolRecord& r) {
  return counters_[{r.receiver, r.integration}];
}

std::string Spool::enqueue(const std::string& receiver, const std::string& integration,
                           std::string body, Time now) {
  SpoolRecord r;
  r.key = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  r.receiver = receiver;
  r.integration = integration;
  r.body = std::move(body);
  r.created = now;
  r.deadline = now + options_.deadline;
  r.next_attempt = now;
  const std::lock_guard lock(mutex_);
  auto refuse = [&](const std::string& why) {
    ++totals_.write_errors;
    ++counters_for(r).write_errors;
    log::error("spool: notification not accepted",
               {{"receiver", receiver}, {"integration", integration}, {"err", why}});
    throw SpoolError("spool " + options_.directory.string() + ": " + why);
  };
  if (r.body.size() > options_.max_body_bytes) refuse("notification larger than the limit");
  if (bytes_ + r.body.size() > options_.max_bytes) refuse("spool full");
  try {
    write_file_atomically(path_of(r.key), encode_spool_record(r));
  } catch (const IoError& e) {
    refuse(e.what());
  }
  bytes_ += r.body.size();
  ++totals_.enqueued;
  ++counters_for(r).enqueued;
  const std::string key = r.key;
  records_[key] = std::move(r);
  return key;
}

Duration Spool::backoff(int attempts) {
  const double base = static_cast<double>(options_.initial_backoff.count()) *
                      std::pow(2.0, std::min(attempts - 1, 30));
  const double capped = std::min(base, static_cast<double>(options_.max_backoff.count()));
  std::uniform_real_distribution<double> spread(1.0 - options_.jitter, 1.0 + options_.jitter);
  return Duration(static_cast<Duration::rep>(capped * spread(rng_)));
}

void Spool::finish(std::string key) {  // by value: callers pass the record's own key
  auto it = records_.find(key);
  if (it == records_.end()) return;
  bytes_ -= it->second.body.size();
  records_.erase(it);
  std::error_code ec;
  std::filesystem::remove(path_of(key), ec);
  // A crash before the unlink is durable means one more delivery: at-least-once, as promised.
  if (ec) log::warn("spool: cannot remove record", {{"key", key}, {"err", ec.message()}});
}

std::size_t Spool::deliver_due(Time now) {
  std::vector<SpoolRecord> due;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, r] : records_)
      if (r.next_attempt <= now) due.push_back(r);
  }
  std::vector<std::pair<SpoolRecord, std::string>> given_up;
  for (const SpoolRecord& r : due) {
    Integration* target = resolver_(r.receiver, r.integration);
    DeliveryResult result{DeliveryResult::Outcome::permanent, "integration no longer configured"};
    if (target) result = target->deliver(r.body, r.key);
    if (result.outcome == DeliveryResult::Outcome::delivered && options_.on_delivered) {
      options_.on_delivered(r, std::chrono::duration_cast<Duration>(now - r.created));
    }
    const std::lock_guard lock(mutex_);
    auto it = records_.find(r.key);
    if (it == records_.end()) continue;
    SpoolRecord& rec = it->second;
    SpoolCounters& c = counters_for(rec);
    ++rec.attempts;
    ++c.attempts;
    ++totals_.attempts;
    const std::initializer_list<log::Field> fields{{"receiver", rec.receiver},
                                                   {"integration", rec.integration},
                                                   {"key", rec.key},
                                                   {"attempts", std::to_string(rec.attempts)},
                                                   {"detail", result.detail}};
    c.last_failed = result.outcome != DeliveryResult::Outcome::delivered;
    c.last_failure = c.last_failed ? result.detail : std::string();
    if (result.outcome == DeliveryResult::Outcome::delivered) {
      ++c.delivered;
      ++totals_.delivered;
      finish(rec.key);
      continue;
    }
    ++c.failed_attempts;
    ++totals_.failed_attempts;
    const Time next = now + backoff(rec.attempts);
    if (result.outcome == DeliveryResult::Outcome::permanent || next > rec.deadline) {
      ++c.given_up;
      ++totals_.given_up;
      log::error("notification given up", fields);
      if (options_.on_given_up) given_up.emplace_back(rec, result.detail);
      finish(rec.key);
      continue;
    }
    log::warn("notification attempt failed, will retry", fields);
    rec.next_attempt = next;
  }
  for (const auto& [record, detail] : given_up) options_.on_given_up(record, detail);
  return due.size();
}

std::optional<Time> Spool::next_due() const {
  const std::lock_guard lock(mutex_);
  std::optional<Time> next;
  for (const auto& [key, r] : records_)
    if (!next || r.next_attempt < *next) next = r.next_attempt;
  return next;
}

std::size_t Spool::size() const {
  const std::lock_guard lock(mutex_);
  return records_.size();
}

std::vector<SpoolRecord> Spool::records() const {
  const std::lock_guard lock(mutex_);
  std::vector<SpoolRecord> out;
  for (const auto& [key, r] : records_) out.push_back(r);
  return out;
}

SpoolCounters Spool::totals() const {
  const std::lock_guard lock(mutex_);
  return totals_;
}

std::map<Spool::CounterKey, SpoolCounters> Spool::counters() const {
  const std::lock_guard lock(mutex_);
  return counters_;
}

// ---- worker -------------------------------------------------------------------------------------

SpoolWorker::SpoolWorker(Spool& spool) : spool_(spool), thread_([this] { run(); }) {}

SpoolWorker::~SpoolWorker() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SpoolWorker::wake() {
  {
    const std::lock_guard lock(mutex_);
    poked_ = true;
  }
  cv_.notify_all();
}

void SpoolWorker::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    const auto next = spool_.next_due();
    const auto until = next ? *next : Clock::now() + std::chrono::seconds(60);
    cv_.wait_until(lock, until, [&] { return stop_ || poked_; });
    if (stop_) break;
    poked_ = false;
    lock.unlock();
    spool_.deliver_due(Clock::now());
    lock.lock();
  }
}

}  // namespace hawatch::alerting
