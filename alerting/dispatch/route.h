#pragma once
// The routing tree (Alertmanager dispatch/route.go): every node has matchers and options; a child
// inherits its parent's options unless it sets them. An alert goes down the tree: at each node the
// first matching child takes it, unless that child says `continue`, and a node none of whose
// children match is itself the destination.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "matchers/matcher.h"
#include "model/alert.h"

namespace hawatch::alerting {

struct RouteOptions {
  std::string receiver;
  std::set<std::string, std::less<>> group_by;
  bool group_by_all = false;  // group_by: ['...']
  Duration group_wait = std::chrono::seconds(30);
  Duration group_interval = std::chrono::minutes(5);
  Duration repeat_interval = std::chrono::hours(4);
  // As in Alertmanager 0.25 these are the route's own, not inherited.
  std::vector<std::string> mute_time_intervals;
  std::vector<std::string> active_time_intervals;
};

class Route {
 public:
  // `parent` is null for the root; the route keeps the pointer (children live inside it).
  Route(const Route* parent, RouteOptions options, Matchers matchers, bool continue_matching);
  Route(const Route&) = delete;
  Route& operator=(const Route&) = delete;

  Route& add_child(RouteOptions options, Matchers matchers, bool continue_matching);

  // The routes an alert with `labels` goes to, in tree order; empty when the root's matchers
  // do not match (the root has none, so never for a root).
  std::vector<const Route*> match(const LabelSet& labels) const;

  const RouteOptions& options() const { return options_; }
  const Matchers& matchers() const { return matchers_; }
  bool continue_matching() const { return continue_; }
  const Route* parent() const { return parent_; }
  const std::vector<std::unique_ptr<Route>>& children() const { return children_; }

  // Alertmanager's Route.Key(): the matchers of the path from the root, "/"-separated. Part of
  // every group key (and so of notifications' groupKey).
  const std::string& key() const { return key_; }
  // Route.ID(): the key with each node's index among its siblings, unique in the tree.
  const std::string& id() const { return id_; }

  // The labels of `labels` this route groups by.
  LabelSet group_labels(const LabelSet& labels) const;

 private:
  void match_into(const LabelSet& labels, std::vector<const Route*>& out) const;

  const Route* parent_;
  RouteOptions options_;
  Matchers matchers_;
  bool continue_;
  std::vector<std::unique_ptr<Route>> children_;
  std::string key_;
  std::string id_;
};

}  // namespace hawatch::alerting
