#!/usr/bin/env bash
# The daemon re-executes itself once with LD_BIND_NOW=1 (exporter/daemon/eager_binding.h): same
# PID, same arguments, and the variables are gone again from its own environment afterwards.
# LD_BIND_NOW set by the user (even empty, which keeps lazy binding) is left alone.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The environment a process image started with, one variable per line.
initial_env() { tr '\0' '\n' <"/proc/$1/environ"; }

# ---- 1. default: one re-exec, same PID and argv ------------------------------------------------
start_hawatch --log.level=debug
env_now=$(initial_env "$HAWATCH_PID")
assert_contains "$env_now" "LD_BIND_NOW=1" "the serving process was exec'd with LD_BIND_NOW=1"
assert_contains "$env_now" "HAWATCH_EAGER_BINDING=1" "the re-exec marker is in its start environment"
cmdline=$(tr '\0' ' ' <"/proc/$HAWATCH_PID/cmdline")
assert_contains "$cmdline" "--web.listen-address=127.0.0.1:$HAWATCH_PORT" "arguments survive the re-exec"
assert_contains "$cmdline" "--log.level=debug" "every argument survives the re-exec"
assert_eq 200 "$(hstatus /-/healthy)" "the PID that was started is the one serving"
exe=$(readlink "/proc/$HAWATCH_PID/exe")
assert_eq "$(readlink -f "$HAWATCH_BIN")" "$exe" "the re-exec ran the same binary"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "clean exit after the re-exec"

# ---- 2. opt-out: LD_BIND_NOW from the user is respected ------------------------------------------
HAWATCH_LAUNCH=(env LD_BIND_NOW=)
start_hawatch
env_now=$(initial_env "$HAWATCH_PID")
assert_not_contains "$env_now" "HAWATCH_EAGER_BINDING" "no re-exec when the user set LD_BIND_NOW"
assert_match "$env_now" "^LD_BIND_NOW=$" "the user's empty LD_BIND_NOW is kept as given"
stop_process "$HAWATCH_PID"
HAWATCH_LAUNCH=()

