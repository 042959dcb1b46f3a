// apcupsd: UPS state from apcupsd's Network Information Server (TCP 3551), one unit per UPS.
// The NIS protocol lives in apcupsd_nis.{h,cpp}; this file is the I/O around it.

#include "apcupsd_nis.h"
#include "core/collector.h"
#include "core/parse.h"
#include "collectors/shared/tcp_client.h"
#include "collectors/shared/ups_common.h"

namespace hawatch {
namespace {

constexpr std::uint16_t kDefaultPort = 3551;
constexpr std::size_t kMaxReplyBytes = 64 * 1024;

class ApcupsdCollector final : public Collector {
 public:
  ApcupsdCollector(std::string name, HostPort address) : name_(std::move(name)), client_(std::move(address)) {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    ups::Reading reading;
    std::string detail;
    try {
      reading = query_with_retry(ctx.deadline);
    } catch (const TcpError& e) {
      reading = ups::down(e.reason());
      detail = e.what();
    } catch (const ParseError& e) {
      client_.close();  // the stream is no longer in step with the protocol
      reading = ups::down("protocol error");
      detail = client_.address().to_string() + ": " + e.what();
    }
    if (!detail.empty()) problems.push_back({"apcupsd/" + name_ + ": " + detail});
    availability_.note("apcupsd", name_, reading, detail);
    ups::emit_reading(sink, name_, reading);
  }

 private:
  // A reused connection may have been closed by apcupsd since the last run (restart, idle
  // timeout): that gets one fresh connection; a fresh connection's failure is the answer.
  ups::Reading query_with_retry(TcpClient::Deadline deadline) {
    const bool reused = client_.connected();
    try {
      return query(deadline);
    } catch (const TcpError& e) {
      if (!reused || e.reason() == "timeout") throw;
      return query(deadline);
    }
  }

  ups::Reading query(TcpClient::Deadline deadline) {
    client_.ensure_connected(deadline);
    client_.send(apcupsd::frame("status"), deadline);
    while (true) {
      auto& buffer = client_.buffer();
      if (auto reply = apcupsd::split_reply(buffer)) {
        buffer.erase(0, reply->consumed);
        return apcupsd::reading_from_records(apcupsd::parse_records(reply->records));
      }
      if (buffer.size() > kMaxReplyBytes) throw ParseError("apcupsd NIS reply", "larger than 64 KiB");
      client_.receive_more(deadline);
    }
  }

  std::string name_;
  TcpClient client_;
  ups::AvailabilityLog availability_;
};

CollectorDescriptor apcupsd_descriptor() {
  CollectorDescriptor d;
  d.name = "apcupsd";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  // Without a config section there is nothing to watch; the section turns it on.
  d.source_exists = [](const Environment&) { return false; };
  d.create_units = [](const CollectorArgs& args) {
    return ups::read_units(args, kDefaultPort, [](MapReader&, const ups::Entry& entry) {
      return std::make_unique<ApcupsdCollector>(entry.name, entry.address);
    });
  };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(apcupsd, hawatch::apcupsd_descriptor)
