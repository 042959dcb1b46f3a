// Rule expressions come from rule files: any text must parse into an expression or a ParseError
// that points inside the text, never crash or hang; what parses must evaluate (against a few
// series, with a small sample budget) to a value or an EvalError.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "promql/ast_print.h"
#include "promql/promql.h"

namespace {

const hawatch::promql::MemoryStorage& storage() {
  using namespace hawatch::promql;
  static const MemoryStorage s = [] {
    MemoryStorage m(std::chrono::hours(1));
    const Labels a({{"__name__", "x"}, {"job", "a"}, {"instance", "1"}});
    const Labels b({{"__name__", "x"}, {"job", "b"}, {"instance", "2"}});
    const Labels c({{"__name__", "y"}, {"job", "a"}});
    for (int i = 0; i < 20; ++i) {
      m.append(a, i * 15000, i * 10.0);
      m.append(b, i * 15000, i % 7);
      if (i != 12) m.append(c, i * 15000, -i * 0.5);
    }
    m.mark_stale(c, 20 * 15000);
    return m;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hawatch::promql;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = parse(text);
  if (const auto* error = std::get_if<ParseError>(&result)) {
    if (error->offset > text.size() || error->line < 1 || error->column < 1) __builtin_trap();
    if (error->message.empty()) __builtin_trap();
    return 0;
  }
  const auto& expr = std::get<Expr>(result);
  if (expr.text() != text || expr.type_name().empty()) __builtin_trap();
  (void)tree_string(expr.root());
  EvalOptions options;
  options.max_samples = 20000;
  try {
    (void)evaluate(expr, storage(), 4 * 60 * 1000, options);
  } catch (const EvalError&) {
  }
  return 0;
}
