#include "exposition.h"

#include <prometheus/text_serializer.h>
#include <zlib.h>

#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace hawatch {

std::vector<PreparedFamily> prepare_families(
    const std::vector<prometheus::MetricFamily>& families) {
  std::vector<PreparedFamily> out;
  out.reserve(families.size());
  prometheus::TextSerializer serializer;
  for (const auto& family : families) {
    if (family.metric.empty()) continue;
    std::ostringstream text;
    serializer.Serialize(text, std::vector<prometheus::MetricFamily>{family});
    std::string all = text.str();
    // Header lines start with '#'; sample lines never do.
    std::size_t split = 0;
    while (split < all.size() && all[split] == '#') {
      const auto nl = all.find('\n', split);
      split = nl == std::string::npos ? all.size() : nl + 1;
    }
    out.push_back(PreparedFamily{family.name, all.substr(0, split), all.substr(split)});
  }
  return out;
}

std::string merge_families(const std::vector<const std::vector<PreparedFamily>*>& groups) {
  struct Slot {
    const PreparedFamily* first = nullptr;
    std::vector<const PreparedFamily*> more;
  };
  std::vector<std::string_view> order;
  std::unordered_map<std::string_view, Slot> slots;
  std::size_t total = 0;
  for (const auto* group : groups) {
    for (const auto& fam : *group) {
      total += fam.header.size() + fam.samples.size();
      auto [it, inserted] = slots.try_emplace(fam.name);
      if (inserted) {
        it->second.first = &fam;
        order.push_back(fam.name);
      } else {
        it->second.more.push_back(&fam);
      }
    }
  }
  std::string out;
  out.reserve(total);
  for (auto name : order) {
    const Slot& slot = slots[name];
    out += slot.first->header;
    out += slot.first->samples;
    for (const auto* more : slot.more) out += more->samples;
  }
  return out;
}

std::string gzip_compress(const std::string& data) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper; level 6 is zlib's balanced default.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
  out.resize(produced);
  return out;
}

const std::string& Exposition::gzipped() const {
  std::call_once(gzip_once_, [this] { gzip_ = gzip_compress(text_); });
  return gzip_;
}

}  // namespace hawatch
