#pragma once
// The head gate hands a connection's socket to a worker and then drops its own reference;
// when the worker is already done, the gate's drop is the last and frees the socket. Poco counts
// those references with atomics inside libPocoNet, which ThreadSanitizer does not instrument, so
// TSan sees the free but not the ordering that makes it safe. These two calls state that
// ordering to TSan; in every other build they compile to nothing.

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HAWATCH_TSAN 1
#endif
#endif
#if !defined(HAWATCH_TSAN) && defined(__SANITIZE_THREAD__)
#define HAWATCH_TSAN 1
#endif

#ifdef HAWATCH_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace hawatch::socket_handoff {

#ifdef HAWATCH_TSAN
inline char token;
#endif

// On a worker, after its last use of a connection's socket (a request handler's destructor).
inline void worker_done() {
#ifdef HAWATCH_TSAN
  __tsan_release(&token);
#endif
}

// On the gate, after the hand-over and before its own reference to the socket goes.
inline void before_gate_drops() {
#ifdef HAWATCH_TSAN
  __tsan_acquire(&token);
#endif
}

}  // namespace hawatch::socket_handoff
