#pragma once
// Substring test for assertions on messages, logs and exposition text.

#include <string>

namespace hawatch::test {

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace hawatch::test
