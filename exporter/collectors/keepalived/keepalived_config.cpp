#include "keepalived_config.h"

#include <algorithm>
#include <set>

namespace hawatch::keepalived {
namespace {

// A D-Bus well-known name: two or more dot-separated elements of [A-Za-z0-9_-], not starting with
// a digit, at most 255 characters.
bool valid_service_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '.' || name.back() == '.') return false;
  std::size_t elements = 1;
  bool element_start = true;
  for (char c : name) {
    if (c == '.') {
      if (element_start) return false;
      ++elements;
      element_start = true;
      continue;
    }
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
    if (!alpha && !(c >= '0' && c <= '9')) return false;
    if (element_start && !alpha) return false;
    element_start = false;
  }
  return elements >= 2;
}

bool valid_interface_name(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return c == '/' || c == ':' || c <= ' '; });
}

void read_vips(MapReader& opts, const CollectorArgs& args, Options& o) {
  const YAML::Node list = opts.node("vips");
  if (!list.IsDefined() || list.IsNull()) return;
  const std::string where = args.where + ".vips";
  if (!list.IsSequence()) {
    args.ctx.error(list, "\"" + where +
                             "\": expected a list of { address, interface } entries, got " +
                             yaml_type_name(list));
    return;
  }
  std::set<std::pair<std::string, std::string>> seen;
  std::size_t i = 0;
  for (const YAML::Node& item : list) {
    const std::string at = where + "[" + std::to_string(i++) + "]";
    // Where errors about the address point. reset(), not `=`: assigning to a yaml-cpp node that
    // refers into the tree would overwrite the tree.
    YAML::Node address_node;
    std::optional<std::string> address, interface;
    if (item.IsScalar()) {  // shorthand: just the address
      address = item.Scalar();
      address_node.reset(item);
    } else {
      MapReader entry(item, args.ctx, at);
      if (!entry.valid()) continue;
      address = entry.string("address");
      interface = entry.string("interface");
      address_node.reset(entry.node("address"));
      if (!address && !entry.has("address"))
        args.ctx.error(item, "\"" + at + "\": missing \"address\"");
      if (interface && !valid_interface_name(*interface))
        args.ctx.error(entry.node("interface"),
                       "\"" + at + ".interface\": \"" + *interface + "\" is not an interface name");
      entry.finish();
    }
    if (!address) continue;
    auto vip = parse_vip_address(*address);
    if (!vip) {
      args.ctx.error(address_node,
                     "\"" + at + ".address\": \"" + *address +
                         "\" is not an IPv4 or IPv6 address (write it without a prefix length)");
      continue;
    }
    vip->interface = interface.value_or("");
    if (!seen.insert({vip->address, vip->interface}).second) {
      args.ctx.error(address_node, "\"" + at + "\": VIP " + vip->address + " is listed twice");
      continue;
    }
    o.vips.push_back(std::move(*vip));
  }
}

}  // namespace

std::optional<Options> read_options(const CollectorArgs& args) {
  MapReader opts(args.options, args.ctx, args.where);
  if (!opts.valid()) return std::nullopt;
  const std::size_t errors_before = args.ctx.diagnostics().size();
  Options o;
  const auto source = opts.choice("source", {"auto", "dbus", "fifo"});
  if (source)
    o.source = *source == "dbus"   ? Source::dbus
               : *source == "fifo" ? Source::fifo
                                   : Source::automatic;
  if (auto service = opts.string("dbus_service_name")) {
    if (valid_service_name(*service))
      o.service = *service;
    else
      args.ctx.error(opts.node("dbus_service_name"),
                     "\"" + args.where + ".dbus_service_name\": \"" + *service +
                         "\" is not a D-Bus service name (e.g. org.keepalived.Vrrp1)");
  }
  if (auto fifo = opts.string("notify_fifo")) {
    if (std::filesystem::path(*fifo).is_absolute())
      o.fifo = args.env.root(*fifo);
    else
      args.ctx.error(opts.node("notify_fifo"), "\"" + args.where + ".notify_fifo\": \"" + *fifo +
                                                   "\" must be an absolute path");
  }
  if (o.source == Source::fifo && !opts.has("notify_fifo"))
    args.ctx.error(opts.node("source"),
                   "\"" + args.where +
                       ".source\": fifo needs \"notify_fifo\" (keepalived's vrrp_notify_fifo)");
  read_vips(opts, args, o);
  opts.finish();
  if (args.ctx.diagnostics().size() != errors_before) return std::nullopt;
  return o;
}

}  // namespace hawatch::keepalived
