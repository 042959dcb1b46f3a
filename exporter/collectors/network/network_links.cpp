#include "network_links.h"

#include <algorithm>
#include <filesystem>

#include "core/file_io.h"
#include "core/parse.h"

namespace hawatch::network {
namespace fs = std::filesystem;

bool link_is_up(const Link& link) {
  return link.operstate == "up" || (link.operstate == "unknown" && link.carrier.value_or(false));
}

std::vector<Link> read_links(const Environment& env, std::vector<std::string>& problems) {
  const auto net = env.sys("class/net");
  std::vector<Link> links;
  std::error_code ec;
  fs::directory_iterator it(net, ec);
  if (ec) throw IoError(net, ec.value());
  std::string text;
  int err = 0;
  for (const auto& entry : it) {
    // Interfaces are symlinks to directories (directories in fixture trees); skip plain files.
    if (!entry.is_directory(ec)) continue;
    Link link;
    link.name = entry.path().filename().string();
    if (!read_file_into(entry.path() / "operstate", text, err, 256)) {
      problems.emplace_back(IoError(entry.path() / "operstate", err).what());
      continue;
    }
    link.operstate = std::string(trim(text));
    // Unreadable (EINVAL) while the interface is administratively down: no carrier to speak of.
    // Not an exception: a down interface fails this on every run.
    if (read_file_into(entry.path() / "carrier", text, err, 256)) {
      const auto carrier = trim(text);
      if (carrier == "1") link.carrier = true;
      else if (carrier == "0") link.carrier = false;
    }
    links.push_back(std::move(link));
  }
  std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) { return a.name < b.name; });
  return links;
}

}  // namespace hawatch::network
