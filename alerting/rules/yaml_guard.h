#pragma once
// Loads YAML from hostile input with bounds yaml-cpp itself lacks: a size limit, a node-count
// limit, and no anchors or aliases at all (yaml-cpp shares aliased nodes, but anything walking
// the tree walks every alias again: the "billion laughs" shape would cost exponential time).
// yaml-cpp's own depth guard bounds nesting.

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "source_error.h"

namespace hawatch::rules {

struct YamlLimits {
  std::size_t max_bytes = 4 << 20;
  std::size_t max_nodes = 200'000;
};

// The document's root (Null for an empty file), or the first problem found.
std::variant<YAML::Node, FileError> load_yaml(std::string_view text, const std::string& file,
                                              const YamlLimits& limits = {});

// Reads a whole file, bounded by max_bytes; the error names the file.
std::variant<std::string, FileError> read_bounded(const std::string& path, std::size_t max_bytes);

// Position of a node as 1-based line and column.
inline int line_of(const YAML::Node& n) {
  return n.Mark().line + 1;
}
inline int column_of(const YAML::Node& n) {
  return n.Mark().column + 1;
}

}  // namespace hawatch::rules
