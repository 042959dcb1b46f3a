#include "hooks/tsig/tsig.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

namespace hawatch::alerting::failover {
namespace {

constexpr std::uint16_t kTypeTsig = 250;
constexpr std::uint16_t kClassAny = 255;
constexpr std::size_t kHeaderBytes = 12;

const EVP_MD* digest_of(TsigAlgorithm a) {
  switch (a) {
    case TsigAlgorithm::hmac_md5:
      return EVP_md5();
    case TsigAlgorithm::hmac_sha1:
      return EVP_sha1();
    case TsigAlgorithm::hmac_sha224:
      return EVP_sha224();
    case TsigAlgorithm::hmac_sha256:
      return EVP_sha256();
    case TsigAlgorithm::hmac_sha384:
      return EVP_sha384();
    case TsigAlgorithm::hmac_sha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put48(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int shift = 40; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// An absolute, already validated name ("ddns-key.") in uncompressed wire form.
void put_name(std::vector<std::uint8_t>& out, const std::string& name) {
  std::size_t start = 0;
  while (start < name.size()) {
    const std::size_t dot = name.find('.', start);
    const std::size_t end = dot == std::string::npos ? name.size() : dot;
    out.push_back(static_cast<std::uint8_t>(end - start));
    for (std::size_t i = start; i < end; ++i)
      out.push_back(static_cast<std::uint8_t>(std::tolower(static_cast<unsigned char>(name[i]))));
    start = end + 1;
  }
  out.push_back(0);
}

std::uint16_t get16(std::span<const std::uint8_t> m, std::size_t at) {
  return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
}

// The TSIG variables of RFC 8945 section 4.3.3 (the record without MAC and original ID).
std::vector<std::uint8_t> tsig_variables(const std::string& key_name, std::string_view algorithm,
                                         std::uint64_t time_signed, std::uint16_t fudge,
                                         std::uint16_t error, std::span<const std::uint8_t> other) {
  std::vector<std::uint8_t> v;
  put_name(v, key_name);
  put16(v, kClassAny);
  v.insert(v.end(), 4, 0);  // TTL
  put_name(v, std::string(algorithm));
  put48(v, time_signed);
  put16(v, fudge);
  put16(v, error);
  put16(v, static_cast<std::uint16_t>(other.size()));
  v.insert(v.end(), other.begin(), other.end());
  return v;
}

std::vector<std::uint8_t> hmac(const TsigKey& key, std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> mac(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (!HMAC(digest_of(key.algorithm), key.secret.data(), static_cast<int>(key.secret.size()),
            data.data(), data.size(), mac.data(), &size))
    return {};
  mac.resize(size);
  return mac;
}

// Bounded reads of a message being walked.
class Walker {
 public:
  explicit Walker(std::span<const std::uint8_t> m) : m_(m) {}
  bool has(std::size_t n) const { return pos_ <= m_.size() && m_.size() - pos_ >= n; }
  std::size_t pos() const { return pos_; }
  bool skip(std::size_t n) {
    if (!has(n)) return false;
    pos_ += n;
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (!has(2)) return false;
    v = get16(m_, pos_);
    pos_ += 2;
    return true;
  }
  // Skips a name: labels up to the root label or a compression pointer.
  bool skip_name() {
    for (std::size_t labels = 0; labels < 128; ++labels) {
      if (!has(1)) return false;
      const std::uint8_t len = m_[pos_];
      if ((len & 0xC0) == 0xC0) return skip(2);
      if (len & 0xC0) return false;
      if (!skip(1u + len)) return false;
      if (len == 0) return true;
    }
    return false;
  }
  // Reads a name at the current position into lower-case text, following at most
  // kMaxNamePointers pointers; the position moves past the name as it is in the message.
  bool read_name(std::string& out) {
    out.clear();
    std::size_t at = pos_;
    std::optional<std::size_t> after;
    std::size_t wire_length = 0;
    for (int hops = 0;;) {
      if (at >= m_.size()) return false;
      const std::uint8_t len = m_[at];
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= m_.size() || ++hops > kMaxNamePointers) return false;
        if (!after) after = at + 2;
        at = static_cast<std::size_t>((len & 0x3F) << 8 | m_[at + 1]);
        continue;
      }
      if (len & 0xC0) return false;
      wire_length += 1u + len;
      if (wire_length > 255 || at + 1 + len > m_.size()) return false;
      if (len == 0) {
        pos_ = after ? *after : at + 1;
        if (out.empty()) out = ".";
        return true;
      }
      for (std::size_t i = at + 1; i <= at + len; ++i)
        out += static_cast<char>(std::tolower(m_[i]));
      out += '.';
      at += 1u + len;
    }
  }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    auto s = m_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> m_;
  std::size_t pos_ = 0;
};

bool read_tsig_rdata(Walker& w, std::size_t rdata_end, TsigRecord& r) {
  std::uint16_t hi = 0, lo = 0, mac_size = 0, other_len = 0;
  if (!w.read_name(r.algorithm) || !w.u16(hi) || !w.u16(lo)) return false;
  std::uint16_t lowest = 0;
  if (!w.u16(lowest)) return false;
  r.time_signed = (std::uint64_t{hi} << 32) | (std::uint64_t{lo} << 16) | lowest;
  if (!w.u16(r.fudge) || !w.u16(mac_size) || !w.has(mac_size)) return false;
  const auto mac = w.bytes(mac_size);
  r.mac.assign(mac.begin(), mac.end());
  if (!w.u16(r.original_id) || !w.u16(r.error) || !w.u16(other_len) || !w.has(other_len))
    return false;
  const auto other = w.bytes(other_len);
  r.other.assign(other.begin(), other.end());
  return w.pos() == rdata_end;
}

}  // namespace

std::vector<std::uint8_t> tsig_sign(std::vector<std::uint8_t>& message, const TsigKey& key,
                                    std::uint64_t time_signed, std::uint16_t fudge) {
  const std::string_view algorithm = tsig_algorithm_wire_name(key.algorithm);
  std::vector<std::uint8_t> data = message;
  const auto vars = tsig_variables(key.name, algorithm, time_signed, fudge, 0, {});
  data.insert(data.end(), vars.begin(), vars.end());
  const std::vector<std::uint8_t> mac = hmac(key, data);

  std::vector<std::uint8_t> rdata;
  put_name(rdata, std::string(algorithm));
  put48(rdata, time_signed);
  put16(rdata, fudge);
  put16(rdata, static_cast<std::uint16_t>(mac.size()));
  rdata.insert(rdata.end(), mac.begin(), mac.end());
  put16(rdata, get16(message, 0));  // original ID
  put16(rdata, 0);                  // error
  put16(rdata, 0);                  // other len
  put_name(message, key.name);
  put16(message, kTypeTsig);
  put16(message, kClassAny);
  message.insert(message.end(), 4, 0);  // TTL
  put16(message, static_cast<std::uint16_t>(rdata.size()));
  message.insert(message.end(), rdata.begin(), rdata.end());
  const std::uint16_t arcount = static_cast<std::uint16_t>(get16(message, 10) + 1);
  message[10] = static_cast<std::uint8_t>(arcount >> 8);
  message[11] = static_cast<std::uint8_t>(arcount);
  return mac;
}

std::optional<TsigRecord> find_tsig_record(std::span<const std::uint8_t> message,
                                           std::string& error) {
  error.clear();
  if (message.size() < kHeaderBytes) {
    error = "shorter than a DNS header";
    return std::nullopt;
  }
  const std::uint16_t qd = get16(message, 4), an = get16(message, 6), ns = get16(message, 8),
                      ar = get16(message, 10);
  Walker w(message);
  w.skip(kHeaderBytes);
  for (std::uint16_t i = 0; i < qd; ++i) {
    if (!w.skip_name() || !w.skip(4)) {
      error = "question section truncated";
      return std::nullopt;
    }
  }
  const std::size_t records = std::size_t{an} + ns + ar;
  for (std::size_t i = 0; i < records; ++i) {
    const std::size_t start = w.pos();
    std::uint16_t type = 0, rr_class = 0, rdlength = 0;
    if (i + 1 < records || ar == 0) {
      if (!w.skip_name() || !w.u16(type) || !w.u16(rr_class) || !w.skip(4) || !w.u16(rdlength) ||
          !w.skip(rdlength)) {
        error = "record " + std::to_string(i) + " truncated";
        return std::nullopt;
      }
      continue;
    }
    TsigRecord r;
    r.offset = start;
    std::uint16_t ttl_high = 0, ttl_low = 0;
    if (!w.read_name(r.key_name) || !w.u16(type) || !w.u16(rr_class) || !w.u16(ttl_high) ||
        !w.u16(ttl_low) || !w.u16(rdlength) || !w.has(rdlength)) {
      error = "last record truncated";
      return std::nullopt;
    }
    if (type != kTypeTsig) return std::nullopt;
    if (rr_class != kClassAny || ttl_high != 0 || ttl_low != 0 ||
        !read_tsig_rdata(w, w.pos() + rdlength, r)) {
      error = "malformed TSIG record";
      return std::nullopt;
    }
    if (w.pos() != message.size()) {
      error = "bytes after the TSIG record";
      return std::nullopt;
    }
    return r;
  }
  return std::nullopt;
}

TsigCheck tsig_verify_response(std::span<const std::uint8_t> response, const TsigKey& key,
                               std::span<const std::uint8_t> request_mac, std::uint64_t now) {
  std::string error;
  const auto r = find_tsig_record(response, error);
  if (!error.empty()) return {TsigVerdict::invalid, "malformed response: " + error};
  if (!r) return {TsigVerdict::unsigned_msg, "the response is not signed"};
  if (r->key_name != key.name)
    return {TsigVerdict::invalid, "the response is signed with key " + r->key_name};
  if (r->algorithm != tsig_algorithm_wire_name(key.algorithm))
    return {TsigVerdict::invalid, "the response is signed with algorithm " + r->algorithm};
  if (r->error != 0)
    return {TsigVerdict::tsig_error, "TSIG error " + tsig_error_name(r->error), r->error};
  // The message as it was before the server signed it: ARCOUNT one less, the original ID.
  std::vector<std::uint8_t> data;
  put16(data, static_cast<std::uint16_t>(request_mac.size()));
  data.insert(data.end(), request_mac.begin(), request_mac.end());
  const std::size_t body = data.size();
  data.insert(data.end(), response.begin(), response.begin() + static_cast<long>(r->offset));
  data[body] = static_cast<std::uint8_t>(r->original_id >> 8);
  data[body + 1] = static_cast<std::uint8_t>(r->original_id);
  const std::uint16_t arcount = static_cast<std::uint16_t>(get16(data, body + 10) - 1);
  data[body + 10] = static_cast<std::uint8_t>(arcount >> 8);
  data[body + 11] = static_cast<std::uint8_t>(arcount);
  const auto vars =
      tsig_variables(r->key_name, r->algorithm, r->time_signed, r->fudge, r->error, r->other);
  data.insert(data.end(), vars.begin(), vars.end());
  const auto mac = hmac(key, data);
  if (mac.empty() || mac.size() != r->mac.size() ||
      CRYPTO_memcmp(mac.data(), r->mac.data(), mac.size()) != 0)
    return {TsigVerdict::invalid, "the response's TSIG MAC does not verify"};
  const std::uint64_t skew = now > r->time_signed ? now - r->time_signed : r->time_signed - now;
  if (skew > r->fudge)
    return {TsigVerdict::invalid,
            "the response was signed " + std::to_string(skew) + " s from our clock"};
  return {TsigVerdict::valid, "signed"};
}

std::string tsig_error_name(std::uint16_t error) {
  switch (error) {
    case 16:
      return "BADSIG";
    case 17:
      return "BADKEY";
    case 18:
      return "BADTIME";
    case 22:
      return "BADTRUNC";
    default:
      return "TSIG error " + std::to_string(error);
  }
}

}  // namespace hawatch::alerting::failover
