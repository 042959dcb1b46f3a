#include "value.h"

#include "go_fmt.h"

namespace hawatch::tmpl {
namespace {

std::string print_map(const StringMap& m) {
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ' ';
    first = false;
    out += k + ":" + v;
  }
  return out + "]";
}

}  // namespace

std::string type_name(const Value& v) {
  struct Visitor {
    std::string operator()(Nil) const { return "<nil>"; }
    std::string operator()(bool) const { return "bool"; }
    std::string operator()(std::int64_t) const { return "int"; }
    std::string operator()(double) const { return "float64"; }
    std::string operator()(const std::string&) const { return "string"; }
    std::string operator()(const StringMap&) const { return "map[string]string"; }
    std::string operator()(const RecordPtr& r) const { return r->type; }
    std::string operator()(const AlertData*) const {
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL "
             "string; Value interface {} }";
    }
  };
  return std::visit(Visitor{}, v);
}

std::string print_value(const Value& v) {
  struct Visitor {
    std::string operator()(Nil) const { return "<nil>"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_float_v(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const StringMap& m) const { return print_map(m); }
    std::string operator()(const RecordPtr& r) const {  // fmt's %v of a struct or slice
      std::string out = r->items ? "[" : "{";
      const std::size_t n = r->items ? r->items->size() : r->fields.size();
      for (std::size_t i = 0; i < n; ++i) {
        if (i) out += ' ';
        out += print_value(r->items ? (*r->items)[i] : r->fields[i].second);
      }
      return out + (r->items ? "]" : "}");
    }
    std::string operator()(const AlertData* d) const {
      return "{" + print_map(d->labels) + " " + print_map(d->external_labels) + " " +
             d->external_url + " " + format_float_v(d->value) + "}";
    }
  };
  return std::visit(Visitor{}, v);
}

bool truth(const Value& v) {
  struct Visitor {
    bool operator()(Nil) const { return false; }
    bool operator()(bool b) const { return b; }
    bool operator()(std::int64_t i) const { return i != 0; }
    bool operator()(double d) const { return d != 0; }
    bool operator()(const std::string& s) const { return !s.empty(); }
    bool operator()(const StringMap& m) const { return !m.empty(); }
    bool operator()(const AlertData*) const { return true; }
    bool operator()(const RecordPtr& r) const { return !r->items || !r->items->empty(); }
  };
  return std::visit(Visitor{}, v);
}

}  // namespace hawatch::tmpl
