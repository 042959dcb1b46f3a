#pragma once
// Test double of a DNS update hook: a record held in memory with the hooks' compare-and-swap
// semantics, scripted failures, and an unreachable switch. Shared by two controllers it is the
// one authoritative server two nodes race on.

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "hooks/dns_update.h"

namespace hawatch::test {

class FakeDnsUpdater : public alerting::failover::DnsUpdater {
 public:
  using UpdateResult = alerting::failover::UpdateResult;
  using UpdateOutcome = alerting::failover::UpdateOutcome;

  explicit FakeDnsUpdater(std::vector<std::string> initial) : served(std::move(initial)) {}

  std::string_view kind() const override { return "fake"; }

  UpdateOutcome compare_and_swap(const alerting::failover::RecordRef&,
                                 const std::string& expected_old,
                                 const std::string& new_value) override {
    ++writes;
    if (!scripted.empty()) {
      const auto r = scripted.front();
      scripted.pop_front();
      if (r != UpdateResult::ok) return {r, "scripted"};
    }
    if (unreachable) return {UpdateResult::timeout, "no answer"};
    // Another node's write lands between this node's read and its update.
    if (!changed_underneath.empty()) served = {std::exchange(changed_underneath, {})};
    if (served != std::vector<std::string>{expected_old}) return {UpdateResult::cas_lost, "prereq"};
    served = {new_value};
    // A write is served at once unless the test delays it (a secondary catching up).
    if (lag_reads > 0) pending_value = new_value;
    return {UpdateResult::ok, "NOERROR"};
  }

  std::optional<std::vector<std::string>> current(const alerting::failover::RecordRef&,
                                                  std::string& error) override {
    ++reads;
    if (unreachable) {
      error = "connection timed out";
      return std::nullopt;
    }
    if (lag_reads > 0 && !pending_value.empty()) {
      --lag_reads;
      return std::vector<std::string>{"stale"};
    }
    return served;
  }

  std::vector<std::string> served;
  std::string changed_underneath;
  std::deque<UpdateResult> scripted;  // results of the next writes, before the real CAS
  bool unreachable = false;
  int lag_reads = 0;
  std::string pending_value;
  int writes = 0;
  int reads = 0;
};

}  // namespace hawatch::test
