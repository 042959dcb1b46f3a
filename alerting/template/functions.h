#pragma once
// The functions a template can call: Go's builtins (eq, printf, len, ...) and Prometheus'
// (humanize*, toUpper, reReplaceAll, ...). Output matches Prometheus' template/template.go.

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "value.h"

namespace hawatch::tmpl::detail {

enum class Param { any, string };

struct Function {
  std::vector<Param> params;  // the fixed parameters
  bool variadic = false;      // further arguments of any type
  std::function<Value(const std::vector<Value>&)> call;
};

// A function's own error; the executor reports it as "error calling NAME: <what>".
struct CallError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// nullptr for unknown names; and/or are listed (the executor short-circuits them itself).
const Function* find_function(std::string_view name);

std::string go_sprintf(std::string_view format, const std::vector<Value>& args);
std::string go_sprint(const std::vector<Value>& args);    // fmt.Sprint
std::string go_sprintln(const std::vector<Value>& args);  // fmt.Sprintln

// Prometheus' humanize family, exposed for tests.
std::string humanize(double v);
std::string humanize1024(double v);
std::string humanize_duration(double v);
std::string humanize_percentage(double v);
std::string humanize_timestamp(double v);

}  // namespace hawatch::tmpl::detail
