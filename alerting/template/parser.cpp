#include "parser.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "lexer.h"

namespace hawatch::tmpl::detail {
namespace {

// Go string and character escapes (strconv.Unquote) for the literal's value.
void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool unquote(std::string_view q, std::string& out) {
  if (q.size() >= 2 && q.front() == '`') {
    out = std::string(q.substr(1, q.size() - 2));
    return true;
  }
  out.clear();
  for (std::size_t i = 1; i + 1 < q.size(); ++i) {
    if (q[i] != '\\') {
      out += q[i];
      continue;
    }
    if (++i + 1 > q.size() - 1) return false;
    const char e = q[i];
    const auto hex = [&](std::size_t n) -> bool {
      if (i + n >= q.size()) return false;
      char32_t cp = 0;
      for (std::size_t k = 1; k <= n; ++k) {
        const char h = q[i + k];
        int d = std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                : (h >= 'a' && h <= 'f')                    ? h - 'a' + 10
                : (h >= 'A' && h <= 'F')                    ? h - 'A' + 10
                                                            : -1;
        if (d < 0) return false;
        cp = cp * 16 + static_cast<char32_t>(d);
      }
      i += n;
      if (n == 2)
        out += static_cast<char>(cp);
      else
        append_utf8(out, cp);
      return true;
    };
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x':
        if (!hex(2)) return false;
        break;
      case 'u':
        if (!hex(4)) return false;
        break;
      case 'U':
        if (!hex(8)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

class Parser {
 public:
  Parser(std::string name, std::string_view source,
         const std::function<bool(std::string_view)>& is_function)
      : source_(source), is_function_(is_function), tokens_(lex(source)) {
    tree_.name = std::move(name);
    tree_.source = std::string(source);
  }

  Tree run() {
    vars_.push_back("$");
    std::string end;
    tree_.root = parse_list(&end);
    if (!end.empty()) fail("unexpected {{" + end + "}}");
    return std::move(tree_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw SyntaxError(line_of(tree_.source, peek().pos), message);
  }
  const Token& peek() const { return tokens_[i_]; }
  const Token& next() { return tokens_[i_ < tokens_.size() - 1 ? i_++ : i_]; }
  bool at(Tok k) const { return peek().kind == k; }
  bool at_word(std::string_view w) const { return at(Tok::ident) && peek().text == w; }

  // Parses nodes until EOF or a {{end}}/{{else}}: *terminator says which ("" at EOF).
  List parse_list(std::string* terminator) {
    if (++depth_ > kMaxNesting) fail("template nesting exceeds " + std::to_string(kMaxNesting));
    List list;
    while (true) {
      const Token& t = next();
      if (t.kind == Tok::eof) {
        *terminator = "";
        break;
      }
      if (t.kind == Tok::text) {
        list.push_back(Node{Node::Kind::text, t.pos, t.text, {}, {}, {}});
        continue;
      }
      // t is "{{"
      if (at_word("end") || at_word("else")) {
        *terminator = next().text;
        break;
      }
      list.push_back(parse_action(t.pos));
    }
    --depth_;
    return list;
  }

  void expect_right() {
    if (!at(Tok::right)) fail("unexpected " + describe(peek()) + " in command");
    next();
  }

  static std::string describe(const Token& t) {
    if (t.kind == Tok::eof) return "EOF";
    if (t.kind == Tok::right) return "\"}}\"";
    return "<" + t.text + ">";
  }

  Node parse_action(std::size_t pos) {
    if (at_word("if") || at_word("with") || at_word("range")) {
      const std::string word = next().text;
      return parse_control(word, pos);
    }
    if (at_word("break") || at_word("continue")) {
      const std::string word = next().text;
      if (range_depth_ == 0) fail("{{" + word + "}} outside {{range}}");
      expect_right();
      return Node{
          word == "break" ? Node::Kind::break_ : Node::Kind::continue_, pos, {}, {}, {}, {}};
    }
    if (at_word("define") || at_word("template") || at_word("block"))
      fail("{{" + peek().text + "}} is not supported in hawatch templates");
    Node n{Node::Kind::action, pos, {}, parse_pipe("command", Tok::right), {}, {}};
    expect_right();
    return n;
  }

  Node parse_control(const std::string& word, std::size_t pos) {
    const std::size_t scope = vars_.size();
    Node n;
    n.kind = word == "if" ? Node::Kind::if_ : word == "with" ? Node::Kind::with : Node::Kind::range;
    n.pos = pos;
    n.pipe = parse_pipe(word, Tok::right, word == "range");
    const std::size_t pipe_scope = vars_.size();  // the pipeline's variables live until {{end}}
    expect_right();
    if (n.kind == Node::Kind::range) ++range_depth_;
    std::string end;
    n.list = parse_list(&end);
    if (n.kind == Node::Kind::range) --range_depth_;
    if (end.empty()) fail("unexpected EOF");
    if (end == "else") {
      if (at_word("if") && n.kind != Node::Kind::range) {
        // {{else if p}} is {{else}}{{if p}}...{{end}}{{end}} sharing one {{end}}.
        const std::size_t else_pos = peek().pos;
        next();
        vars_.resize(pipe_scope);
        n.else_list.push_back(parse_control("if", else_pos));
      } else {
        expect_right();
        vars_.resize(pipe_scope);
        n.else_list = parse_list(&end);
        if (end != "end") fail(end.empty() ? "unexpected EOF" : "expected end; found {{else}}");
        expect_right();
      }
    } else {
      expect_right();
    }
    vars_.resize(scope);
    return n;
  }

  Pipe parse_pipe(const std::string& context, Tok end, bool allow_two = false) {
    Pipe p;
    p.pos = peek().pos;
    // Declarations: $x := ..., $x = ..., and in {{range}} $k, $v := ...
    const std::size_t save = i_;
    if (at(Tok::variable) && peek().text.find('.') == std::string::npos) {
      std::vector<std::string> names{next().text};
      if (allow_two && at(Tok::comma)) {
        next();
        if (at(Tok::variable)) names.push_back(next().text);
        if (at(Tok::comma)) fail("too many declarations in range");
      }
      if (at(Tok::declare) || (at(Tok::assign) && names.size() == 1)) {
        p.assign = next().kind == Tok::assign;
        p.variables = names;
      } else {
        i_ = save;
      }
    }
    while (true) {
      if (at(end) || at(Tok::eof)) break;
      p.commands.push_back(parse_command());
      if (at(Tok::pipe)) {
        next();
        if (at(end)) break;  // Go's parser accepts a trailing "|"
        continue;
      }
      if (!at(end)) fail("unexpected " + describe(peek()) + " in operand");
    }
    if (p.commands.empty()) fail("missing value for " + context);
    for (std::size_t c = 1; c < p.commands.size(); ++c)
      if (p.commands[c].args[0].kind != Arg::Kind::function)
        fail("non executable command in pipeline stage " + std::to_string(c + 1));
    if (!p.assign)
      for (const auto& v : p.variables) vars_.push_back(v);
    return p;
  }

  bool declared(const std::string& name) const {
    for (const auto& v : vars_)
      if (v == name) return true;
    return false;
  }

  Command parse_command() {
    Command c;
    c.pos = peek().pos;
    while (!at(Tok::pipe) && !at(Tok::right) && !at(Tok::rparen) && !at(Tok::eof)) {
      if (!c.args.empty() && !peek().space_before)
        fail("unexpected " + describe(peek()) + " in operand");
      c.args.push_back(parse_operand());
    }
    // Go leaves "nil is not a command" and arguments to a non-function to execution.
    if (c.args.empty()) fail("unexpected \"" + peek().text + "\" in command");
    return c;
  }

  Arg parse_operand() {
    const Token& t = next();
    Arg a;
    a.pos = t.pos;
    a.text = t.text;
    switch (t.kind) {
      case Tok::dot:
        a.kind = Arg::Kind::dot;
        break;
      case Tok::nil:
        a.kind = Arg::Kind::nil;
        break;
      case Tok::boolean:
        a.kind = Arg::Kind::boolean;
        a.boolean = t.text == "true";
        break;
      case Tok::string:
        a.kind = Arg::Kind::string;
        if (!unquote(t.text, a.string)) fail("invalid syntax");
        break;
      case Tok::char_const: {
        a.kind = Arg::Kind::integer;
        std::string v;
        std::string as_string = "\"" + t.text.substr(1, t.text.size() - 2) + "\"";
        if (!unquote(as_string, v) || v.empty()) fail("malformed character constant: " + t.text);
        a.integer = decode_first_rune(v);
        break;
      }
      case Tok::number:
        parse_number(t.text, a);
        break;
      case Tok::field:
        a.kind = Arg::Kind::field;
        a.chain = split_chain(t.text.substr(1));
        // Go's parser places a chained node at its second element (".Labels.job" at ".job").
        if (const std::size_t dot = t.text.find('.', 1); dot != std::string::npos)
          a.pos = t.pos + dot;
        break;
      case Tok::variable: {
        a.kind = Arg::Kind::variable;
        auto parts = split_chain(t.text);
        a.name = parts[0];
        a.chain.assign(parts.begin() + 1, parts.end());
        if (const std::size_t dot = t.text.find('.'); dot != std::string::npos) a.pos = t.pos + dot;
        if (!declared(a.name)) fail("undefined variable \"" + a.name + "\"");
        break;
      }
      case Tok::ident:
        if (!is_function_(t.text)) fail("function \"" + t.text + "\" not defined");
        a.kind = Arg::Kind::function;
        a.name = t.text;
        break;
      case Tok::lparen: {
        a.kind = Arg::Kind::pipe;
        auto pipe = std::make_shared<Pipe>(parse_pipe("parenthesized pipeline", Tok::rparen));
        if (!at(Tok::rparen)) fail("unclosed left paren");
        next();
        a.text = "(" + pipe->text() + ")";
        a.pipe = std::move(pipe);
        break;
      }
      default:
        fail("unexpected " + describe(t) + " in operand");
    }
    // A field chain right after a term: (pipeline).x, $x.y already came as one token.
    while (at(Tok::field) && !peek().space_before) {
      if (a.kind != Arg::Kind::pipe && a.kind != Arg::Kind::dot)
        fail("unexpected . after term " + a.text);
      const Token& f = next();
      if (a.chain.empty()) a.pos = f.pos;
      for (auto& name : split_chain(f.text.substr(1))) a.chain.push_back(name);
      a.text += f.text;
      if (a.kind == Arg::Kind::dot) a.kind = Arg::Kind::field;
    }
    return a;
  }

  static std::vector<std::string> split_chain(const std::string& s) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = s.find('.', start);
      parts.push_back(s.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return parts;
  }

  static std::int64_t decode_first_rune(const std::string& v) {
    const auto c = static_cast<unsigned char>(v[0]);
    if (c < 0x80 || v.size() == 1) return c;
    const std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    std::int64_t cp = c & (0x7F >> len);
    for (std::size_t k = 1; k < len && k < v.size(); ++k) cp = (cp << 6) | (v[k] & 0x3F);
    return cp;
  }

  void parse_number(const std::string& text, Arg& a) {
    std::string digits;
    for (char c : text)
      if (c != '_') digits += c;
    const bool hex =
        digits.find("0x") != std::string::npos || digits.find("0X") != std::string::npos;
    const bool floaty = !hex && digits.find_first_of(".eE") != std::string::npos;
    if (!floaty) {
      std::string body = digits;
      bool negative = false;
      if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
        negative = body[0] == '-';
        body.erase(0, 1);
      }
      int base = 10;
      if (body.size() > 1 && body[0] == '0') {
        const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(body[1])));
        base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 8;
        body.erase(0, p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
      }
      std::uint64_t u = 0;
      const auto r = std::from_chars(body.data(), body.data() + body.size(), u, base);
      if (!body.empty() && r.ec == std::errc() && r.ptr == body.data() + body.size() &&
          u <= static_cast<std::uint64_t>(INT64_MAX)) {
        a.kind = Arg::Kind::integer;
        a.integer = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
        return;
      }
    }
    char* end = nullptr;
    const double d = std::strtod(digits.c_str(), &end);
    if (digits.empty() || end != digits.c_str() + digits.size() || std::isinf(d))
      fail("illegal number syntax: \"" + text + "\"");
    a.kind = Arg::Kind::floating;
    a.floating = d;
  }

  std::string_view source_;
  const std::function<bool(std::string_view)>& is_function_;
  std::vector<Token> tokens_;
  std::size_t i_ = 0;
  Tree tree_;
  std::vector<std::string> vars_;
  int depth_ = 0;
  int range_depth_ = 0;
};

}  // namespace

Tree parse_tree(std::string name, std::string_view source,
                const std::function<bool(std::string_view)>& is_function) {
  return Parser(std::move(name), source, is_function).run();
}

}  // namespace hawatch::tmpl::detail
