#pragma once
// Resolves every dynamic symbol once at start-up instead of on first call.
//
// With lazy binding, each library function's first call in steady state (a new code path in a
// collector, the first gzip scrape, ...) makes the dynamic linker walk the symbol hash tables
// and string tables of up to every mapped library, faulting those pages back in long after the
// start-up page release (startup_pages.h) gave them back: about 2.3 MiB of VmRSS on the default
// config. Bound at start-up, those tables are touched only before the release.
//
// glibc offers eager binding for the whole process only through LD_BIND_NOW, read by the dynamic
// linker before main(); `-z now` on the executable covers the executable's own calls but not
// those between libraries. So the daemon re-executes itself once with LD_BIND_NOW=1.

namespace hawatch {

// Call first thing in main(), before any thread starts. Returns only when no re-exec happens:
// eager binding is already on, the user opted out by setting LD_BIND_NOW themselves (an empty
// value keeps lazy binding), or the re-exec failed (the daemon then runs with lazy binding).
// After the re-exec it removes the variables again so that child processes (exec checks, the
// plugin host) start as they would have.
void ensure_eager_binding(char** argv);

}  // namespace hawatch
