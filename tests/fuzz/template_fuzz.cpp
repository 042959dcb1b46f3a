// Alert templates: any text either parses or is refused with Go's message; what parses executes
// within its output and step bounds, never crashing, whatever the labels and value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "template/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = hawatch::tmpl::AlertTemplate::parse(text, "Fuzz");
  if (auto* error = std::get_if<std::string>(&parsed)) {
    if (error->rfind("template: __alert_Fuzz", 0) != 0) std::abort();
    return 0;
  }
  hawatch::tmpl::AlertData d;
  d.labels = {{"__name__", "up"}, {"instance", "a:1"}, {"job", "j"}};
  d.external_labels = {{"site", "pi"}};
  d.value = size % 3 == 0 ? 1e300 : -0.5;
  hawatch::tmpl::Limits limits;
  limits.max_output_bytes = 4096;
  limits.max_steps = 10000;
  const std::string out = std::get<hawatch::tmpl::AlertTemplate>(parsed).expand(d, limits);
  // An error message may quote the template's own text; a success is within the output bound.
  if (out.rfind("<error expanding template: ", 0) != 0 && out.size() > limits.max_output_bytes)
    std::abort();
  return 0;
}
