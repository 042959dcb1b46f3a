// hawatch-check-rtsp: camera reachability as an exec plugin speaking the Nagios protocol.
//   hawatch-check-rtsp [--timeout SECONDS] NAME=rtsp://HOST[:PORT][/PATH] ...
// Sends an RTSP OPTIONS request to each camera (RFC 2326 §10.1, what VLC and ffmpeg send first)
// and expects "RTSP/1.0 200". Exit 0 when every camera answers, 1 when some do not, 2 when none
// does, 3 on bad arguments. Perfdata per camera: 'NAME_up'=0|1 and 'NAME_time'=seconds.

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Camera {
  std::string name, url, host, port = "554";
};

struct Result {
  bool up = false;
  double seconds = 0;
  std::string detail;
};

bool parse_camera(const std::string& arg, Camera& cam) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  cam.name = arg.substr(0, eq);
  cam.url = arg.substr(eq + 1);
  const std::string scheme = "rtsp://";
  if (cam.url.rfind(scheme, 0) != 0) return false;
  std::string hostport = cam.url.substr(scheme.size());
  hostport = hostport.substr(0, hostport.find('/'));
  if (const auto at = hostport.rfind('@'); at != std::string::npos) hostport = hostport.substr(at + 1);
  if (!hostport.empty() && hostport[0] == '[') {  // [::1]:8554
    const auto close = hostport.find(']');
    if (close == std::string::npos) return false;
    cam.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') cam.port = hostport.substr(close + 2);
  } else if (const auto colon = hostport.find(':'); colon != std::string::npos) {
    cam.host = hostport.substr(0, colon);
    cam.port = hostport.substr(colon + 1);
  } else {
    cam.host = hostport;
  }
  return !cam.host.empty() && !cam.port.empty();
}

bool wait_fd(int fd, short events, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left)) > 0;
}

Result probe(const Camera& cam, std::chrono::milliseconds timeout) {
  Result r;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(cam.host.c_str(), cam.port.c_str(), &hints, &res); rc != 0) {
    r.detail = std::string("resolve: ") + gai_strerror(rc);
    return r;
  }
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ::freeaddrinfo(res);
    r.detail = std::string("socket: ") + std::strerror(errno);
    return r;
  }
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    r.detail = std::string("connect: ") + std::strerror(errno);
  } else if (!wait_fd(fd, POLLOUT, deadline)) {
    r.detail = "connect: timed out";
  } else {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      r.detail = std::string("connect: ") + std::strerror(err);
    } else {
      const std::string req = "OPTIONS " + cam.url + " RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: hawatch-check-rtsp\r\n\r\n";
      std::string reply;
      if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        r.detail = "send failed";
      } else {
        char buf[1024];
        while (reply.find("\r\n") == std::string::npos && reply.size() < 4096) {
          if (!wait_fd(fd, POLLIN, deadline)) {
            r.detail = "no reply in time";
            break;
          }
          const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0) {
            r.detail = "connection closed without a reply";
            break;
          }
          reply.append(buf, static_cast<std::size_t>(n));
        }
        const std::string status = reply.substr(0, reply.find("\r\n"));
        if (r.detail.empty()) {
          r.up = status.rfind("RTSP/1.0 200", 0) == 0;
          r.detail = status.empty() ? "empty reply" : status.substr(0, 120);
        }
      }
    }
  }
  ::close(fd);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

std::string quote(const std::string& label) {
  std::string out = "'";
  for (char c : label) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
  double timeout = 2;
  std::vector<Camera> cameras;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--timeout" && i + 1 < argc) {
      char* end = nullptr;
      timeout = std::strtod(argv[++i], &end);
      if (!end || *end || timeout <= 0 || timeout > 60) {
        std::printf("RTSP UNKNOWN - --timeout must be 0..60 seconds\n");
        return 3;
      }
      continue;
    }
    Camera cam;
    if (!parse_camera(a, cam)) {
      std::printf("RTSP UNKNOWN - bad camera \"%s\" (expected NAME=rtsp://HOST[:PORT][/PATH])\n", a.c_str());
      return 3;
    }
    cameras.push_back(cam);
  }
  if (cameras.empty()) {
    std::printf("RTSP UNKNOWN - usage: hawatch-check-rtsp [--timeout S] NAME=rtsp://HOST[:PORT]/PATH ...\n");
    return 3;
  }
  std::string perf, details;
  int up = 0;
  for (const auto& cam : cameras) {
    const Result r = probe(cam, std::chrono::milliseconds(static_cast<long>(timeout * 1000)));
    up += r.up;
    char buf[128];
    std::snprintf(buf, sizeof buf, "=%d;;;0;1 ", r.up ? 1 : 0);
    perf += quote(cam.name + "_up") + buf;
    std::snprintf(buf, sizeof buf, "=%.6fs;;;0 ", r.seconds);
    perf += quote(cam.name + "_time") + buf;
    details += cam.name + ": " + (r.up ? "OK " : "DOWN ") + r.detail + "\n";
  }
  const int total = static_cast<int>(cameras.size());
  const int code = up == total ? 0 : up == 0 ? 2 : 1;
  const char* word[] = {"OK", "WARNING", "CRITICAL"};
  std::printf("RTSP %s - %d/%d cameras answer OPTIONS | %s\n%s", word[code], up, total, perf.c_str(), details.c_str());
  return code;
}
