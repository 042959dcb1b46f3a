#pragma once
// The default text and HTML bodies: what fired, each alert's labels and annotations, when it
// started (and ended), and the link to its source. Written for hawatch's template engine (a Go
// text/template subset without define/template), over Alertmanager's template.Data.

#include <string_view>

namespace hawatch::alerting {

extern const std::string_view kDefaultEmailText;
extern const std::string_view kDefaultEmailHtml;

}  // namespace hawatch::alerting
