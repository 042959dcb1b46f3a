// hawatch-plugin-host: runs one C-ABI plugin on behalf of hawatch, so that a plugin that crashes or
// hangs takes only this process down. hawatch starts it as `hawatch-plugin-host FILE` with a Unix
// socket on stdin/stdout and speaks the framed protocol of host_protocol.h.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <memory>

#include "host_protocol.h"
#include "plugin_library.h"

using namespace hawatch::plugins;

namespace {

// The protocol socket moves off fds 0/1 so that a plugin's printf() cannot corrupt it.
int take_protocol_fd() {
  const int fd = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  const int devnull = ::open("/dev/null", O_RDONLY);
  ::dup2(devnull, 0);
  ::dup2(2, 1);
  if (devnull > 2) ::close(devnull);
  return fd;
}

void reply(int fd, const std::string& payload) {
  if (!write_frame(fd, payload, std::nullopt).empty()) std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: hawatch-plugin-host PLUGIN.so (started by hawatch)\n");
    return 2;
  }
  // If hawatch dies, so does its host (the socket's EOF would do too, unless a plugin hangs).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::signal(SIGPIPE, SIG_IGN);
  const int fd = take_protocol_fd();
  const std::string file = argv[1];
  std::unique_ptr<PluginLibrary> plugin;
  std::string error;
  while (auto frame = read_frame(fd, std::nullopt, error)) {
    if (frame->rfind("INIT\n", 0) == 0) {
      try {
        plugin = std::make_unique<PluginLibrary>(file, decode_settings(frame->substr(5)));
        reply(fd, "OK\t" + escape_field(plugin->name()));
      } catch (const std::exception& e) {
        reply(fd, "ERR\t" + escape_field(e.what()));
      }
    } else if (frame->rfind("COLLECT\t", 0) == 0) {
      if (!plugin) {
        reply(fd, "ERR\tnot initialised");
        continue;
      }
      double timeout = 10;
      const std::string t = frame->substr(8);
      std::from_chars(t.data(), t.data() + t.size(), timeout);
      reply(fd, "RUN\n" + encode_run(plugin->collect(timeout)));
    } else if (*frame == "SHUTDOWN") {
      plugin.reset();
      reply(fd, "BYE");
      return 0;
    } else {
      reply(fd, "ERR\tunknown request");
    }
  }
  return 0;  // hawatch closed the socket
}
