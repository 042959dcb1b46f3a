#pragma once
// One failover group's decisions as a state machine fed with health results and time: no threads,
// no clock of its own, so every rule (flap protection, hold times, failback, dry run, CAS races,
// the split-brain guard, restart reconciliation) is tested by calling it. It talks to the DNS
// through the DnsUpdater it is given; each thing it decides is recorded as a Decision, which the
// service writes to the audit log and the log and turns into alerts.

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "group_config.h"

namespace hawatch::alerting::failover {

using Time = std::chrono::system_clock::time_point;

// unknown: not yet learnt from the served record (start, or the record holds neither address).
enum class State { unknown, primary, failing_over, failed_over, failing_back };
std::string_view to_string(State s);
std::optional<State> parse_state(std::string_view s);

inline constexpr std::array<UpdateResult, 7> kAllUpdateResults = {
    UpdateResult::ok,       UpdateResult::cas_lost, UpdateResult::refused, UpdateResult::notauth,
    UpdateResult::servfail, UpdateResult::timeout,  UpdateResult::error};

// What survives a restart (persisted.h stores it).
struct PersistedState {
  State state = State::unknown;
  Time last_change{};  // the last change of the group, for the hold times
  std::uint64_t transitions = 0;
  // Set while a change is being written (state failing_over or failing_back): why, and since
  // when. A restart that finds the record serving the target completes that change as ours, so
  // a kill -9 during the hook still counts the transition and tells the admin.
  std::string intent_reason;
  Time intent_at{};
};

// One entry of the audit trail.
struct Decision {
  Time at{};
  std::string action;  // fail_over, fail_back, held, adopted, reconciled, aborted, update,
                       // verified, not_verified, split_brain_guard, retry, gave_up, dry_run
  State from = State::unknown;
  State to = State::unknown;
  std::string reason;
  std::optional<UpdateResult> result;
  std::string detail;
  bool transition = false;  // a change of ours (counted in hawatch_failover_transitions_total)
  bool dry_run = false;
};

struct ControllerTiming {
  Millis retry_initial = std::chrono::milliseconds(250);
  Millis retry_max = std::chrono::seconds(10);
  int manual_attempts = 5;  // a manual request gives up after this many failed writes
  Millis reconcile_interval = std::chrono::seconds(5);
};

struct GroupStatus {
  State state = State::unknown;
  std::optional<std::vector<std::string>> served;  // the record's values when last read
  std::optional<bool> healthy;                     // the last health result
  int consecutive_failures = 0;
  int consecutive_successes = 0;
  std::uint64_t transitions = 0;
  Time last_change{};
  bool split_brain_guard = false;
  std::string last_reason;
  // Whether the DNS server answered the latest exchange (reading the record or an update;
  // a refusal is an answer), and if not, why. Empty before the first exchange.
  std::optional<bool> dns_answering;
  std::string dns_error;
  std::array<std::uint64_t, kAllUpdateResults.size()> updates{};  // by UpdateResult
};

enum class RequestOutcome { accepted, already, held, busy, unknown_state };
struct RequestResult {
  RequestOutcome outcome = RequestOutcome::accepted;
  std::string message;
  State state = State::unknown;
};

class Controller {
 public:
  Controller(GroupConfig config, ControllerTiming timing = {});

  // Learns the state: the served record wins over the persisted state (which only says what to
  // assume while the DNS cannot be asked, and when the last change was).
  void start(const std::optional<PersistedState>& persisted, Time now);
  // A new config for the same group (reload): state and counters stay.
  void reconfigure(GroupConfig config);

  void on_health(bool healthy, Time now, const std::string& detail);
  // The node's own gateway check (the network collector), for the split-brain guard; nullopt:
  // no check configured or no result yet.
  void set_gateway_reachable(std::optional<bool> reachable) { gateway_ = reachable; }
  // A manual (API) or receiver-driven request to move to the backup or back to the primary.
  RequestResult request_fail_over(Time now, const std::string& reason);
  RequestResult request_fail_back(Time now, const std::string& reason);
  // Retries, verification, deferred (held) decisions, reconciliation: call at next_wake(), and
  // at least every reconcile_interval while idle (next_wake() is empty then), which re-reads the
  // record so that another node's change is adopted.
  void tick(Time now);
  std::optional<Time> next_wake() const;

  std::vector<Decision> take_decisions();
  bool take_persist_due();
  PersistedState persisted() const;
  // Called with the state to persist right before each change is written to the DNS, so that
  // a crash during the write leaves a record of the intent (see PersistedState::intent_reason).
  void set_journal(std::function<void(const PersistedState&)> journal) {
    journal_ = std::move(journal);
  }
  GroupStatus status() const { return status_; }
  const GroupConfig& config() const { return config_; }

 private:
  struct Pending {
    State target = State::unknown;  // primary or failed_over
    std::string reason;
    bool manual = false;
    int attempts = 0;
    Time next_attempt{};
    Time started{};
  };
  struct Inherited {  // a change the previous process was writing when it stopped
    State target = State::unknown;
    std::string reason;
    Time expires{};
  };
  struct Verify {  // bounded by the hook's verify_timeout and verify_interval (dns_update.h)
    std::string value;
    VerifyBounds bounds;
    Time deadline{};
    Time next{};
  };

  const std::string& value_of(State s) const;
  static State settled(State s);  // failing_over -> primary, failing_back -> failed_over
  bool hold_allows(Time now, Millis hold) const;
  void evaluate(Time now);  // acts on the counters when they ask for a change
  void hold_wait(Time now, Millis hold, const std::string& why);
  void begin(State target, Time now, const std::string& reason, bool manual);
  void attempt(Time now);
  void on_update(const UpdateOutcome& out, Time now);
  void finish_change(State to, Time now, bool ours);
  void adopt(State to, Time now, const std::string& reason);
  bool completes_inherited(State to, Time now);
  void retry_or_give_up(Time now, const UpdateOutcome& out);
  void abort(Time now, const std::string& reason);
  void verify(Time now);
  bool reconcile(Time now);         // reads the record; true when the state is known afterwards
  void note_reconcile(Decision d);  // recorded once per distinct finding, not every retry
  std::optional<std::vector<std::string>> read_record(std::string& error);
  void note_dns_answer(bool answered, const std::string& error);
  State state_served(const std::vector<std::string>& values) const;
  bool guard_blocks(Time now, const std::string& dns_error);
  void lift_guard(Time now);
  RequestResult request(State target, Time now, const std::string& reason);
  void record(Decision d);
  void count(UpdateResult r);

  GroupConfig config_;
  ControllerTiming timing_;
  GroupStatus status_;
  std::optional<bool> gateway_;
  std::optional<Pending> pending_;
  std::optional<Verify> verify_;
  std::optional<Inherited> inherited_;
  std::function<void(const PersistedState&)> journal_;
  bool held_logged_ = false;
  std::optional<Time> held_until_;  // a change the hold time deferred is looked at again then
  std::string last_detail_;         // of the last health result, for the reasons
  std::string last_reconcile_note_;
  Time next_reconcile_{};   // while the state is unknown or the record unreadable
  Time next_idle_check_{};  // while idle: re-read the record to see another node's change
  bool persist_due_ = false;
  std::vector<Decision> decisions_;
};

}  // namespace hawatch::alerting::failover
