#include "tcp_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <sys/socket.h>

#include <charconv>

namespace hawatch {

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port,
                                        std::string& why) {
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      why = "missing \"]\" after an IPv6 address";
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    const auto rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      why = "expected \":PORT\" after \"]\"";
      return std::nullopt;
    }
    port_text = rest.empty() ? std::string_view{} : rest.substr(1);
    if (!rest.empty() && port_text.empty()) {
      why = "empty port";
      return std::nullopt;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      why = "an IPv6 address needs brackets: [ADDRESS]:PORT";
      return std::nullopt;
    }
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) {
        why = "empty port";
        return std::nullopt;
      }
    }
  }
  if (out.host.empty()) {
    why = "empty host";
    return std::nullopt;
  }
  for (const char c : out.host)
    if (c == ' ' || c == '/' || static_cast<unsigned char>(c) < 0x21) {
      why = "invalid character in host";
      return std::nullopt;
    }
  out.port = default_port;
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      why = "port must be a number from 1 to 65535, got \"" + std::string(port_text) + "\"";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

Poco::Timespan TcpClient::time_left(Deadline deadline, const char* doing) const {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0)
    throw TcpError("timeout", address_.to_string() + ": " + doing + ": timed out");
  return Poco::Timespan(left.count());
}

void TcpClient::fail(const char* doing, const std::exception& e) {
  close();
  std::string reason = "connection error";
  std::string detail = e.what();
  if (const auto* pe = dynamic_cast<const Poco::Exception*>(&e)) detail = pe->displayText();
  if (dynamic_cast<const Poco::TimeoutException*>(&e)) reason = "timeout";
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e)) reason = "connection refused";
  if (dynamic_cast<const Poco::Net::HostNotFoundException*>(&e) ||
      dynamic_cast<const Poco::Net::NoAddressFoundException*>(&e))
    reason = "host not found";
  throw TcpError(reason, address_.to_string() + ": " + doing + ": " + detail);
}

void TcpClient::ensure_connected(Deadline deadline) {
  if (connected_) return;
  buffer_.clear();
  try {
    const Poco::Net::SocketAddress address(address_.host, address_.port);
    socket_ = Poco::Net::StreamSocket();
    socket_.connect(address, time_left(deadline, "connect"));
    socket_.setNoDelay(true);
    connected_ = true;
  } catch (const TcpError&) {
    throw;
  } catch (const std::exception& e) {
    fail("connect", e);
  }
}

void TcpClient::send(std::string_view data, Deadline deadline) {
  try {
    while (!data.empty()) {
      socket_.setSendTimeout(time_left(deadline, "send"));
      // MSG_NOSIGNAL: a peer that went away must be an error here, not a SIGPIPE for the process.
      const int n = socket_.sendBytes(data.data(), static_cast<int>(data.size()), MSG_NOSIGNAL);
      if (n <= 0) throw TcpError("connection closed", address_.to_string() + ": send: connection closed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  } catch (const TcpError&) {
    close();
    throw;
  } catch (const std::exception& e) {
    fail("send", e);
  }
}

void TcpClient::receive_more(Deadline deadline) {
  char chunk[4096];
  int n = 0;
  try {
    socket_.setReceiveTimeout(time_left(deadline, "receive"));
    n = socket_.receiveBytes(chunk, sizeof chunk);
  } catch (const TcpError&) {
    close();
    throw;
  } catch (const std::exception& e) {
    fail("receive", e);
  }
  if (n <= 0) {
    close();
    throw TcpError("connection closed", address_.to_string() + ": connection closed by the server");
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
}

std::string TcpClient::read_line(Deadline deadline, std::size_t max_length) {
  std::size_t searched = 0;
  while (true) {
    const auto nl = buffer_.find('\n', searched);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() > max_length) {
      close();
      throw TcpError("protocol error", address_.to_string() + ": reply line longer than " +
                                           std::to_string(max_length) + " bytes");
    }
    searched = buffer_.size();
    receive_more(deadline);
  }
}

void TcpClient::close() {
  if (connected_) {
    try {
      socket_.close();
    } catch (const std::exception&) {
      // Closing a broken socket may fail; it is gone either way.
    }
  }
  connected_ = false;
  buffer_.clear();
}

}  // namespace hawatch
