#include "keepalived_parsers.h"

#include <Poco/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/Node.h>
#include <Poco/Exception.h>
#include <Poco/SAX/XMLReader.h>
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "core/parse.h"

namespace hawatch::keepalived {
namespace {

constexpr std::string_view kFifoSource = "keepalived notify FIFO";

// keepalived writes the name in double quotes; names cannot contain quotes in its config syntax.
std::optional<std::string_view> quoted_name(std::string_view& rest) {
  rest = trim(rest);
  if (rest.size() < 2 || rest.front() != '"') return std::nullopt;
  const auto close = rest.find('"', 1);
  if (close == std::string_view::npos || close == 1) return std::nullopt;
  const auto name = rest.substr(1, close - 1);
  rest.remove_prefix(close + 1);
  return name;
}

// keepalived's words for an instance's or group's new state. MASTER_RX_LOWER_PRI (a master heard
// a lower-priority master) and the *_PRIORITY words (priority changed) keep the state they name.
bool apply_word(std::string_view word, FifoEvent& event) {
  using A = FifoEvent::Action;
  if (word == "MASTER" || word == "MASTER_RX_LOWER_PRI" || word == "MASTER_PRIORITY") {
    event.action = A::state;
    event.state = VrrpState::master;
  } else if (word == "BACKUP" || word == "BACKUP_PRIORITY") {
    event.action = A::state;
    event.state = VrrpState::backup;
  } else if (word == "FAULT") {
    event.action = A::state;
    event.state = VrrpState::fault;
  } else if (word == "STOP") {
    event.action = A::stop;
    event.state = VrrpState::init;
  } else if (word == "DELETED") {
    event.action = A::deleted;
    event.state = VrrpState::init;
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::optional<VrrpState> state_from_number(std::uint32_t number) {
  if (number > static_cast<std::uint32_t>(VrrpState::fault)) return std::nullopt;
  return static_cast<VrrpState>(number);
}

FifoLine parse_fifo_line(std::string_view line, FifoEvent& event) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = trim(line);
  const auto space = rest.find(' ');
  const auto kind = rest.substr(0, space);
  if (kind == "INSTANCE") {
    event.kind = FifoEvent::Kind::instance;
  } else if (kind == "GROUP") {
    event.kind = FifoEvent::Kind::group;
  } else {
    return FifoLine::ignored;  // checker lines (VS/RS) or anything else on a shared FIFO
  }
  rest.remove_prefix(space == std::string_view::npos ? rest.size() : space);
  const auto name = quoted_name(rest);
  if (!name) throw ParseError(kFifoSource, "no quoted name in \"" + std::string(line) + "\"");
  const auto fields = split_fields(rest);
  if (fields.size() != 2)
    throw ParseError(kFifoSource,
                     "expected STATE and PRIORITY after the name in \"" + std::string(line) + "\"");
  if (!apply_word(fields[0], event))
    throw ParseError(kFifoSource, "unknown state \"" + std::string(fields[0]) + "\" in \"" +
                                      std::string(line) + "\"");
  const auto priority = to_int64(fields[1]);
  if (!priority || *priority < 0 || *priority > 255)
    throw ParseError(kFifoSource, "bad priority \"" + std::string(fields[1]) + "\" in \"" +
                                      std::string(line) + "\"");
  event.name = std::string(*name);
  event.priority = static_cast<int>(*priority);
  return FifoLine::event;
}

std::optional<InstancePath> parse_instance_path(std::string_view path) {
  // The last four elements: Instance/<interface>/<vrid>/<family>.
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    parts.push_back(path.substr(slash + 1));
    path = path.substr(0, slash);
    if (parts.size() == 4) break;
  }
  if (parts.size() != 4 || parts[3] != "Instance" || parts[2].empty()) return std::nullopt;
  const auto vrid = to_int64(parts[1]);
  if (!vrid || *vrid < 1 || *vrid > 255) return std::nullopt;
  if (parts[0] != "IPv4" && parts[0] != "IPv6") return std::nullopt;
  // The interface as keepalived's object path spells it (D-Bus paths allow only [A-Za-z0-9_]).
  return InstancePath{std::string(parts[2]), static_cast<int>(*vrid), std::string(parts[0])};
}

Introspection parse_introspection(std::string_view xml, std::string_view source) {
  Poco::XML::DOMParser parser;
  // Never fetch the DTD the document names (a network access) or any other external entity.
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
  Poco::AutoPtr<Poco::XML::Document> doc;
  try {
    doc = parser.parseMemory(xml.data(), xml.size());
  } catch (const Poco::Exception& e) {
    throw ParseError(source, "introspection data is not XML: " + e.displayText());
  }
  const Poco::XML::Element* root = doc->documentElement();
  if (root == nullptr || root->nodeName() != "node")
    throw ParseError(source, "introspection data has no <node> root");
  Introspection out;
  for (auto* n = root->firstChild(); n != nullptr; n = n->nextSibling()) {
    if (n->nodeType() != Poco::XML::Node::ELEMENT_NODE) continue;
    const auto* e = static_cast<const Poco::XML::Element*>(n);
    const std::string& name = e->getAttribute("name");
    if (name.empty()) continue;
    if (e->nodeName() == "node") out.children.push_back(name);
    if (e->nodeName() == "interface") out.interfaces.push_back(name);
  }
  return out;
}

std::optional<VipSpec> parse_vip_address(std::string_view text) {
  const std::string s(text);
  VipSpec vip;
  if (inet_pton(AF_INET, s.c_str(), vip.bytes.data()) == 1) {
    vip.family = AF_INET;
  } else if (inet_pton(AF_INET6, s.c_str(), vip.bytes.data()) == 1) {
    vip.family = AF_INET6;
  } else {
    return std::nullopt;
  }
  char canonical[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(vip.family, vip.bytes.data(), canonical, sizeof canonical) == nullptr)
    return std::nullopt;
  vip.address = canonical;
  return vip;
}

std::vector<VipPresence> vip_presence(const std::vector<VipSpec>& vips,
                                      const std::vector<LocalAddress>& addresses) {
  std::vector<VipPresence> out;
  // One series per (address, interface), even when two entries name the same VIP.
  auto add = [&](const std::string& address, const std::string& interface, bool present) {
    const bool seen = std::any_of(out.begin(), out.end(), [&](const VipPresence& p) {
      return p.address == address && p.interface == interface;
    });
    if (!seen) out.push_back({address, interface, present});
  };
  for (const auto& vip : vips) {
    const std::size_t size = vip.family == AF_INET ? 4 : 16;
    bool found = false;
    for (const auto& a : addresses) {
      if (a.family != vip.family || !a.usable) continue;
      if (std::memcmp(a.bytes.data(), vip.bytes.data(), size) != 0) continue;
      if (!vip.interface.empty() && a.interface != vip.interface) continue;
      add(vip.address, a.interface, true);
      found = true;
    }
    if (!found) add(vip.address, "", false);
  }
  return out;
}

}  // namespace hawatch::keepalived
