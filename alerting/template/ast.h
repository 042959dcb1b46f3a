#pragma once
// The parsed form of a template (internal to alerting/template): Go text/template's node kinds,
// trimmed to the subset hawatch runs. Positions are byte offsets into the template text, which is
// how Go reports where an execution error happened.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hawatch::tmpl::detail {

struct Pipe;

// One operand of a command: a literal, .Field chain, $variable chain, function name or
// (parenthesised pipeline).
struct Arg {
  enum class Kind { dot, nil, boolean, integer, floating, string, field, variable, function, pipe };
  Kind kind = Kind::nil;
  std::size_t pos = 0;
  std::string text;                // as Go's node String(): the source spelling
  std::string name;                // variable ("$x") or function name
  std::vector<std::string> chain;  // field names applied after the base value
  bool boolean = false;
  std::int64_t integer = 0;
  double floating = 0;
  std::string string;
  std::shared_ptr<const Pipe> pipe;
  bool is_literal() const {
    return kind == Kind::nil || kind == Kind::boolean || kind == Kind::integer ||
           kind == Kind::floating || kind == Kind::string;
  }
};

struct Command {
  std::vector<Arg> args;
  std::size_t pos = 0;
  std::string text() const;
};

struct Pipe {
  std::vector<std::string> variables;  // declared ($x :=) or assigned ($x =) by this pipeline
  bool assign = false;
  std::vector<Command> commands;
  std::size_t pos = 0;
  std::string text() const;
};

struct Node;
using List = std::vector<Node>;

struct Node {
  enum class Kind { text, action, if_, with, range, break_, continue_ };
  Kind kind = Kind::text;
  std::size_t pos = 0;
  std::string text;  // kind text
  Pipe pipe;         // action, if, with, range
  List list;         // if, with, range: the body
  List else_list;
};

struct Tree {
  std::string name;
  std::string source;
  List root;
};

// Go's error location: "NAME:LINE:COL" with a 0-based byte column, as ErrorContext prints it.
std::string location(const Tree& tree, std::size_t pos);
int line_of(const std::string& source, std::size_t pos);

}  // namespace hawatch::tmpl::detail
