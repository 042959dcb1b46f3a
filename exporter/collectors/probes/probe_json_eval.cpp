// Evaluating JSON checks on a response body, with Poco::JSON as the parser.
#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "probe_json_check.h"

namespace hawatch::probe {
namespace {

using Poco::Dynamic::Var;

std::string describe(const Var& v) {
  if (v.isEmpty()) return "null";
  try {
    if (v.type() == typeid(bool)) return v.extract<bool>() ? "true" : "false";
    if (v.isString()) return "\"" + v.convert<std::string>() + "\"";
    if (v.isNumeric()) return v.convert<std::string>();
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) return "an object";
    if (v.type() == typeid(Poco::JSON::Array::Ptr)) return "an array";
  } catch (const Poco::Exception&) {
  }
  return "a value";
}

template <typename T>
bool compare(const T& actual, JsonOp op, const T& expected) {
  switch (op) {
    case JsonOp::eq: return actual == expected;
    case JsonOp::ne: return !(actual == expected);
    case JsonOp::lt: return actual < expected;
    case JsonOp::le: return actual <= expected;
    case JsonOp::gt: return actual > expected;
    case JsonOp::ge: return actual >= expected;
  }
  return false;
}

// Walks the path; nullopt when a step is missing.
std::optional<Var> lookup(const Var& root, const std::vector<JsonPathStep>& path, std::string* why) {
  Var cur = root;
  std::string at;
  for (const auto& step : path) {
    if (step.index) {
      at += "[" + std::to_string(*step.index) + "]";
      if (cur.type() != typeid(Poco::JSON::Array::Ptr)) {
        *why = (at.size() > 3 ? at : "the document") + std::string(" is not an array");
        return std::nullopt;
      }
      auto arr = cur.extract<Poco::JSON::Array::Ptr>();
      if (!arr || *step.index >= arr->size()) {
        *why = "no element " + at;
        return std::nullopt;
      }
      cur = arr->get(static_cast<unsigned>(*step.index));
    } else {
      if (cur.type() != typeid(Poco::JSON::Object::Ptr)) {
        *why = (at.empty() ? std::string("the document") : at) + " is not an object";
        return std::nullopt;
      }
      at += (at.empty() ? "" : ".") + step.key;
      auto obj = cur.extract<Poco::JSON::Object::Ptr>();
      if (!obj || !obj->has(step.key)) {
        *why = "field " + at + " is missing";
        return std::nullopt;
      }
      cur = obj->get(step.key);
    }
  }
  return cur;
}

JsonCheckResult evaluate(const JsonCheck& check, const Var& root) {
  std::string why;
  auto value = lookup(root, check.path, &why);
  if (!value) return {false, check.text + ": " + why};
  const Var& v = *value;
  bool passed = false;
  bool comparable = true;
  std::visit(
      [&](const auto& expected) {
        using T = std::decay_t<decltype(expected)>;
        if constexpr (std::is_same_v<T, JsonNull>) {
          comparable = check.op == JsonOp::eq || check.op == JsonOp::ne;
          passed = compare(v.isEmpty(), check.op, true);
        } else if constexpr (std::is_same_v<T, bool>) {
          comparable = v.type() == typeid(bool) && (check.op == JsonOp::eq || check.op == JsonOp::ne);
          if (comparable) passed = compare(v.extract<bool>(), check.op, expected);
        } else if constexpr (std::is_same_v<T, double>) {
          comparable = v.isNumeric() && v.type() != typeid(bool);
          if (comparable) passed = compare(v.convert<double>(), check.op, expected);
        } else {
          comparable = v.isString();
          if (comparable) passed = compare(v.convert<std::string>(), check.op, expected);
        }
      },
      check.expected);
  if (passed) return {true, {}};
  return {false, check.text + ": " + (comparable ? "actual value is " : "cannot compare ") + describe(v)};
}

}  // namespace

std::vector<JsonCheckResult> evaluate_json_checks(const std::vector<JsonCheck>& checks,
                                                  const std::string& body, std::string* body_error) {
  std::vector<JsonCheckResult> results;
  Var root;
  try {
    Poco::JSON::Parser parser;
    root = parser.parse(body);
  } catch (const Poco::Exception& e) {
    // Poco's message quotes the offending byte raw (0xFF at end of input): keep logs printable.
    std::string why = "response is not JSON: " + e.displayText();
    for (char& c : why)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    if (body_error) *body_error = why;
    for (const auto& c : checks) results.push_back({false, c.text + ": " + why});
    return results;
  }
  for (const auto& c : checks) results.push_back(evaluate(c, root));
  return results;
}

}  // namespace hawatch::probe
