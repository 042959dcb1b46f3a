#include "bonding_proc.h"

#include <utility>

#include "core/parse.h"

namespace hawatch::bonding {
namespace {

// One "Key: value" line; the key keeps its case, since the kernel's keys are fixed strings.
struct Field {
  std::string_view key;
  std::string_view value;
  bool indented = false;  // the "Active Aggregator Info" block and LACP pdu details are indented
};

std::optional<Field> split_field(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const bool indented = !line.empty() && (line.front() == '\t' || line.front() == ' ');
  return Field{trim(line.substr(0, colon)), trim(line.substr(colon + 1)), indented};
}

class Parser {
 public:
  Parser(std::string_view source) : source_(source) {}

  void line(std::string_view text) {
    ++number_;
    const auto field = split_field(text);
    if (!field) return;  // "802.3ad info", blank lines, "bond bond0 has no active aggregator"
    if (field->key == "Slave Interface") {
      if (field->value.empty()) fail("empty slave name");
      bond_.slaves.push_back(ProcSlave{std::string(field->value), {}, {}, {}, {}, {}, {}});
      return;
    }
    if (bond_.slaves.empty())
      master(*field);
    else if (!field->indented)  // indented lines in a slave block are LACP pdu details
      slave(*field, bond_.slaves.back());
  }

  ProcBond finish() {
    if (!saw_mode_) throw ParseError(source_, "not a bonding status file (no \"Bonding Mode\" line)");
    return std::move(bond_);
  }

 private:
  void master(const Field& f) {
    if (f.key == "Bonding Mode") {
      bond_.mode = std::string(f.value);
      saw_mode_ = true;
    } else if (f.key == "Currently Active Slave") {
      bond_.active_slave = f.value == "None" ? std::string() : std::string(f.value);
    } else if (f.key == "MII Status") {
      bond_.mii_up = up_down(f);
    } else if (f.key == "MII Polling Interval (ms)") {
      bond_.mii_polling_ms = integer(f);
    } else if (f.key == "Up Delay (ms)") {
      bond_.up_delay_ms = integer(f);
    } else if (f.key == "Down Delay (ms)") {
      bond_.down_delay_ms = integer(f);
    } else if (f.key == "LACP rate") {
      bond_.lacp_rate = std::string(f.value);
    } else if (f.key == "Active Aggregator Info") {
      bond_.aggregator.emplace();
    } else if (bond_.aggregator && f.indented) {
      aggregator(f, *bond_.aggregator);
    }
  }

  void aggregator(const Field& f, ProcAggregator& agg) {
    if (f.key == "Aggregator ID") agg.id = integer(f);
    else if (f.key == "Number of ports") agg.ports = integer(f);
    else if (f.key == "Actor Key") agg.actor_key = integer(f);
    else if (f.key == "Partner Key") agg.partner_key = integer(f);
    else if (f.key == "Partner Mac Address") agg.partner_mac = std::string(f.value);
  }

  void slave(const Field& f, ProcSlave& s) {
    if (f.key == "MII Status") {
      s.mii_up = up_down(f);
    } else if (f.key == "Speed") {
      // "1000 Mbps"; "Unknown" when the NIC does not report it (SPEED_UNKNOWN).
      if (f.value == "Unknown") return;
      const auto fields = split_fields(f.value);
      const auto mbps = fields.empty() ? std::nullopt : to_double(fields.front());
      if (!mbps || fields.size() != 2 || fields[1] != "Mbps" || *mbps < 0) bad(f);
      s.speed_mbps = *mbps;
    } else if (f.key == "Duplex") {
      if (f.value == "full") s.full_duplex = true;
      else if (f.value == "half") s.full_duplex = false;
      else if (f.value != "Unknown" && f.value != "unknown") bad(f);  // DUPLEX_UNKNOWN
    } else if (f.key == "Link Failure Count") {
      const auto n = to_uint64(f.value);
      if (!n) bad(f);
      s.link_failures = *n;
    } else if (f.key == "Permanent HW addr") {
      s.permanent_hw_addr = std::string(f.value);
    } else if (f.key == "Aggregator ID") {
      if (f.value != "N/A") s.aggregator_id = integer(f);
    }
  }

  bool up_down(const Field& f) {
    if (f.value == "up") return true;
    // A slave's MII status may also read "going down" / "going back" while a delay runs.
    if (f.value == "down" || f.value == "going down" || f.value == "going back" || f.value == "unknown")
      return false;
    bad(f);
  }

  std::int64_t integer(const Field& f) {
    const auto v = to_int64(f.value);
    if (!v) bad(f);
    return *v;
  }

  [[noreturn]] void bad(const Field& f) {
    fail("bad \"" + std::string(f.key) + "\" value \"" + std::string(f.value.substr(0, 64)) + "\"");
  }
  [[noreturn]] void fail(const std::string& what) {
    throw ParseError(source_, "line " + std::to_string(number_) + ": " + what);
  }

  std::string_view source_;
  ProcBond bond_;
  bool saw_mode_ = false;
  int number_ = 0;
};

}  // namespace

std::string mode_short_name(std::string_view proc_mode) {
  // bond_mode_name() in drivers/net/bonding/bond_main.c, in mode-number order.
  static constexpr std::pair<std::string_view, std::string_view> kModes[] = {
      {"load balancing (round-robin)", "balance-rr"},
      {"fault-tolerance (active-backup)", "active-backup"},
      {"load balancing (xor)", "balance-xor"},
      {"fault-tolerance (broadcast)", "broadcast"},
      {"IEEE 802.3ad Dynamic link aggregation", "802.3ad"},
      {"transmit load balancing", "balance-tlb"},
      {"adaptive load balancing", "balance-alb"},
  };
  // active-backup may carry a " (fail_over_mac active)" suffix.
  for (const auto& [text, name] : kModes)
    if (proc_mode.substr(0, text.size()) == text) return std::string(name);
  return std::string(proc_mode);
}

ProcBond parse_proc_bonding(std::string_view text, std::string_view source) {
  Parser parser(source);
  for_each_line(text, [&](std::string_view line) { parser.line(line); });
  return parser.finish();
}

}  // namespace hawatch::bonding
