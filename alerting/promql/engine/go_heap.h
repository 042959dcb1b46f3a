#pragma once
// Go's container/heap, step for step: topk/bottomk keep whichever of equal values Prometheus
// keeps only if the heap moves elements exactly as Go's does.

#include <cstddef>
#include <utility>
#include <vector>

namespace hawatch::promql::engine {

template <typename T, typename Less>
class GoHeap {
 public:
  explicit GoHeap(Less order) : less_(order) {}
  std::vector<T>& items() { return items_; }
  std::size_t size() const { return items_.size(); }
  const T& top() const { return items_.front(); }

  void push(T x) {
    items_.push_back(std::move(x));
    up(items_.size() - 1);
  }
  void pop() {
    const std::size_t n = items_.size() - 1;
    std::swap(items_[0], items_[n]);
    down(0, n);
    items_.pop_back();
  }

 private:
  bool less(std::size_t i, std::size_t j) const { return less_(items_[i], items_[j]); }
  void up(std::size_t j) {
    while (j > 0) {
      const std::size_t i = (j - 1) / 2;
      if (!less(j, i)) break;
      std::swap(items_[i], items_[j]);
      j = i;
    }
  }
  void down(std::size_t i, std::size_t n) {
    while (true) {
      const std::size_t j1 = 2 * i + 1;
      if (j1 >= n) break;
      std::size_t j = j1;
      if (j1 + 1 < n && less(j1 + 1, j1)) j = j1 + 1;
      if (!less(j, i)) break;
      std::swap(items_[i], items_[j]);
      i = j;
    }
  }

  std::vector<T> items_;
  Less less_;
};

}  // namespace hawatch::promql::engine
