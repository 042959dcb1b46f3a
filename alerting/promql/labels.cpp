// Labels: a sorted vector of name/value pairs, the same representation Prometheus uses, so the
// orderings, hashes and String() forms that error messages quote come out the same.
#include <algorithm>
#include <functional>

#include "gotext/go_text.h"
#include "model.h"

namespace hawatch::promql {
using gotext::go_quote;

Labels::Labels(std::vector<Label> labels) {
  // Stable so that "last duplicate wins" can be done by keeping the last of each run.
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  for (auto& label : labels) {
    if (!items_.empty() && items_.back().name == label.name) {
      items_.back().value = std::move(label.value);
    } else {
      items_.push_back(std::move(label));
    }
  }
  std::erase_if(items_, [](const Label& l) { return l.value.empty(); });
}

std::optional<std::string_view> Labels::get(std::string_view name) const {
  const auto it = std::lower_bound(items_.begin(), items_.end(), name,
                                   [](const Label& l, std::string_view n) { return l.name < n; });
  if (it == items_.end() || it->name != name) return std::nullopt;
  return std::string_view(it->value);
}

void Labels::set(std::string_view name, std::string_view value) {
  if (value.empty()) {
    erase(name);
    return;
  }
  const auto it = std::lower_bound(items_.begin(), items_.end(), name,
                                   [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != items_.end() && it->name == name) {
    it->value = std::string(value);
  } else {
    items_.insert(it, Label{std::string(name), std::string(value)});
  }
}

void Labels::erase(std::string_view name) {
  std::erase_if(items_, [&](const Label& l) { return l.name == name; });
}

std::uint64_t Labels::hash() const {
  // FNV-1a over name\xff value\xff ...: 0xff never occurs in valid UTF-8, so pairs cannot alias.
  std::uint64_t h = 1469598103934665603ULL;
  const auto mix = [&h](std::string_view s) {
    for (const unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xffU) * 1099511628211ULL;
  };
  for (const auto& l : items_) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

std::string Labels::to_string() const {
  std::string out = "{";
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (i > 0) out += ", ";
    out += items_[i].name;
    out += '=';
    out += go_quote(items_[i].value);
  }
  out += '}';
  return out;
}

}  // namespace hawatch::promql
