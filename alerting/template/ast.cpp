#include "ast.h"

#include <algorithm>

namespace hawatch::tmpl::detail {

std::string Command::text() const {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += a.text;
  }
  return out;
}

std::string Pipe::text() const {
  std::string out;
  for (std::size_t i = 0; i < variables.size(); ++i) out += (i ? ", " : "") + variables[i];
  if (!variables.empty()) out += assign ? " = " : " := ";
  for (std::size_t i = 0; i < commands.size(); ++i) out += (i ? " | " : "") + commands[i].text();
  return out;
}

int line_of(const std::string& source, std::size_t pos) {
  pos = std::min(pos, source.size());
  return 1 + static_cast<int>(
                 std::count(source.begin(), source.begin() + static_cast<long>(pos), '\n'));
}

std::string location(const Tree& tree, std::size_t pos) {
  pos = std::min(pos, tree.source.size());
  const std::size_t nl = tree.source.rfind('\n', pos == 0 ? 0 : pos - 1);
  const std::size_t col = (nl == std::string::npos || pos == 0) ? pos : pos - nl - 1;
  return tree.name + ":" + std::to_string(line_of(tree.source, pos)) + ":" + std::to_string(col);
}

}  // namespace hawatch::tmpl::detail
