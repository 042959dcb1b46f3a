#include "hooks/rfc2136/dns_message.h"

// ldns/common.h #defines bool/false/true unless stdbool.h came first, which breaks C++ headers.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)
// (keep this order)
#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>

namespace hawatch::alerting::failover {
namespace {

struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct RrFree {
  void operator()(ldns_rr* r) const { ldns_rr_free(r); }
};
struct RrListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListFree>;
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

std::string absolute(const std::string& name) {
  return !name.empty() && name.back() == '.' ? name : name + ".";
}

bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

RdfPtr dname(const std::string& name) {
  if (!plain_name(name)) return nullptr;
  return RdfPtr(ldns_dname_new_frm_str(absolute(name).c_str()));
}

std::optional<ldns_rr_type> type_of(const std::string& type) {
  if (type == "A") return LDNS_RR_TYPE_A;
  if (type == "AAAA") return LDNS_RR_TYPE_AAAA;
  if (type == "CNAME") return LDNS_RR_TYPE_CNAME;
  return std::nullopt;
}

// The value as rdata of the record's type, parsed by ldns for that type only.
RdfPtr rdata(ldns_rr_type type, const std::string& value) {
  if (value.empty() || value.size() > 253 || value.find('\0') != std::string::npos) return nullptr;
  if (type == LDNS_RR_TYPE_CNAME) return dname(value);
  for (char c : value)
    if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '(' || c == ')') return nullptr;
  return RdfPtr(ldns_rdf_new_frm_str(type == LDNS_RR_TYPE_A ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
                                     value.c_str()));
}

RrPtr make_rr(const RecordRef& record, ldns_rr_type type, ldns_rr_class rr_class, std::uint32_t ttl,
              const std::string& value, std::string& error) {
  RdfPtr owner = dname(record.name);
  RdfPtr data = rdata(type, value);
  if (!owner) {
    error = "\"" + record.name + "\" is not a domain name";
    return nullptr;
  }
  if (!data) {
    error = "\"" + value + "\" is not a valid " + record.type + " value";
    return nullptr;
  }
  RrPtr rr(ldns_rr_new());
  if (!rr) {
    error = "out of memory";
    return nullptr;
  }
  ldns_rr_set_owner(rr.get(), owner.release());
  ldns_rr_set_type(rr.get(), type);
  ldns_rr_set_class(rr.get(), rr_class);
  ldns_rr_set_ttl(rr.get(), ttl);
  ldns_rr_push_rdf(rr.get(), data.release());
  return rr;
}

bool push(ldns_rr_list* list, RrPtr rr) {
  if (!rr || !ldns_rr_list_push_rr(list, rr.get())) return false;
  rr.release();
  return true;
}

std::optional<std::vector<std::uint8_t>> to_wire(ldns_pkt* pkt, std::string& error) {
  uint8_t* out = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&out, pkt, &size) != LDNS_STATUS_OK || !out) {
    error = "cannot encode the message";
    return std::nullopt;
  }
  std::vector<std::uint8_t> wire(out, out + size);
  std::free(out);
  return wire;
}

std::string rdf_text(const ldns_rdf* rdf) {
  std::unique_ptr<char, decltype(&std::free)> s(ldns_rdf2str(rdf), &std::free);
  std::string text = s ? s.get() : "";
  if (text.size() > 1 && text.back() == '.') text.pop_back();  // names as the config spells them
  return text;
}

}  // namespace

bool valid_record_value(const std::string& type, const std::string& value) {
  const auto t = type_of(type);
  return t && rdata(*t, value) != nullptr;
}

std::optional<std::vector<std::uint8_t>> build_cas_update(const RecordRef& record,
                                                          const std::string& expected_old,
                                                          const std::string& new_value,
                                                          std::uint16_t id, std::string& error) {
  const auto type = type_of(record.type);
  RdfPtr zone = dname(record.zone);
  if (!type || !zone) {
    error = !type ? "record type " + record.type + " is not supported" : "bad zone name";
    return std::nullopt;
  }
  RrListPtr prerequisite(ldns_rr_list_new()), update(ldns_rr_list_new()),
      additional(ldns_rr_list_new());
  if (!prerequisite || !update || !additional) {
    error = "out of memory";
    return std::nullopt;
  }
  // RFC 2136 2.4.2: the RRset exists and holds exactly the old value (class IN, TTL 0).
  // 2.5.4: delete that RR (class NONE, TTL 0); 2.5.1: add the new one.
  if (!push(prerequisite.get(), make_rr(record, *type, LDNS_RR_CLASS_IN, 0, expected_old, error)) ||
      !push(update.get(), make_rr(record, *type, LDNS_RR_CLASS_NONE, 0, expected_old, error)) ||
      !push(update.get(), make_rr(record, *type, LDNS_RR_CLASS_IN, record.ttl, new_value, error)))
    return std::nullopt;
  PktPtr pkt(ldns_update_pkt_new(zone.release(), LDNS_RR_CLASS_IN, prerequisite.get(), update.get(),
                                 additional.get()));
  if (!pkt) {
    error = "cannot build the update";
    return std::nullopt;
  }
  ldns_pkt_set_id(pkt.get(), id);
  ldns_pkt_set_rd(pkt.get(), false);
  return to_wire(pkt.get(), error);
}

std::optional<std::vector<std::uint8_t>> build_record_query(const RecordRef& record,
                                                            std::uint16_t id, std::string& error) {
  const auto type = type_of(record.type);
  RdfPtr name = dname(record.name);
  if (!type || !name) {
    error = !type ? "record type " + record.type + " is not supported" : "bad record name";
    return std::nullopt;
  }
  PktPtr pkt(ldns_pkt_query_new(name.release(), *type, LDNS_RR_CLASS_IN, 0));
  if (!pkt) {
    error = "cannot build the query";
    return std::nullopt;
  }
  ldns_pkt_set_id(pkt.get(), id);
  return to_wire(pkt.get(), error);
}

std::optional<DnsResponse> decode_dns_response(std::span<const std::uint8_t> wire,
                                               const RecordRef* record, std::string& error) {
  ldns_pkt* raw = nullptr;
  const ldns_status status = ldns_wire2pkt(&raw, wire.data(), wire.size());
  PktPtr pkt(raw);
  if (status != LDNS_STATUS_OK || !pkt) {
    error = std::string("malformed response: ") + ldns_get_errorstr_by_id(status);
    return std::nullopt;
  }
  DnsResponse r;
  r.rcode = ldns_pkt_get_rcode(pkt.get());
  r.opcode = ldns_pkt_get_opcode(pkt.get());
  r.authoritative = ldns_pkt_aa(pkt.get());
  if (!record) return r;
  const auto type = type_of(record->type);
  RdfPtr owner = dname(record->name);
  const ldns_rr_list* answer = ldns_pkt_answer(pkt.get());
  if (!type || !owner || !answer) return r;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != *type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
        ldns_rr_rd_count(rr) != 1 || ldns_dname_compare(ldns_rr_owner(rr), owner.get()) != 0)
      continue;
    r.values.push_back(rdf_text(ldns_rr_rdf(rr, 0)));
  }
  return r;
}

std::string rcode_name(int rcode) {
  const ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
  return entry && entry->name ? entry->name : "RCODE" + std::to_string(rcode);
}

UpdateResult result_of_rcode(int rcode) {
  switch (rcode) {
    case kNoError:
      return UpdateResult::ok;
    case kNxRrset:
    case kYxRrset:
      return UpdateResult::cas_lost;
    case kRefused:
      return UpdateResult::refused;
    case kNotAuth:
      return UpdateResult::notauth;
    case kServFail:
      return UpdateResult::servfail;
    default:
      return UpdateResult::error;
  }
}

}  // namespace hawatch::alerting::failover
