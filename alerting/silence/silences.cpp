#include "silence/silences.h"

#include <Poco/UUIDGenerator.h>

#include <algorithm>

#include "core/file_io.h"
#include "model/utf8.h"
#include "persist/atomic_file.h"

namespace hawatch::alerting {

std::string_view to_string(SilenceState state) {
  switch (state) {
    case SilenceState::pending:
      return "pending";
    case SilenceState::active:
      return "active";
    case SilenceState::expired:
      return "expired";
  }
  return "unknown";
}

SilenceState Silence::state(Time now) const {
  if (now < starts_at) return SilenceState::pending;
  if (now > ends_at) return SilenceState::expired;
  return SilenceState::active;
}

namespace {

constexpr std::size_t kMaxText = 64 * 1024;
constexpr std::size_t kMaxFile = 64 << 20;

std::string new_id() {
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

bool can_update(const Silence& old, const Silence& next, Time now) {
  if (!(old.matchers == next.matchers)) return false;
  switch (old.state(now)) {
    case SilenceState::active:
      return next.starts_at == old.starts_at && next.ends_at >= now;
    case SilenceState::pending:
      return next.starts_at >= now;
    case SilenceState::expired:
      return false;
  }
  return false;
}

}  // namespace

Silences::Silences(Options options, Time now) : options_(std::move(options)) {
  if (options_.file.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.file.parent_path(), ec);
  if (!std::filesystem::exists(options_.file, ec)) return;
  try {
    silences_ = decode_silences(read_file(options_.file, kMaxFile));
  } catch (const std::exception& e) {
    throw std::runtime_error(options_.file.string() + ": " + e.what());
  }
  gc(now);
}

void Silences::validate(const Silence& s) const {
  using K = SilenceError::Kind;
  if (s.matchers.empty()) throw SilenceError(K::invalid, "a silence needs at least one matcher");
  const bool all_match_empty = std::all_of(s.matchers.begin(), s.matchers.end(),
                                           [](const Matcher& m) { return m.matches(""); });
  if (all_match_empty) {
    throw SilenceError(K::invalid, "at least one matcher must not match the empty string");
  }
  for (const Matcher& m : s.matchers) {
    if (!valid_utf8(m.name()) || !valid_utf8(m.value()) || !valid_utf8(s.comment) ||
        !valid_utf8(s.created_by)) {
      throw SilenceError(K::invalid, "matchers, comment and createdBy must be UTF-8");
    }
  }
  if (s.starts_at == Time{} || s.ends_at == Time{}) {
    throw SilenceError(K::invalid, "startsAt and endsAt are required");
  }
  if (s.ends_at < s.starts_at) throw SilenceError(K::invalid, "endsAt is before startsAt");
  if (s.comment.size() > kMaxText || s.created_by.size() > kMaxText) {
    throw SilenceError(K::invalid, "comment or createdBy longer than 64 KiB");
  }
}

std::string Silences::set(Silence silence, Time now) {
  validate(silence);
  const std::lock_guard lock(mutex_);
  std::vector<Silence> next = silences_;
  silence.updated_at = now;
  if (!silence.id.empty()) {
    auto it = std::find_if(next.begin(), next.end(),
                           [&](const Silence& s) { return s.id == silence.id; });
    if (it == next.end()) {
      throw SilenceError(SilenceError::Kind::not_found, "silence " + silence.id + " not found");
    }
    if (can_update(*it, silence, now)) {
      *it = silence;
      commit(std::move(next));
      return silence.id;
    }
    if (it->state(now) != SilenceState::expired) {  // replaced: the old one ends now
      if (it->state(now) == SilenceState::pending) it->starts_at = now;
      it->ends_at = now;
      it->updated_at = now;
    }
  }
  if (next.size() >= options_.max_silences) {
    throw SilenceError(SilenceError::Kind::invalid,
                       "too many silences (" + std::to_string(next.size()) + ")");
  }
  silence.id = new_id();
  if (silence.starts_at < now) silence.starts_at = now;
  if (silence.ends_at < silence.starts_at) silence.ends_at = silence.starts_at;
  next.push_back(silence);
  commit(std::move(next));
  return silence.id;
}

void Silences::expire(const std::string& id, Time now) {
  const std::lock_guard lock(mutex_);
  std::vector<Silence> next = silences_;
  auto it = std::find_if(next.begin(), next.end(), [&](const Silence& s) { return s.id == id; });
  if (it == next.end())
    throw SilenceError(SilenceError::Kind::not_found, "silence " + id + " not found");
  switch (it->state(now)) {
    case SilenceState::expired:
      throw SilenceError(SilenceError::Kind::invalid, "silence " + id + " already expired");
    case SilenceState::pending:
      it->starts_at = now;
      [[fallthrough]];
    case SilenceState::active:
      it->ends_at = now;
  }
  it->updated_at = now;
  commit(std::move(next));
}

void Silences::commit(std::vector<Silence> next) {
  if (!options_.file.empty()) write_file_atomically(options_.file, encode_silences(next));
  silences_ = std::move(next);
}

std::optional<Silence> Silences::get(const std::string& id) const {
  const std::lock_guard lock(mutex_);
  for (const Silence& s : silences_)
    if (s.id == id) return s;
  return std::nullopt;
}

std::vector<Silence> Silences::list() const {
  const std::lock_guard lock(mutex_);
  return silences_;
}

std::vector<std::string> Silences::muted_by(const LabelSet& labels, Time now) const {
  const std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const Silence& s : silences_) {
    if (s.state(now) == SilenceState::active && matches_all(s.matchers, labels))
      out.push_back(s.id);
  }
  return out;
}

std::size_t Silences::gc(Time now) {
  const std::lock_guard lock(mutex_);
  std::vector<Silence> next = silences_;
  const std::size_t dropped =
      std::erase_if(next, [&](const Silence& s) { return s.ends_at + options_.retention < now; });
  if (dropped) commit(std::move(next));
  return dropped;
}

}  // namespace hawatch::alerting
