#include "controller.h"

#include <algorithm>
#include <cctype>

namespace hawatch::alerting::failover {
namespace {

std::string normalized(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!v.empty() && v.back() == '.') v.pop_back();
  return v;
}

bool serves(const std::vector<std::string>& values, const std::string& value) {
  const auto want = normalized(value);
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& v) { return normalized(v) == want; });
}

std::string join(const std::vector<std::string>& values) {
  if (values.empty()) return "nothing";
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string seconds(Millis d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

constexpr auto kInheritedIntentLifetime = std::chrono::minutes(10);

std::size_t index_of(UpdateResult r) {
  return static_cast<std::size_t>(std::find(kAllUpdateResults.begin(), kAllUpdateResults.end(), r) -
                                  kAllUpdateResults.begin());
}

}  // namespace

std::string_view to_string(State s) {
  switch (s) {
    case State::unknown:
      return "unknown";
    case State::primary:
      return "primary";
    case State::failing_over:
      return "failing_over";
    case State::failed_over:
      return "failed_over";
    case State::failing_back:
      return "failing_back";
  }
  return "unknown";
}

std::optional<State> parse_state(std::string_view s) {
  for (State st : {State::unknown, State::primary, State::failing_over, State::failed_over,
                   State::failing_back})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

Controller::Controller(GroupConfig config, ControllerTiming timing)
    : config_(std::move(config)), timing_(timing) {}

void Controller::reconfigure(GroupConfig config) {
  config_ = std::move(config);
}

State Controller::settled(State s) {
  if (s == State::failing_over) return State::primary;
  if (s == State::failing_back) return State::failed_over;
  return s;
}

const std::string& Controller::value_of(State s) const {
  return settled(s) == State::failed_over ? config_.backup : config_.primary;
}

State Controller::state_served(const std::vector<std::string>& values) const {
  const bool primary = serves(values, config_.primary);
  const bool backup = serves(values, config_.backup);
  if (primary == backup) return State::unknown;
  return primary ? State::primary : State::failed_over;
}

std::optional<std::vector<std::string>> Controller::read_record(std::string& error) {
  if (!config_.updater) {
    error = "no update hook";
    return std::nullopt;
  }
  auto values = config_.updater->current(config_.record, error);
  if (values) status_.served = values;
  note_dns_answer(values.has_value(), error);
  return values;
}

void Controller::note_dns_answer(bool answered, const std::string& error) {
  status_.dns_answering = answered;
  status_.dns_error = answered ? std::string() : error;
}

void Controller::record(Decision d) {
  d.dry_run = d.dry_run || config_.dry_run;
  status_.last_reason = d.reason;
  decisions_.push_back(std::move(d));
}

void Controller::count(UpdateResult r) {
  ++status_.updates[index_of(r)];
}

std::vector<Decision> Controller::take_decisions() {
  return std::exchange(decisions_, {});
}

bool Controller::take_persist_due() {
  return std::exchange(persist_due_, false);
}

PersistedState Controller::persisted() const {
  PersistedState p{status_.state, status_.last_change, status_.transitions, {}, {}};
  if (pending_) {
    p.intent_reason = pending_->reason;
    p.intent_at = pending_->started;
  }
  return p;
}

void Controller::start(const std::optional<PersistedState>& persisted, Time now) {
  if (persisted) {
    status_.state = settled(persisted->state);
    status_.last_change = persisted->last_change;
    status_.transitions = persisted->transitions;
    // A write of the previous process may still land after this one starts (its hook outlives
    // it), so the intent is honoured for as long as a hook can plausibly run.
    if (persisted->state != status_.state)
      inherited_ = Inherited{status_.state == State::primary ? State::failed_over : State::primary,
                             persisted->intent_reason, now + kInheritedIntentLifetime};
  }
  next_idle_check_ = now + timing_.reconcile_interval;
  if (reconcile(now)) return;
  next_reconcile_ = now + timing_.reconcile_interval;
}

bool Controller::reconcile(Time now) {
  std::string error;
  const auto served = read_record(error);
  if (!served) {
    note_reconcile({now, "reconciled", status_.state, status_.state,
                    "cannot read the served record (" + error + "); assuming " +
                        std::string(to_string(status_.state)) + " until it can be read",
                    std::nullopt, error});
    return false;
  }
  const State s = state_served(*served);
  if (s == State::unknown) {
    note_reconcile({now,
                    "reconciled",
                    status_.state,
                    State::unknown,
                    "the record serves " + join(*served) + ", not exactly one of primary " +
                        config_.primary + " and backup " + config_.backup + "; taking no action",
                    std::nullopt,
                    {}});
    status_.state = State::unknown;
    return false;
  }
  if (s != status_.state && completes_inherited(s, now)) {
    last_reconcile_note_.clear();
    return true;
  }
  if (s != status_.state)
    record({now,
            "reconciled",
            status_.state,
            s,
            "the record serves " + join(*served) + "; adopting " + std::string(to_string(s)),
            std::nullopt,
            {}});
  if (s != status_.state) {
    persist_due_ = true;
    // Another node's change is a change of the group: the hold times count from it too. Not so
    // when the state was merely unknown (start-up), or the first failover would wait min_hold.
    if (status_.state != State::unknown) status_.last_change = now;
  }
  status_.state = s;
  last_reconcile_note_.clear();
  return true;
}

void Controller::note_reconcile(Decision d) {
  if (d.reason == last_reconcile_note_) return;
  last_reconcile_note_ = d.reason;
  record(std::move(d));
}

bool Controller::hold_allows(Time now, Millis hold) const {
  return status_.last_change == Time{} || now - status_.last_change >= hold;
}

void Controller::on_health(bool healthy, Time now, const std::string& detail) {
  status_.healthy = healthy;
  if (healthy) {
    ++status_.consecutive_successes;
    status_.consecutive_failures = 0;
  } else {
    ++status_.consecutive_failures;
    status_.consecutive_successes = 0;
  }
  // Flap protection: an automatic change whose cause went away before it was written is dropped.
  if (pending_ && !pending_->manual) {
    if (healthy && pending_->target == State::failed_over)
      return abort(now, "healthy again before the update went through");
    if (!healthy && pending_->target == State::primary)
      return abort(now, "unhealthy again before the failback went through (" + detail + ")");
  }
  last_detail_ = detail;
  evaluate(now);
}

void Controller::evaluate(Time now) {
  if (pending_) return;
  if (status_.state == State::primary && status_.consecutive_failures >= config_.fail_after) {
    const std::string why = std::to_string(status_.consecutive_failures) +
                            " consecutive failed health results" +
                            (last_detail_.empty() ? "" : " (" + last_detail_ + ")");
    if (hold_allows(now, config_.min_hold)) return begin(State::failed_over, now, why, false);
    hold_wait(now, config_.min_hold, why);
  } else if (status_.state == State::failed_over &&
             config_.failback_mode == FailbackMode::automatic &&
             status_.consecutive_successes >= config_.failback_after) {
    const Millis hold = std::max(config_.failback_hold, config_.min_hold);
    const std::string why =
        std::to_string(status_.consecutive_successes) + " consecutive healthy results";
    if (hold_allows(now, hold)) return begin(State::primary, now, why, false);
    hold_wait(now, hold, why);
  }
}

void Controller::hold_wait(Time now, Millis hold, const std::string& why) {
  held_until_ = status_.last_change + hold;
  if (held_logged_) return;
  held_logged_ = true;
  const auto left = std::chrono::duration_cast<Millis>(*held_until_ - now);
  record({now,
          "held",
          status_.state,
          status_.state,
          why + ", but the hold time (" + seconds(hold) + " since the last change) has " +
              seconds(left) + " to go",
          std::nullopt,
          {}});
}

void Controller::begin(State target, Time now, const std::string& reason, bool manual) {
  held_logged_ = false;
  held_until_.reset();
  const State from = status_.state;
  if (config_.dry_run) {
    Decision d{now,
               target == State::failed_over ? "fail_over" : "fail_back",
               from,
               target,
               reason,
               std::nullopt,
               "dry run: the record is not changed"};
    d.transition = true;
    record(std::move(d));
    finish_change(target, now, true);
    return;
  }
  status_.state = target == State::failed_over ? State::failing_over : State::failing_back;
  pending_ = Pending{target, reason, manual, 0, now, now};
  attempt(now);
}

void Controller::attempt(Time now) {
  Pending& p = *pending_;
  ++p.attempts;
  if (!config_.updater) return abort(now, "the group has no update hook");
  std::string error;
  const auto served = read_record(error);
  if (!served && guard_blocks(now, error)) return;
  if (served) {
    lift_guard(now);
    if (state_served(*served) == p.target)
      return adopt(p.target, now, "the record already serves " + join(*served));
  }
  if (journal_) journal_(persisted());
  const auto out = config_.updater->compare_and_swap(config_.record, value_of(status_.state),
                                                     value_of(p.target));
  count(out.result);
  note_dns_answer(out.result != UpdateResult::timeout && out.result != UpdateResult::error,
                  out.detail);
  record({now, "update", status_.state, p.target,
          value_of(status_.state) + " -> " + value_of(p.target) + " (attempt " +
              std::to_string(p.attempts) + ")",
          out.result, out.detail});
  on_update(out, now);
}

void Controller::on_update(const UpdateOutcome& out, Time now) {
  const State target = pending_->target;
  if (out.result == UpdateResult::ok) {
    Decision d{now,
               target == State::failed_over ? "fail_over" : "fail_back",
               settled(status_.state),
               target,
               pending_->reason,
               out.result,
               out.detail};
    d.transition = true;
    record(std::move(d));
    inherited_.reset();
    finish_change(target, now, true);
    const VerifyBounds bounds = config_.updater->verify_bounds();
    verify_ = Verify{value_of(target), bounds, now + bounds.timeout, now};
    return verify(now);
  }
  if (out.result != UpdateResult::cas_lost) return retry_or_give_up(now, out);
  // Someone else changed the record first: learn what it holds now.
  std::string error;
  const auto served = read_record(error);
  if (!served) return retry_or_give_up(now, {out.result, "cas_lost; then " + error});
  const State s = state_served(*served);
  if (s == target) return adopt(target, now, "cas_lost: another node already set " + join(*served));
  if (s == settled(status_.state))
    return retry_or_give_up(now, {out.result, "cas_lost, yet the record serves " + join(*served)});
  record({now, "aborted", status_.state, State::unknown,
          "cas_lost: the record holds " + join(*served) +
              ", neither primary nor backup; nothing was overwritten",
          out.result, out.detail});
  pending_.reset();
  status_.state = State::unknown;
  next_reconcile_ = now + timing_.reconcile_interval;
}

void Controller::finish_change(State to, Time now, bool ours) {
  status_.state = to;
  status_.last_change = now;
  if (ours) ++status_.transitions;
  status_.consecutive_failures = 0;
  status_.consecutive_successes = 0;
  pending_.reset();
  persist_due_ = true;
}

bool Controller::completes_inherited(State to, Time now) {
  if (!inherited_) return false;
  const Inherited inherited = *std::exchange(inherited_, std::nullopt);
  if (inherited.target != to || now >= inherited.expires) return false;
  Decision d{now,
             to == State::failed_over ? "fail_over" : "fail_back",
             settled(status_.state),
             to,
             (inherited.reason.empty() ? std::string("a change") : inherited.reason) +
                 " (written before a restart; the record now serves it)",
             std::nullopt,
             {}};
  d.transition = true;
  record(std::move(d));
  finish_change(to, now, true);
  return true;
}

void Controller::adopt(State to, Time now, const std::string& reason) {
  if (completes_inherited(to, now)) return;
  record({now,
          "adopted",
          settled(status_.state),
          to,
          reason + "; no change of ours",
          std::nullopt,
          {}});
  finish_change(to, now, false);
}

void Controller::retry_or_give_up(Time now, const UpdateOutcome& out) {
  Pending& p = *pending_;
  const std::string why =
      std::string(to_string(out.result)) + (out.detail.empty() ? "" : ": " + out.detail);
  if (p.manual && p.attempts >= timing_.manual_attempts) {
    record({now,
            "gave_up",
            status_.state,
            settled(status_.state),
            "after " + std::to_string(p.attempts) + " attempts (" + why + ")",
            out.result,
            {}});
    pending_.reset();
    status_.state = settled(status_.state);
    return;
  }
  Millis backoff = timing_.retry_initial;
  for (int i = 1; i < p.attempts && backoff < timing_.retry_max; ++i) backoff *= 2;
  backoff = std::min(backoff, timing_.retry_max);
  p.next_attempt = now + backoff;
  record({now,
          "retry",
          status_.state,
          p.target,
          why + "; next attempt in " + std::to_string(backoff.count()) + " ms",
          out.result,
          {}});
}

void Controller::abort(Time now, const std::string& reason) {
  const State back = settled(status_.state);
  record({now, "aborted", status_.state, back, reason, std::nullopt, {}});
  pending_.reset();
  status_.state = back;
}

bool Controller::guard_blocks(Time now, const std::string& dns_error) {
  // With the gateway answering, this node is connected: the write itself will tell.
  if (gateway_ == true) return false;
  const State back = settled(status_.state);
  if (!status_.split_brain_guard) {
    status_.split_brain_guard = true;
    record({now, "split_brain_guard", status_.state, back,
            "cannot reach the DNS server (" + dns_error + ") nor the default gateway (" +
                (gateway_ ? "unreachable" : "no gateway check result") +
                "): this node may be the isolated one, so it takes no action",
            std::nullopt, dns_error});
  }
  pending_.reset();
  status_.state = back;
  return true;
}

void Controller::lift_guard(Time now) {
  if (!status_.split_brain_guard) return;
  status_.split_brain_guard = false;
  record({now,
          "split_brain_guard",
          status_.state,
          status_.state,
          "the DNS server answers again; the guard is lifted",
          std::nullopt,
          {}});
}

void Controller::verify(Time now) {
  std::string error;
  const auto served = read_record(error);
  if (served && serves(*served, verify_->value)) {
    record({now,
            "verified",
            status_.state,
            status_.state,
            "the authoritative server serves " + verify_->value,
            std::nullopt,
            {}});
    verify_.reset();
  } else if (now >= verify_->deadline) {
    record({now, "not_verified", status_.state, status_.state,
            "the authoritative server still serves " + (served ? join(*served) : error) +
                " after " + seconds(verify_->bounds.timeout),
            std::nullopt, error});
    verify_.reset();
  } else {
    verify_->next = now + verify_->bounds.interval;
  }
}

RequestResult Controller::request_fail_over(Time now, const std::string& reason) {
  return request(State::failed_over, now, reason);
}

RequestResult Controller::request_fail_back(Time now, const std::string& reason) {
  return request(State::primary, now, reason);
}

RequestResult Controller::request(State target, Time now, const std::string& reason) {
  if (pending_)
    return {RequestOutcome::busy,
            "a change to " + std::string(to_string(pending_->target)) + " is in progress",
            status_.state};
  if (status_.state == State::unknown)
    return {RequestOutcome::unknown_state,
            "the group's state is unknown (the record serves neither address, or cannot be read)",
            status_.state};
  if (status_.state == target)
    return {RequestOutcome::already, "the group is already " + std::string(to_string(target)),
            status_.state};
  if (!hold_allows(now, config_.min_hold)) {
    const auto left =
        std::chrono::duration_cast<Millis>(status_.last_change + config_.min_hold - now);
    return {RequestOutcome::held,
            "the minimum hold time (" + seconds(config_.min_hold) +
                " between changes) forbids a change for another " + seconds(left),
            status_.state};
  }
  begin(target, now, reason, true);
  return {RequestOutcome::accepted, "", status_.state};
}

void Controller::tick(Time now) {
  if (next_reconcile_ != Time{} && now >= next_reconcile_ && !pending_) {
    next_reconcile_ = reconcile(now) ? Time{} : now + timing_.reconcile_interval;
  }
  // While idle and known, the record is read again now and then: another node's change (the
  // other controller of the group, an admin) is adopted within about one interval, so this node's
  // state, metrics and next decision start from what the DNS really serves.
  if (now >= next_idle_check_ && next_reconcile_ == Time{} && !pending_ && !verify_) {
    next_idle_check_ = now + timing_.reconcile_interval;
    if (!reconcile(now)) next_reconcile_ = now + timing_.reconcile_interval;
  }
  if (pending_ && now >= pending_->next_attempt) attempt(now);
  if (verify_ && now >= verify_->next) verify(now);
  if (held_until_ && now >= *held_until_) evaluate(now);
}

std::optional<Time> Controller::next_wake() const {
  std::optional<Time> wake;
  const auto consider = [&](Time t) {
    if (!wake || t < *wake) wake = t;
  };
  if (next_reconcile_ != Time{}) consider(next_reconcile_);
  if (pending_) consider(pending_->next_attempt);
  if (verify_) consider(verify_->next);
  if (held_until_) consider(*held_until_);
  return wake;
}

}  // namespace hawatch::alerting::failover
