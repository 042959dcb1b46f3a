// Scrape latency, side by side: one keep-alive connection per target, scrapes interleaved
// A B A B ... so that every target sees the same machine load, once without and once with
// "Accept-Encoding: gzip".
//
//   bench_scrape_latency [--warmup=K] [--mode=both|identity|gzip] N [NAME=]URL [NAME=]URL...
//
// Prints a human table and, last, one machine-readable line "RESULT {json}" (see README.md).
//
// Latency is steady_clock around curl_easy_perform: request written, whole body received. In the
// gzip pass the body is NOT decoded while timing (what is measured is the server and the wire,
// not this client's inflate); the last body of each target is inflated afterwards to count its
// samples.

#include <curl/curl.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  std::string name;
  std::string url;
};

struct Pass {
  std::vector<double> latency_ms;
  std::vector<double> bytes;  // body bytes as received (compressed in the gzip pass)
  std::string last_body;
  std::string content_encoding;  // of the last response
  long new_connections = 0;      // connections opened during the timed scrapes (0 = all reused)
};

struct Stats {
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string line(data, size * n);
  static const char kName[] = "content-encoding:";
  if (line.size() > sizeof kName - 1 &&
      strncasecmp(line.c_str(), kName, sizeof kName - 1) == 0) {
    std::string v = line.substr(sizeof kName - 1);
    const auto b = v.find_first_not_of(" \t");
    const auto e = v.find_last_not_of(" \t\r\n");
    *static_cast<std::string*>(user) = b == std::string::npos ? "" : v.substr(b, e - b + 1);
  }
  return size * n;
}

class Scraper {
 public:
  Scraper(const Target& t, bool gzip) : target_(t) {
    curl_ = curl_easy_init();
    if (!curl_) throw std::runtime_error("curl_easy_init failed");
    curl_easy_setopt(curl_, CURLOPT_URL, t.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body_);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &encoding_);
    // Ask for gzip ourselves and keep the body as sent: no client-side inflate in the timing.
    curl_easy_setopt(curl_, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    headers_ = curl_slist_append(nullptr, gzip ? "Accept-Encoding: gzip" : "Accept-Encoding:");
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
  }
  ~Scraper() {
    curl_easy_cleanup(curl_);
    curl_slist_free_all(headers_);
  }
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;

  // One scrape; returns latency in ms. Throws on transport errors and non-200 answers.
  double scrape(Pass* record) {
    body_.clear();
    encoding_.clear();
    const auto t0 = Clock::now();
    const CURLcode rc = curl_easy_perform(curl_);
    const auto t1 = Clock::now();
    if (rc != CURLE_OK)
      throw std::runtime_error(target_.name + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200)
      throw std::runtime_error(target_.name + ": HTTP " + std::to_string(status));
    const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    if (record) {
      long connects = 0;
      curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &connects);
      record->new_connections += connects;
      record->latency_ms.push_back(ms);
      record->bytes.push_back(static_cast<double>(body_.size()));
    }
    return ms;
  }

  const std::string& body() const { return body_; }
  const std::string& encoding() const { return encoding_; }

 private:
  Target target_;
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string body_;
  std::string encoding_;
};

std::string gunzip(const std::string& in) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw std::runtime_error("gzip body does not inflate");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated
  }
  inflateEnd(&zs);
  return out;
}

// Sample lines: non-empty lines that do not start with '#'.
long count_samples(const std::string& text) {
  long n = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    if (nl > pos && text[pos] != '#') ++n;
    pos = nl + 1;
  }
  return n;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank.
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = percentile(v, 50);
  s.p90 = percentile(v, 90);
  s.p99 = percentile(v, 99);
  s.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct Row {
  std::string target;
  std::string mode;
  Stats latency;
  double mean_bytes = 0;
  double decoded_bytes = 0;
  long samples = 0;
  long scrapes = 0;
  long new_connections = 0;
  std::string content_encoding;
};

std::vector<Row> run_mode(const std::vector<Target>& targets, long n, long warmup, bool gzip) {
  std::vector<std::unique_ptr<Scraper>> scrapers;
  for (const auto& t : targets) scrapers.push_back(std::make_unique<Scraper>(t, gzip));
  std::vector<Pass> passes(targets.size());
  // Warm-up opens the connections and lets both servers fault in their pages and caches.
  for (long i = 0; i < warmup; ++i)
    for (auto& s : scrapers) s->scrape(nullptr);
  for (long i = 0; i < n; ++i)
    for (std::size_t t = 0; t < scrapers.size(); ++t) scrapers[t]->scrape(&passes[t]);

  std::vector<Row> rows;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    Row r;
    r.target = targets[t].name;
    r.mode = gzip ? "gzip" : "identity";
    r.latency = stats(passes[t].latency_ms);
    r.mean_bytes = stats(passes[t].bytes).mean;
    r.scrapes = static_cast<long>(passes[t].latency_ms.size());
    r.new_connections = passes[t].new_connections;
    r.content_encoding = scrapers[t]->encoding().empty() ? "identity" : scrapers[t]->encoding();
    const std::string& body = scrapers[t]->body();
    const std::string text = r.content_encoding == "gzip" ? gunzip(body) : body;
    if (gzip && r.content_encoding != "gzip")
      std::cerr << "warning: " << r.target << " answered a gzip request with Content-Encoding: "
                << r.content_encoding << "\n";
    r.decoded_bytes = static_cast<double>(text.size());
    r.samples = count_samples(text);
    rows.push_back(std::move(r));
  }
  return rows;
}

void usage() {
  std::cerr << "usage: bench_scrape_latency [--warmup=K] [--mode=both|identity|gzip] N "
               "[NAME=]URL [NAME=]URL...\n"
               "  Interleaves N scrapes of each URL over one keep-alive connection per URL,\n"
               "  once without and once with Accept-Encoding: gzip (--mode picks one pass;\n"
               "  default both). K warm-up scrapes per URL and pass, default 20.\n";
}

}  // namespace

int main(int argc, char** argv) {
  long n = -1;
  long warmup = 20;
  std::string mode = "both";
  std::vector<Target> targets;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    }
    if (a.rfind("--warmup=", 0) == 0) {
      warmup = std::strtol(a.c_str() + 9, nullptr, 10);
      continue;
    }
    if (a.rfind("--mode=", 0) == 0) {
      mode = a.substr(7);
      if (mode != "both" && mode != "identity" && mode != "gzip") {
        usage();
        return 2;
      }
      continue;
    }
    if (n < 0) {
      char* end = nullptr;
      n = std::strtol(a.c_str(), &end, 10);
      if (*end != '\0' || n <= 0) {
        usage();
        return 2;
      }
      continue;
    }
    Target t;
    const auto scheme = a.find("://");
    const auto eq = a.find('=');
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      t.name = a.substr(0, eq);
      t.url = a.substr(eq + 1);
    } else {
      t.name = a;
      t.url = a;
    }
    targets.push_back(std::move(t));
  }
  if (n <= 0 || targets.size() < 2 || warmup < 0) {
    usage();
    return 2;
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<Row> rows;
  try {
    for (bool gzip : {false, true}) {
      if (mode != "both" && (mode == "gzip") != gzip) continue;
      auto r = run_mode(targets, n, warmup, gzip);
      rows.insert(rows.end(), r.begin(), r.end());
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_scrape_latency: " << e.what() << "\n";
    curl_global_cleanup();
    return 1;
  }
  curl_global_cleanup();

  std::size_t w = 6;
  for (const auto& t : targets) w = std::max(w, t.name.size());
  std::printf("%-*s %-8s %9s %9s %9s %9s %11s %8s %7s %5s\n", static_cast<int>(w), "target", "mode",
              "p50 ms", "p90 ms", "p99 ms", "max ms", "mean bytes", "samples", "scrapes", "conns");
  for (const auto& r : rows)
    std::printf("%-*s %-8s %9.3f %9.3f %9.3f %9.3f %11.0f %8ld %7ld %5ld\n", static_cast<int>(w),
                r.target.c_str(), r.mode.c_str(), r.latency.p50, r.latency.p90, r.latency.p99,
                r.latency.max, r.mean_bytes, r.samples, r.scrapes, r.new_connections);

  std::ostringstream js;
  js.precision(6);
  js << std::fixed;
  js << "{\"n\":" << n << ",\"warmup\":" << warmup << ",\"mode\":\"" << mode
     << "\",\"results\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    js << (i ? "," : "") << "{\"target\":" << json_string(r.target) << ",\"mode\":\"" << r.mode
       << "\",\"p50_ms\":" << r.latency.p50 << ",\"p90_ms\":" << r.latency.p90
       << ",\"p99_ms\":" << r.latency.p99 << ",\"max_ms\":" << r.latency.max
       << ",\"mean_ms\":" << r.latency.mean << ",\"mean_bytes\":" << r.mean_bytes
       << ",\"decoded_bytes\":" << r.decoded_bytes << ",\"samples\":" << r.samples
       << ",\"scrapes\":" << r.scrapes << ",\"new_connections\":" << r.new_connections
       << ",\"content_encoding\":" << json_string(r.content_encoding) << "}";
  }
  js << "]}";
  std::printf("RESULT %s\n", js.str().c_str());
  return 0;
}
