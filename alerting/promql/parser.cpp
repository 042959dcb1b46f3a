#include "parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

#include "checks.h"
#include "lexer.h"

namespace hawatch::promql {
namespace {

// Thrown inside the parser only; parse_tree turns it into a ParseError.
struct Failure {
  std::size_t offset;
  std::string token;
  std::string message;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::optional<AggregateOp> aggregate_keyword(std::string_view word) {
  static constexpr std::array<std::pair<std::string_view, AggregateOp>, 12> kOps{{
      {"sum", AggregateOp::sum},
      {"min", AggregateOp::min},
      {"max", AggregateOp::max},
      {"avg", AggregateOp::avg},
      {"count", AggregateOp::count},
      {"count_values", AggregateOp::count_values},
      {"stddev", AggregateOp::stddev},
      {"stdvar", AggregateOp::stdvar},
      {"topk", AggregateOp::topk},
      {"bottomk", AggregateOp::bottomk},
      {"quantile", AggregateOp::quantile},
      {"group", AggregateOp::group},
  }};
  const auto l = lower(word);
  for (const auto& [name, op] : kOps)
    if (name == l) return op;
  return std::nullopt;
}

bool is_other_keyword(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kWords{
      "and",     "or", "unless",   "atan2",      "offset",      "by",
      "without", "on", "ignoring", "group_left", "group_right", "bool"};
  const auto l = lower(word);
  return std::find(kWords.begin(), kWords.end(), l) != kWords.end();
}

struct OperatorInfo {
  BinaryOp op;
  int precedence;
};

// Prometheus' precedence table (generated_parser.y): higher binds tighter.
constexpr int kPowPrecedence = 6;

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  NodePtr parse_all() {
    try {
      auto root = parse_expr(0);
      if (peek().kind != TokenKind::end) fail(peek(), "unexpected " + describe(peek()));
      return root;
    } catch (const CheckError& e) {
      throw Failure{e.offset, token_at(e.offset), e.message};
    }
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool peek_is(TokenKind kind) const { return peek().kind == kind; }
  bool peek_keyword(std::string_view keyword) const {
    return peek().kind == TokenKind::identifier && lower(peek().text) == keyword;
  }

  [[noreturn]] void fail(const Token& token, std::string message) const {
    throw Failure{token.offset, token.kind == TokenKind::end ? "" : token.text, std::move(message)};
  }
  [[noreturn]] void fail_node(const Node& node, std::string message) const {
    throw Failure{node.offset, token_at(node.offset), std::move(message)};
  }
  std::string token_at(std::size_t offset) const {
    for (const auto& t : tokens_)
      if (t.offset == offset) return t.text;
    return "";
  }

  const Token& expect(TokenKind kind, std::string_view context) {
    if (!peek_is(kind)) fail(peek(), "unexpected " + describe(peek()) + std::string(context));
    return next();
  }

  // Bounds recursion so hostile nesting cannot exhaust the stack.
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxExpressionDepth)
        parser.fail(parser.peek(), "expression nested more than " +
                                       std::to_string(kMaxExpressionDepth) + " levels deep");
    }
    ~DepthGuard() { --parser.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& parser;
  };

  NodePtr make(NodeKind kind, ValueType type, std::size_t offset, int child_height,
               const Token& where) {
    auto node = std::make_unique<Node>(std::move(kind), type, offset);
    node->height = child_height + 1;
    if (node->height > kMaxExpressionDepth)
      fail(where,
           "expression nested more than " + std::to_string(kMaxExpressionDepth) + " levels deep");
    return node;
  }

  std::optional<OperatorInfo> binary_operator(const Token& t) const {
    switch (t.kind) {
      case TokenKind::add:
        return OperatorInfo{BinaryOp::add, 4};
      case TokenKind::sub:
        return OperatorInfo{BinaryOp::sub, 4};
      case TokenKind::mul:
        return OperatorInfo{BinaryOp::mul, 5};
      case TokenKind::div:
        return OperatorInfo{BinaryOp::div, 5};
      case TokenKind::mod:
        return OperatorInfo{BinaryOp::mod, 5};
      case TokenKind::pow:
        return OperatorInfo{BinaryOp::pow, kPowPrecedence};
      case TokenKind::eql:
        return OperatorInfo{BinaryOp::eql, 3};
      case TokenKind::neq:
        return OperatorInfo{BinaryOp::neq, 3};
      case TokenKind::gtr:
        return OperatorInfo{BinaryOp::gtr, 3};
      case TokenKind::lss:
        return OperatorInfo{BinaryOp::lss, 3};
      case TokenKind::gte:
        return OperatorInfo{BinaryOp::gte, 3};
      case TokenKind::lte:
        return OperatorInfo{BinaryOp::lte, 3};
      case TokenKind::identifier: {
        const auto l = lower(t.text);
        if (l == "and") return OperatorInfo{BinaryOp::land, 2};
        if (l == "unless") return OperatorInfo{BinaryOp::lunless, 2};
        if (l == "or") return OperatorInfo{BinaryOp::lor, 1};
        if (l == "atan2") fail(t, "binary operator \"atan2\" is not supported by hawatch");
        return std::nullopt;
      }
      default:
        return std::nullopt;
    }
  }

  NodePtr parse_expr(int min_precedence) {
    DepthGuard guard(*this);
    auto lhs = parse_unary();
    while (true) {
      const Token& op_token = peek();
      const auto info = binary_operator(op_token);
      if (!info || info->precedence < min_precedence) break;
      next();
      auto modifiers = parse_binary_modifiers();
      const bool right_assoc = info->op == BinaryOp::pow;
      auto rhs = parse_expr(right_assoc ? info->precedence : info->precedence + 1);
      lhs = make_binary(info->op, std::move(lhs), std::move(rhs), std::move(modifiers), op_token);
    }
    return lhs;
  }

  struct Modifiers {
    bool return_bool = false;
    VectorMatching matching;
  };

  Modifiers parse_binary_modifiers() {
    Modifiers m;
    if (peek_keyword("bool")) {
      next();
      m.return_bool = true;
    }
    if (peek_keyword("on") || peek_keyword("ignoring")) {
      m.matching.on = lower(next().text) == "on";
      m.matching.matching_labels = parse_label_list();
      if (peek_keyword("group_left") || peek_keyword("group_right")) {
        m.matching.card = lower(next().text) == "group_left" ? Cardinality::many_to_one
                                                             : Cardinality::one_to_many;
        if (peek_is(TokenKind::left_paren)) m.matching.include = parse_label_list();
      }
    }
    return m;
  }

  NodePtr make_binary(BinaryOp op, NodePtr lhs, NodePtr rhs, Modifiers m, const Token& op_token) {
    auto matching =
        check_binary(op, *lhs, *rhs, m.return_bool, std::move(m.matching), op_token.offset);
    const auto lt = lhs->type;
    const auto rt = rhs->type;
    const auto type =
        lt == ValueType::scalar && rt == ValueType::scalar ? ValueType::scalar : ValueType::vector;
    const auto offset = lhs->offset;
    const int height = std::max(lhs->height, rhs->height);
    BinaryExpr bin{op, std::move(lhs), std::move(rhs), m.return_bool, std::move(matching)};
    return make(std::move(bin), type, offset, height, op_token);
  }

  NodePtr parse_unary() {
    if (peek_is(TokenKind::add) || peek_is(TokenKind::sub)) {
      const Token& op = next();
      const bool negate = op.kind == TokenKind::sub;
      // Unary operators bind like '*' (%prec MUL in Prometheus' grammar): only '^' binds tighter.
      auto operand = parse_expr(kPowPrecedence);
      if (auto* number = std::get_if<NumberLiteral>(&operand->kind)) {
        if (negate) number->value = -number->value;
        operand->offset = op.offset;
        return operand;
      }
      check_unary(*operand);
      const auto type = operand->type;
      const int height = operand->height;
      return make(UnaryExpr{negate, std::move(operand)}, type, op.offset, height, op);
    }
    return parse_postfix(parse_primary());
  }

  NodePtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::number:
        next();
        return make(NumberLiteral{t.number}, ValueType::scalar, t.offset, 0, t);
      case TokenKind::string:
        next();
        return make(StringLiteral{t.value}, ValueType::string, t.offset, 0, t);
      case TokenKind::left_paren: {
        next();
        auto inner = parse_expr(0);
        expect(TokenKind::right_paren, ", expected \")\"");
        const auto type = inner->type;
        const int height = inner->height;
        return make(ParenExpr{std::move(inner)}, type, t.offset, height, t);
      }
      case TokenKind::left_brace:
        return parse_selector(nullptr);
      case TokenKind::metric_identifier:
        return parse_selector(&next());
      case TokenKind::identifier:
        return parse_identifier_expr();
      case TokenKind::at:
        fail(t, "the @ modifier is not supported by hawatch");
      default:
        fail(t, "unexpected " + describe(t));
    }
  }

  NodePtr parse_identifier_expr() {
    const Token& t = peek();
    // An aggregation keyword not followed by "(" or by/without is a metric name, as Prometheus'
    // grammar has it (`sum > 1` selects the series named sum).
    if (const auto op = aggregate_keyword(t.text)) {
      const auto& after = peek(1);
      const bool grouping = after.kind == TokenKind::identifier &&
                            (lower(after.text) == "by" || lower(after.text) == "without");
      if (after.kind == TokenKind::left_paren || grouping) return parse_aggregation(*op);
      return parse_selector(&next());
    }
    if (is_other_keyword(t.text)) fail(t, "unexpected keyword " + quoted(t.text));
    if (peek(1).kind == TokenKind::left_paren) return parse_call();
    return parse_selector(&next());
  }

  std::vector<std::string> parse_label_list() {
    expect(TokenKind::left_paren, " in grouping opts, expected \"(\"");
    std::vector<std::string> labels;
    while (!peek_is(TokenKind::right_paren)) {
      const Token& label = peek();
      if (label.kind != TokenKind::identifier)
        fail(label, "unexpected " + describe(label) + " in grouping opts, expected label");
      labels.push_back(next().text);
      if (peek_is(TokenKind::comma)) {
        next();
      } else if (!peek_is(TokenKind::right_paren)) {
        fail(peek(),
             "unexpected " + describe(peek()) + " in grouping opts, expected \")\" or \",\"");
      }
    }
    next();
    return labels;
  }

  std::vector<NodePtr> parse_call_args(std::string_view context) {
    expect(TokenKind::left_paren, std::string(", expected \"(\" in ") + std::string(context));
    std::vector<NodePtr> args;
    while (!peek_is(TokenKind::right_paren)) {
      args.push_back(parse_expr(0));
      if (peek_is(TokenKind::comma)) {
        const Token& comma = next();
        if (peek_is(TokenKind::right_paren))
          fail(comma, "trailing commas not allowed in function call args");
      } else if (!peek_is(TokenKind::right_paren)) {
        fail(peek(), "unexpected " + describe(peek()) + " in " + std::string(context) +
                         ", expected \",\" or \")\"");
      }
    }
    next();
    return args;
  }

  void parse_grouping(AggregateExpr& agg) {
    agg.without = lower(next().text) == "without";
    agg.grouping = parse_label_list();
  }

  NodePtr parse_aggregation(AggregateOp op) {
    const Token& start = next();
    AggregateExpr agg;
    agg.op = op;
    bool grouped = false;
    if (peek_keyword("by") || peek_keyword("without")) {
      parse_grouping(agg);
      grouped = true;
    }
    auto args = parse_call_args("aggregation");
    if (!grouped && (peek_keyword("by") || peek_keyword("without"))) parse_grouping(agg);
    check_aggregate_args(op, args, start.offset);
    if (args.size() == 2) agg.param = std::move(args[0]);
    agg.expr = std::move(args.back());
    int height = agg.expr->height;
    if (agg.param) height = std::max(height, agg.param->height);
    return make(std::move(agg), ValueType::vector, start.offset, height, start);
  }

  NodePtr parse_call() {
    const Token& name = next();
    const auto* func = find_function(name.text);
    if (func == nullptr) {
      if (is_unsupported_prometheus_function(name.text))
        fail(name, "function " + quoted(name.text) + " is not supported by hawatch");
      fail(name, "unknown function with name " + quoted(name.text));
    }
    auto args = parse_call_args("call to function " + quoted(name.text));
    check_call(*func, args, name.offset);
    int height = 0;
    for (const auto& a : args) height = std::max(height, a->height);
    return make(Call{func, std::move(args)}, func->return_type, name.offset, height, name);
  }

  NodePtr parse_selector(const Token* name) {
    const std::size_t offset = name != nullptr ? name->offset : peek().offset;
    VectorSelector vs;
    if (name != nullptr) {
      vs.metric_name = name->text;
      vs.matchers.push_back(Matcher::make(MatchType::equal, "__name__", name->text));
    }
    if (peek_is(TokenKind::left_brace)) parse_matchers(vs, offset);
    const bool any_non_empty = std::any_of(vs.matchers.begin(), vs.matchers.end(),
                                           [](const Matcher& m) { return !m.matches(""); });
    if (!any_non_empty)
      throw Failure{offset, token_at(offset),
                    "vector selector must contain at least one non-empty matcher"};
    return make(std::move(vs), ValueType::vector, offset, 0, peek());
  }

  void parse_matchers(VectorSelector& vs, std::size_t selector_start) {
    next();  // {
    while (!peek_is(TokenKind::right_brace)) {
      const Token& label = peek();
      if (label.kind != TokenKind::identifier)
        fail(label, "unexpected " + describe(label) + " in label matching, expected label");
      next();
      const Token& op = next();
      MatchType type;
      switch (op.kind) {
        case TokenKind::assign:
          type = MatchType::equal;
          break;
        case TokenKind::neq:
          type = MatchType::not_equal;
          break;
        case TokenKind::regex_match:
          type = MatchType::regex;
          break;
        case TokenKind::regex_not_match:
          type = MatchType::not_regex;
          break;
        default:
          fail(op, "unexpected " + describe(op) +
                       " in label matching, expected label matching "
                       "operator");
      }
      const Token& value = peek();
      if (value.kind != TokenKind::string)
        fail(value, "unexpected " + describe(value) + " in label matching, expected string");
      next();
      if (label.text == "__name__" && !vs.metric_name.empty())
        throw Failure{selector_start, token_at(selector_start),
                      "metric name must not be set twice: " + quoted(vs.metric_name) + " or " +
                          quoted(value.value)};
      try {
        vs.matchers.push_back(Matcher::make(type, label.text, value.value));
      } catch (const std::invalid_argument& e) {
        fail(value, e.what());
      }
      if (peek_is(TokenKind::comma)) {
        next();
      } else if (!peek_is(TokenKind::right_brace)) {
        fail(peek(),
             "unexpected " + describe(peek()) + " in label matching, expected \",\" or \"}\"");
      }
    }
    next();  // }
  }

  std::int64_t parse_positive_duration(const Token& t) {
    const auto ms = parse_duration_ms(t.text);
    if (!ms) fail(t, "not a valid duration string: " + quoted(t.text));
    if (*ms == 0) fail(t, "duration must be greater than 0");
    return *ms;
  }

  // Range selectors and offset modifiers, which bind tighter than any operator.
  NodePtr parse_postfix(NodePtr node) {
    while (true) {
      const Token& t = peek();
      if (t.kind == TokenKind::left_bracket) {
        node = parse_range(std::move(node));
      } else if (t.kind == TokenKind::identifier && lower(t.text) == "offset") {
        parse_offset(*node);
      } else if (t.kind == TokenKind::at) {
        fail(t, "the @ modifier is not supported by hawatch");
      } else {
        return node;
      }
    }
  }

  NodePtr parse_range(NodePtr node) {
    const Token& bracket = next();
    const Token& d = peek();
    if (d.kind != TokenKind::duration)
      fail(d, "unexpected " + describe(d) + " in subquery or range, expected duration");
    next();
    if (peek_is(TokenKind::colon)) return parse_subquery(std::move(node), bracket, d);
    expect(TokenKind::right_bracket, " in range, expected \"]\"");
    auto* vs = std::get_if<VectorSelector>(&node->kind);
    if (vs == nullptr) fail(bracket, "ranges only allowed for vector selectors");
    if (vs->has_offset) fail(bracket, "no offset modifiers allowed before range");
    MatrixSelector ms{std::move(*vs), parse_positive_duration(d)};
    return make(std::move(ms), ValueType::matrix, node->offset, 0, bracket);
  }

  // expr[range:] or expr[range:step], the "[range" already read.
  NodePtr parse_subquery(NodePtr node, const Token& bracket, const Token& range) {
    next();  // :
    SubqueryExpr sq;
    sq.range_ms = parse_positive_duration(range);
    if (peek_is(TokenKind::duration)) sq.step_ms = parse_positive_duration(next());
    expect(TokenKind::right_bracket, " in subquery, expected \"]\"");
    if (node->type != ValueType::vector)
      fail_node(*node, "subquery is only allowed on instant vector, got " +
                           std::string(value_type_short_name(node->type)) + " instead");
    const auto offset = node->offset;
    const int height = node->height;
    sq.expr = std::move(node);
    return make(std::move(sq), ValueType::matrix, offset, height, bracket);
  }

  void parse_offset(Node& node) {
    const Token& keyword = next();
    bool negative = false;
    if (peek_is(TokenKind::sub)) {
      next();
      negative = true;
    }
    const Token& d = peek();
    if (d.kind != TokenKind::duration)
      fail(d, "unexpected " + describe(d) + " in offset, expected duration");
    next();
    const auto ms = parse_positive_duration(d);
    if (auto* sq = std::get_if<SubqueryExpr>(&node.kind)) {
      if (sq->has_offset) fail(keyword, "offset may not be set multiple times");
      sq->has_offset = true;
      sq->offset_ms = negative ? -ms : ms;
      return;
    }
    VectorSelector* vs = std::get_if<VectorSelector>(&node.kind);
    if (auto* m = std::get_if<MatrixSelector>(&node.kind)) vs = &m->selector;
    if (vs == nullptr)
      fail_node(node,
                "offset modifier must be preceded by an instant vector selector or range "
                "vector selector or a subquery");
    if (vs->has_offset) fail(keyword, "offset may not be set multiple times");
    vs->has_offset = true;
    vs->offset_ms = negative ? -ms : ms;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

ParseError make_error(std::string_view text, std::size_t offset, std::string token,
                      std::string message) {
  ParseError e;
  e.offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < e.offset; ++i) {
    if (text[i] == '\n') {
      ++e.line;
      e.column = 1;
    } else {
      ++e.column;
    }
  }
  e.token = std::move(token);
  e.message = std::move(message);
  return e;
}

}  // namespace

std::variant<NodePtr, ParseError> parse_tree(std::string_view text) {
  if (text.size() > kMaxExpressionBytes)
    return make_error(text, kMaxExpressionBytes, "",
                      "expression longer than " + std::to_string(kMaxExpressionBytes) + " bytes");
  auto lexed = lex(text);
  if (!lexed.ok)
    return make_error(text, lexed.error.offset, lexed.error.token, lexed.error.message);
  bool only_end = lexed.tokens.size() == 1;
  if (only_end) return make_error(text, text.size(), "", "no expression found in input");
  try {
    Parser parser(text, std::move(lexed.tokens));
    return parser.parse_all();
  } catch (const Failure& f) {
    return make_error(text, f.offset, f.token, f.message);
  }
}

}  // namespace hawatch::promql
