#include "dispatch/route.h"

namespace hawatch::alerting {

Route::Route(const Route* parent, RouteOptions options, Matchers matchers, bool continue_matching)
    : parent_(parent),
      options_(std::move(options)),
      matchers_(std::move(matchers)),
      continue_(continue_matching) {
  sort_matchers(matchers_);
  key_ = (parent_ ? parent_->key_ + "/" : "") + to_string(matchers_);
  id_ = (parent_ ? parent_->id_ + "/" : "") + to_string(matchers_);
  if (parent_) id_ += "/" + std::to_string(parent_->children_.size());
}

Route& Route::add_child(RouteOptions options, Matchers matchers, bool continue_matching) {
  children_.push_back(
      std::make_unique<Route>(this, std::move(options), std::move(matchers), continue_matching));
  return *children_.back();
}

std::vector<const Route*> Route::match(const LabelSet& labels) const {
  std::vector<const Route*> out;
  match_into(labels, out);
  return out;
}

void Route::match_into(const LabelSet& labels, std::vector<const Route*>& out) const {
  if (!matches_all(matchers_, labels)) return;
  const std::size_t before = out.size();
  for (const auto& child : children_) {
    const std::size_t had = out.size();
    child->match_into(labels, out);
    if (out.size() > had && !child->continue_) break;
  }
  if (out.size() == before) out.push_back(this);
}

LabelSet Route::group_labels(const LabelSet& labels) const {
  if (options_.group_by_all) return labels;
  LabelSet out;
  for (const auto& [name, value] : labels)
    if (options_.group_by.count(name)) out.emplace(name, value);
  return out;
}

}  // namespace hawatch::alerting
