#pragma once
// The front of the HTTP server: accepts connections and holds each one, without a worker thread,
// until its request head (or, with TLS, its whole ClientHello) has arrived; only then is it handed
// to the worker pool.
//
// Why: Poco's HTTPServer gives every accepted connection a worker thread at once and then blocks
// it in a read with a per-read timeout. 130 clients trickling one header byte every few seconds,
// or 200 idle ones, occupy every thread and the queue, so /metrics is refused. Here one thread
// waits on all not-yet-ready connections with epoll and peeks (MSG_PEEK) at what the kernel has
// buffered: nothing is consumed, so Poco's parser later reads the request exactly as it was sent,
// with pipelining intact. The gate enforces what Poco cannot: a deadline for the whole head (408),
// a head size and request-line limit (431, 414), a header count limit (431), and caps on waiting
// connections in total and per client address (429). When the total cap is reached the oldest
// waiting connection is dropped instead of the new one, so a scraper that sends its request at
// once still gets through a flood of idle or trickling connections.
//
// Limits of the design: after the first request of a kept-alive connection the worker reads the
// next head itself (Poco's keep-alive loop); the handler closes a kept-alive connection when others
// wait for a worker, and the keep-alive wait is short. Under TLS the gate sees only ciphertext: it
// waits for a complete ClientHello record; the encrypted HTTP head is read by the worker.

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hawatch {

struct HeadLimits {
  std::size_t max_head_bytes = 16 * 1024;     // request line + headers + blank line
  std::size_t max_request_line_bytes = 8192;  // method, target and version
  std::size_t max_header_fields = 100;
  std::chrono::milliseconds head_deadline{10'000};  // from accept to the blank line
  std::size_t max_waiting = 1024;                   // connections in the gate, all clients
  std::size_t max_waiting_per_client = 64;          // ... from one address
};

// What a peek at the start of a connection shows.
enum class HeadState {
  incomplete,         // wait for more
  complete,           // the head (or ClientHello) is there: hand over
  too_large,          // 431: no end of head within max_head_bytes
  request_line_long,  // 414
  too_many_fields,    // 431
};

// Scans what has arrived so far of a plain HTTP request. Linear in `data`.
HeadState scan_http_head(std::string_view data, const HeadLimits& limits);
// Whether a whole TLS record (the ClientHello) has arrived; not-TLS bytes count as complete
// (the handshake then fails at once in the worker).
HeadState scan_tls_hello(std::string_view data);

class HeadGate {
 public:
  // Called on the gate's thread with a connection whose head has arrived; must not block.
  using Ready = std::function<void(const Poco::Net::StreamSocket&)>;
  HeadGate(Poco::Net::ServerSocket listener, bool tls, HeadLimits limits, Ready ready);
  ~HeadGate();
  HeadGate(const HeadGate&) = delete;
  HeadGate& operator=(const HeadGate&) = delete;

  void start();
  void stop();  // closes every waiting connection; idempotent

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes a short error answer with Connection: close (plain HTTP only), best effort.
void send_refusal(Poco::Net::StreamSocket& socket, int status, std::string_view reason);

}  // namespace hawatch
