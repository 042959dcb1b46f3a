#pragma once
// Silences (Alertmanager silence/silence.go): matchers muting alerts between startsAt and endsAt.
// Created, updated and expired through the API; every change is written to one state file
// atomically before it is acknowledged, and the file is read back at start. Expired silences stay
// listed for `retention`, then go.

#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "matchers/matcher.h"
#include "model/alert.h"

namespace hawatch::alerting {

enum class SilenceState { pending, active, expired };
std::string_view to_string(SilenceState state);

struct Silence {
  std::string id;  // a random UUID, given on creation
  Matchers matchers;
  Time starts_at{};
  Time ends_at{};
  Time updated_at{};
  std::string created_by;
  std::string comment;

  // As Alertmanager: active from starts_at up to and including ends_at.
  SilenceState state(Time now) const;
};

// A rejected silence (bad matchers or times, unknown id): the API's 400 / 404.
class SilenceError : public std::runtime_error {
 public:
  enum class Kind { invalid, not_found };
  SilenceError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class Silences {
 public:
  struct Options {
    std::filesystem::path file;  // empty: kept in memory only
    Duration retention = std::chrono::hours(120);
    std::size_t max_silences = 10000;
  };

  // Loads `options.file` when it exists; throws std::runtime_error naming it when it is corrupt.
  explicit Silences(Options options, Time now = Clock::now());

  // Creates (empty id) or updates a silence and returns its id. As Alertmanager, a change an
  // active silence cannot take in place (other matchers, a new start) expires it and creates a
  // new one. Throws SilenceError, or hawatch::IoError when the state cannot be written (then
  // nothing changed).
  std::string set(Silence silence, Time now);
  void expire(const std::string& id, Time now);

  std::optional<Silence> get(const std::string& id) const;
  std::vector<Silence> list() const;
  // Ids of the active silences muting `labels`.
  std::vector<std::string> muted_by(const LabelSet& labels, Time now) const;
  bool mutes(const LabelSet& labels, Time now) const { return !muted_by(labels, now).empty(); }
  // Drops silences expired longer than the retention ago; returns how many.
  std::size_t gc(Time now);

 private:
  void validate(const Silence& s) const;
  void commit(std::vector<Silence> next);  // persist, then take

  Options options_;
  mutable std::mutex mutex_;
  std::vector<Silence> silences_;
};

// The state file's text and back (JSON: a list of silences, times in Unix milliseconds).
std::string encode_silences(const std::vector<Silence>& silences);
std::vector<Silence> decode_silences(const std::string& text);  // throws std::runtime_error

}  // namespace hawatch::alerting
