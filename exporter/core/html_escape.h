#pragma once
// HTML escaping for every page and message hawatch renders (status page, alert sections, email):
// text and attribute values alike, so that no label or annotation can add markup.

#include <string>
#include <string_view>

namespace hawatch {

std::string html_escape(std::string_view text);

}  // namespace hawatch
