#include "host_address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace hawatch::net {

std::optional<HostPort> parse_host_port(std::string_view text, int default_port, std::string* error) {
  std::string ignored;
  if (!error) error = &ignored;
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      *error = "missing ']' in \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    hp.host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        *error = "expected ':' after ']' in \"" + std::string(text) + "\"";
        return std::nullopt;
      }
      port_text = rest.substr(1);
      if (port_text.empty()) port_text = "?";
    }
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    hp.host = std::string(text);  // a bare IPv6 address
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    hp.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (port_text.empty()) port_text = "?";
  } else {
    hp.host = std::string(text);
  }
  if (hp.host.empty() || hp.host.find_first_of(" \t/") != std::string::npos) {
    *error = "bad host in \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  if (port_text.empty()) {
    if (default_port <= 0) {
      *error = "\"" + std::string(text) + "\" needs a port (HOST:PORT)";
      return std::nullopt;
    }
    hp.port = default_port;
    return hp;
  }
  int port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port < 1 || port > 65535) {
    *error = "bad port \"" + std::string(port_text) + "\" in \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  hp.port = port;
  return hp;
}

std::string format_host_port(const HostPort& hp) {
  const bool v6 = hp.host.find(':') != std::string::npos;
  return (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
}

bool is_ip_literal(const std::string& host) {
  in6_addr buf{};
  return inet_pton(AF_INET, host.c_str(), &buf) == 1 || inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

namespace {

struct Lookup {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  int rc = 0;
  std::optional<ResolvedAddress> result;
};

ResolvedAddress from_addrinfo(const addrinfo* ai) {
  ResolvedAddress r;
  std::memcpy(&r.addr, ai->ai_addr, ai->ai_addrlen);
  r.length = ai->ai_addrlen;
  r.family = ai->ai_family;
  char buf[INET6_ADDRSTRLEN] = {};
  const void* raw = ai->ai_family == AF_INET
                        ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr)
                        : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr);
  inet_ntop(ai->ai_family, raw, buf, sizeof buf);
  r.text = buf;
  return r;
}

// getaddrinfo into `lookup`; runs on the caller's thread for literals, on a helper for names.
void lookup_into(const std::string& host, int family, bool numeric, Lookup& lookup) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = numeric ? AI_NUMERICHOST : AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  std::optional<ResolvedAddress> found;
  if (rc == 0) {
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
      if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
        found = from_addrinfo(ai);
        break;
      }
    }
    freeaddrinfo(list);
  }
  std::lock_guard lock(lookup.mutex);
  lookup.rc = rc;
  lookup.result = std::move(found);
  lookup.done = true;
  lookup.done_cv.notify_all();
}

}  // namespace

ResolvedAddress resolve_host(const std::string& host, int family,
                             std::chrono::steady_clock::time_point deadline) {
  auto lookup = std::make_shared<Lookup>();
  if (is_ip_literal(host)) {
    lookup_into(host, family, true, *lookup);
  } else {
    std::thread([host, family, lookup] { lookup_into(host, family, false, *lookup); }).detach();
  }
  std::unique_lock lock(lookup->mutex);
  if (!lookup->done_cv.wait_until(lock, deadline, [&] { return lookup->done; }))
    throw ResolveError("resolving " + host + ": timed out", true);
  if (lookup->rc != 0)
    throw ResolveError("resolving " + host + ": " + gai_strerror(lookup->rc), false);
  if (!lookup->result) throw ResolveError("resolving " + host + ": no usable address", false);
  return *lookup->result;
}

}  // namespace hawatch::net
