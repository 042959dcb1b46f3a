#include "keepalived_fifo.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/log.h"
#include "core/parse.h"

namespace hawatch::keepalived {
namespace {

// How long the thread sleeps before retrying a FIFO it could not open, and how often it checks
// that the path still names the FIFO it has open.
constexpr int kRetryMs = 500;
constexpr int kCheckMs = 1000;

int make_eventfd() {
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  return fd;
}

}  // namespace

NotifyFifoReader::NotifyFifoReader(std::filesystem::path path)
    : path_(std::move(path)), wake_(make_eventfd()), thread_([this] { run(); }) {}

NotifyFifoReader::~NotifyFifoReader() {
  stop_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
  close_fifo();
}

FifoSnapshot NotifyFifoReader::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void NotifyFifoReader::wait_for_wake(int timeout_ms) {
  pollfd fd{wake_.get(), POLLIN, 0};
  ::poll(&fd, 1, timeout_ms);
}

bool NotifyFifoReader::open_fifo() {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. A fresh reader sees
  // no hang-up until a writer has come and gone, so this does not spin while keepalived is away.
  const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  std::string error;
  struct stat st {};
  if (fd < 0) {
    error = path_.string() + ": " + std::strerror(errno);
    // keepalived runs with umask 0177, so a FIFO it creates itself is readable by root only.
    if (errno == EACCES)
      error += " (create the FIFO before keepalived starts, readable by hawatch's group)";
  } else if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
    error = path_.string() + ": not a FIFO";
    ::close(fd);
  }
  std::lock_guard lock(mutex_);
  if (!error.empty()) {
    if (state_.error != error) log::warn("keepalived notify FIFO unreadable", {{"error", error}});
    state_.error = error;
    state_.open = false;
    return false;
  }
  if (!state_.error.empty()) log::info("keepalived notify FIFO open", {{"path", path_.string()}});
  state_.error.clear();
  state_.open = true;
  fd_ = fd;
  return true;
}

bool NotifyFifoReader::replaced() const {
  struct stat by_path {
  }, ours{};
  if (::stat(path_.c_str(), &by_path) != 0) return true;
  if (::fstat(fd_, &ours) != 0) return true;
  return by_path.st_dev != ours.st_dev || by_path.st_ino != ours.st_ino;
}

void NotifyFifoReader::close_fifo() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  partial_.clear();
  skipping_ = false;
}

void NotifyFifoReader::on_writer_closed() {
  std::lock_guard lock(mutex_);
  state_.writer_closed = true;
  // keepalived is gone: its instances are not taking part in VRRP any more.
  for (auto& [name, state] : state_.instances) state = VrrpState::init;
}

void NotifyFifoReader::on_line(std::string_view line) {
  FifoEvent event;
  std::string rejected;
  FifoLine kind = FifoLine::ignored;
  try {
    kind = parse_fifo_line(line, event);
  } catch (const ParseError& e) {
    rejected = e.what();
  }
  std::lock_guard lock(mutex_);
  if (!rejected.empty()) {
    ++state_.bad_lines;
    state_.last_bad_line = rejected;
    return;
  }
  if (kind != FifoLine::event) return;
  ++state_.events;
  state_.writer_closed = false;
  if (event.kind != FifoEvent::Kind::instance) return;  // sync groups: not exported (yet)
  if (event.action == FifoEvent::Action::deleted) {
    state_.instances.erase(event.name);
    return;
  }
  auto it = state_.instances.find(event.name);
  if (it == state_.instances.end() && state_.instances.size() >= kMaxInstances) {
    ++state_.bad_lines;
    state_.last_bad_line =
        "more than " + std::to_string(kMaxInstances) + " instances; \"" + event.name + "\" ignored";
    return;
  }
  state_.instances[event.name] = event.state;
}

void NotifyFifoReader::on_bytes(const char* data, std::size_t size) {
  std::string_view rest(data, size);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const auto piece = rest.substr(0, nl);
    if (!skipping_) {
      if (partial_.size() + piece.size() > kMaxLine) {
        skipping_ = true;  // drop the rest of this line; it is not keepalived's
        partial_.clear();
        std::lock_guard lock(mutex_);
        ++state_.bad_lines;
        state_.last_bad_line = "line longer than " + std::to_string(kMaxLine) + " bytes";
      } else {
        partial_.append(piece);
      }
    }
    if (nl == std::string_view::npos) break;
    if (!skipping_) on_line(partial_);
    partial_.clear();
    skipping_ = false;
    rest.remove_prefix(nl + 1);
  }
}

void NotifyFifoReader::run() {
  char buffer[4096];
  while (!stop_) {
    if (fd_ < 0 && !open_fifo()) {
      wait_for_wake(kRetryMs);
      continue;
    }
    pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, kCheckMs);
    if (stop_) break;
    if (n == 0) {
      if (replaced()) close_fifo();  // reopened on the next turn
      continue;
    }
    if (n < 0 || (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t got = ::read(fd_, buffer, sizeof buffer);
    if (got > 0) {
      on_bytes(buffer, static_cast<std::size_t>(got));
    } else if (got == 0) {  // every writer closed: keepalived stopped or died
      on_writer_closed();
      close_fifo();
    } else if (errno != EAGAIN && errno != EINTR) {
      const std::string error = path_.string() + ": " + std::strerror(errno);
      {
        std::lock_guard lock(mutex_);
        state_.error = error;
        state_.open = false;
      }
      close_fifo();
      wait_for_wake(kRetryMs);
    }
  }
}

}  // namespace hawatch::keepalived
