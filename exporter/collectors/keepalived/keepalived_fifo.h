#pragma once
// keepalived's notify FIFO (`vrrp_notify_fifo` / `notify_fifo`), read in a background thread that
// keeps the latest state per VRRP instance. The fallback when keepalived runs without D-Bus.
//
// keepalived writes one line per transition (`INSTANCE "VI_1" MASTER 100`) and nothing in between,
// so the reader must be there when it writes: it keeps the FIFO open, reopens it when keepalived
// closes its end (keepalived stopped or died) and when the path names a different FIFO (keepalived
// recreated it), and never blocks a collection — which only copies the latest snapshot.
// Memory is bounded: one partial line of at most kMaxLine bytes, at most kMaxInstances instances.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/unique_fd.h"
#include "keepalived_parsers.h"

namespace hawatch::keepalived {

struct FifoSnapshot {
  bool open = false;           // the FIFO is open for reading
  bool writer_closed = false;  // keepalived closed its end, and has not written since
  std::string error;           // why the FIFO cannot be opened or read (empty when fine)
  std::map<std::string, VrrpState> instances;  // latest state per instance
  std::uint64_t events = 0;                    // instance/group lines read
  std::uint64_t bad_lines = 0;  // malformed or overlong lines, and instances over the limit
  std::string last_bad_line;    // why the last bad line was rejected
};

class NotifyFifoReader {
 public:
  static constexpr std::size_t kMaxLine = 4096;
  static constexpr std::size_t kMaxInstances = 256;

  explicit NotifyFifoReader(std::filesystem::path path);
  ~NotifyFifoReader();
  NotifyFifoReader(const NotifyFifoReader&) = delete;
  NotifyFifoReader& operator=(const NotifyFifoReader&) = delete;

  FifoSnapshot snapshot() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  void run();
  bool open_fifo();       // sets fd_ or records why not
  bool replaced() const;  // the path no longer names the FIFO we have open
  void close_fifo();
  void on_bytes(const char* data, std::size_t size);
  void on_line(std::string_view line);
  void on_writer_closed();
  void wait_for_wake(int timeout_ms);

  const std::filesystem::path path_;
  mutable std::mutex mutex_;
  FifoSnapshot state_;     // guarded by mutex_
  int fd_ = -1;            // reader thread only
  std::string partial_;    // reader thread only: the unfinished line
  bool skipping_ = false;  // reader thread only: inside an overlong line
  UniqueFd wake_;          // eventfd: tells the thread to stop
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts when everything above is ready
};

}  // namespace hawatch::keepalived
