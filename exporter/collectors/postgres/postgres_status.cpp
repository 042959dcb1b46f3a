#include "postgres_status.h"

#include <algorithm>
#include <set>

#include "core/parse.h"

namespace hawatch::pg {
namespace {

// Reads the columns of one row by position, naming the query and column in errors.
class RowReader {
 public:
  RowReader(const Row& row, std::string_view source, std::size_t columns) : row_(row), source_(source) {
    if (row.size() != columns)
      throw ParseError(source_, "expected " + std::to_string(columns) + " columns, got " +
                                    std::to_string(row.size()));
  }

  const std::optional<std::string>& text(std::size_t i) const { return row_[i]; }

  std::string string(std::size_t i) const { return row_[i].value_or(""); }

  std::optional<double> number(std::size_t i) const {
    if (!row_[i]) return std::nullopt;
    if (auto v = to_double(*row_[i])) return v;
    throw bad(i, "not a number");
  }

  std::optional<long long> integer(std::size_t i) const {
    if (!row_[i]) return std::nullopt;
    if (auto v = to_int64(*row_[i])) return *v;
    throw bad(i, "not an integer");
  }

  std::optional<bool> boolean(std::size_t i) const {
    if (!row_[i]) return std::nullopt;
    if (*row_[i] == "t") return true;
    if (*row_[i] == "f") return false;
    throw bad(i, "not a boolean");
  }

 private:
  ParseError bad(std::size_t i, std::string_view what) const {
    // Values are database output, not secrets; cut them short anyway.
    return ParseError(source_, "column " + std::to_string(i + 1) + ": " + std::string(what) + " (\"" +
                                   row_[i]->substr(0, 40) + "\")");
  }

  const Row& row_;
  std::string_view source_;
};

bool is_identifier(std::string_view part) {
  if (part.empty() || part.size() > 63) return false;
  // Lower case only: quoted (as hawatch writes it) and unquoted (as an admin types it) then name
  // the same table.
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!(lower(part.front()) || part.front() == '_')) return false;
  return std::all_of(part.begin(), part.end(),
                     [&](char c) { return lower(c) || digit(c) || c == '_' || c == '$'; });
}

}  // namespace

bool parse_is_in_recovery(const Rows& rows) {
  if (rows.size() != 1) throw ParseError("pg_is_in_recovery()", "expected one row");
  const auto v = RowReader(rows[0], "pg_is_in_recovery()", 1).boolean(0);
  if (!v) throw ParseError("pg_is_in_recovery()", "NULL");
  return *v;
}

std::vector<WalSender> parse_wal_senders(const Rows& rows) {
  std::vector<WalSender> out;
  for (const auto& row : rows) {
    const RowReader r(row, "pg_stat_replication", 10);
    WalSender s;
    s.pid = r.integer(0).value_or(0);
    s.application_name = r.string(1);
    s.state = r.string(2);
    s.replay_lsn = r.number(3);
    s.replay_lag_bytes = r.number(4);
    s.flush_lag_bytes = r.number(5);
    s.write_lag_bytes = r.number(6);
    s.write_lag_seconds = r.number(7);
    s.flush_lag_seconds = r.number(8);
    s.replay_lag_seconds = r.number(9);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<ReplicationSlot> parse_slots(const Rows& rows) {
  std::vector<ReplicationSlot> out;
  for (const auto& row : rows) {
    const RowReader r(row, "pg_replication_slots", 5);
    ReplicationSlot s;
    s.name = r.string(0);
    s.type = r.string(1);
    s.active = r.boolean(2).value_or(false);
    s.active_pid = r.integer(3);
    s.retained_bytes = r.number(4);
    out.push_back(std::move(s));
  }
  return out;
}

StandbyStatus parse_standby_status(const Rows& rows) {
  if (rows.size() != 1) throw ParseError("standby status", "expected one row");
  const RowReader r(rows[0], "standby status", 6);
  StandbyStatus s;
  s.receive_lsn = r.number(0);
  s.replay_lsn = r.number(1);
  s.replay_paused = r.boolean(2).value_or(false);
  s.last_replay_timestamp = r.number(3);
  s.seconds_since_last_replay = r.number(4);
  s.wal_receiver_status = r.text(5);
  return s;
}

std::optional<double> standby_lag_seconds(const StandbyStatus& s) {
  const bool all_applied = s.receive_lsn && s.replay_lsn && *s.replay_lsn >= *s.receive_lsn;
  if (s.streaming() && all_applied) return 0.0;
  if (!s.seconds_since_last_replay) return std::nullopt;
  // The primary's commit clock may be slightly ahead of ours; never report a negative lag.
  return std::max(0.0, *s.seconds_since_last_replay);
}

std::optional<double> primary_lag_seconds(const WalSender* sender, std::optional<double> stuck_seconds) {
  if (!sender) return std::nullopt;
  if (sender->replay_lag_bytes && *sender->replay_lag_bytes <= 0) return 0.0;
  if (!sender->replay_lag_seconds && !stuck_seconds) return std::nullopt;
  return std::max(sender->replay_lag_seconds.value_or(0.0), stuck_seconds.value_or(0.0));
}

std::optional<double> ReplayProgress::observe(const WalSender& sender, Clock::time_point now) {
  if (!sender.replay_lsn || !sender.replay_lag_bytes) {
    seen_.erase(sender.application_name);
    return std::nullopt;
  }
  auto [it, inserted] = seen_.try_emplace(sender.application_name, Seen{*sender.replay_lsn, now});
  if (inserted || it->second.replay_lsn != *sender.replay_lsn || *sender.replay_lag_bytes <= 0) {
    it->second = Seen{*sender.replay_lsn, now};
    return 0.0;
  }
  return std::chrono::duration<double>(now - it->second.since).count();
}

void ReplayProgress::keep_only(const std::vector<std::string>& present) {
  std::erase_if(seen_, [&](const auto& entry) {
    return std::find(present.begin(), present.end(), entry.first) == present.end();
  });
}

std::vector<std::string> standby_names(const std::vector<WalSender>& senders,
                                       const std::vector<ReplicationSlot>& slots,
                                       const std::vector<std::string>& expected,
                                       std::map<std::string, std::string>& slot_users) {
  std::set<std::string> names(expected.begin(), expected.end());
  for (const auto& s : senders)
    if (s.state != "backup") names.insert(s.application_name);
  std::map<std::string, std::string> users;
  for (const auto& slot : slots) {
    if (slot.type != "physical") continue;
    std::string user = slot.name;
    if (auto known = slot_users.find(slot.name); known != slot_users.end()) user = known->second;
    if (slot.active_pid) {
      for (const auto& s : senders)
        if (s.pid == *slot.active_pid && s.state != "backup") user = s.application_name;
    }
    users[slot.name] = user;
    names.insert(user);
  }
  slot_users = std::move(users);  // dropped slots are forgotten
  return {names.begin(), names.end()};
}

std::optional<std::vector<std::string>> split_table_name(std::string_view name) {
  std::vector<std::string> parts;
  while (true) {
    const auto dot = name.find('.');
    const auto part = name.substr(0, dot);
    if (!is_identifier(part)) return std::nullopt;
    parts.emplace_back(part);
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  if (parts.size() > 2) return std::nullopt;
  return parts;
}

}  // namespace hawatch::pg
