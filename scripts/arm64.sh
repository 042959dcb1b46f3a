#!/usr/bin/env bash
# arm64, what a 64-bit Raspberry Pi OS / Debian 12 arm64 node runs: cross-builds hawatch with
# Debian's cross toolchain (crossbuild-essential-arm64, cmake/toolchains/aarch64-linux-gnu.cmake),
# packs the arm64 .deb, runs the unit tests under qemu-aarch64-static and starts the packaged
# arm64 daemon under qemu to scrape it.
#
# Usage: scripts/arm64.sh [--quick] [--build-dir DIR] [--jobs N]
#   (default)   every target, every unit test under qemu, the .deb, the smoke test
#   --quick     what CI runs: only what the .deb installs plus a few unit tests (QUICK_UNIT_TESTS
#               below), those tests under qemu, the .deb and the smoke test
#   --build-dir the cross build tree (default build-arm64)
#   --jobs      parallel compile jobs (default 2; the build runs under nice)
# Environment:
#   ARM64_CACHE  the arm64 sysroot and its private apt state, kept between runs and rebuilt only
#                when Debian's versions change (default ${XDG_CACHE_HOME:-$HOME/.cache}/hawatch-test/arm64)
#   STEPS        a subset of "sysroot build deb test smoke" (default: all)
#   UNIT_TESTS   unit test names to build and run instead of the mode's choice
#   ARM64_ALLOW_PLUGIN_SKIP=1  without a binfmt_misc entry for qemu-aarch64, run without
#                plugin_host_test and plugin_units_test (logged as NOT RUN) instead of failing
#
# The arm64 libraries go into a sysroot of unpacked arm64 packages, downloaded with a private apt
# state (APT::Architecture=arm64): nothing arm64 is installed on the build host. The multiarch
# way (dpkg --add-architecture arm64 + the -dev:arm64 packages) removes the amd64 -dev packages
# the native build needs on Debian 12; packaging/README.md ("arm64") says which and why.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD

QUICK=0
BUILD=build-arm64
JOBS=2
while (($#)); do
  case $1 in
    --quick) QUICK=1 ;;
    --build-dir) BUILD=${2:?--build-dir needs a directory}; shift ;;
    --jobs) JOBS=${2:?--jobs needs a number}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "arm64: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
CACHE=${ARM64_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/hawatch-test/arm64}
SYSROOT=$CACHE/sysroot
STEPS=${STEPS:-sysroot build deb test smoke}
# Unit tests of the quick run: the exposition parser, the node collector's parsers (the Pi's
# /proc), the HTTP server with a real client, the PromQL engine and the whole config schema: most
# of their libraries are already built for the daemon, so each adds about one compile.
QUICK_UNIT_TESTS="prom_text_test node_parsers_test http_server_test promql_eval_test config_test"
if [[ -z ${UNIT_TESTS:-} && $QUICK == 1 ]]; then UNIT_TESTS=$QUICK_UNIT_TESTS; fi
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi

log() { echo "arm64: $*" >&2; }
die() { log "error: $*"; exit 1; }
step() { [[ " $STEPS " == *" $1 "* ]]; }
CURRENT=setup
on_exit() {
  local rc=$?
  ((rc == 0)) && return
  log "FAILED in step \"$CURRENT\" (exit $rc); timings so far:"
  report
}
trap on_exit EXIT
TIMINGS=()
timed() {  # timed NAME FUNCTION: runs it, records its wall time
  CURRENT=$1
  local start=$SECONDS
  "$2"
  TIMINGS+=("$1 $((SECONDS - start))")
  log "$1: $((SECONDS - start)) s"
}
report() {
  local t
  for t in "${TIMINGS[@]}"; do printf 'arm64:   %-8s %5s s\n' "${t% *}" "${t#* }" >&2; done
  log "load average at start: $LOAD_START, now: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# Host tools (amd64 packages; no arm64 architecture in dpkg needed).
install_host_tools() {
  local tools=(crossbuild-essential-arm64 qemu-user-static dpkg-dev file curl cmake ninja-build
    pkg-config iproute2) missing=() p
  command -v promtool >/dev/null || tools+=(prometheus)  # promtool checks the smoke scrape
  command -v ccache >/dev/null || tools+=(ccache)
  for p in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# The arm64 -dev packages of every library hawatch builds against (scripts/install-deps.sh's
# BUILD_PKGS: prometheus-cpp, Poco, libcurl, libsystemd, yaml-cpp, Boost.Test, zlib, libcrypt,
# OpenSSL, ldns, SQLite, libpq, MariaDB, libmnl, RE2).
ARM64_PKGS=(prometheus-cpp-dev libpoco-dev libcurl4-openssl-dev libsystemd-dev libyaml-cpp-dev
  libboost-test-dev zlib1g-dev libcrypt-dev libssl-dev libldns-dev libsqlite3-dev libpq-dev
  libmariadb-dev libmnl-dev libre2-dev)

APT_STATE=$CACHE/apt
APT_OPTS=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State="$APT_STATE"
  -o Dir::State::Lists="$APT_STATE/lists" -o Dir::State::status="$APT_STATE/status"
  -o Dir::Cache="$APT_STATE/cache" -o Debug::NoLocking=1 -o APT::Install-Recommends=false)
# The cache is root's own: apt's _apt download user could not write it.
[[ $(id -u) -ne 0 ]] || APT_OPTS+=(-o APT::Sandbox::User=root)

# "name version arch" of every package the arm64 -dev set resolves to, from an empty dpkg state.
# A package in a pre-depends loop (libgcc-s1) has " []" after its "(version origin [arch])".
resolve_packages() {
  apt-get "${APT_OPTS[@]}" -s install "${ARM64_PKGS[@]}" |
    sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) [^[]*\[\([^]]*\)\]).*/\1 \2 \3/p' | sort -u
}

make_sysroot() {
  mkdir -p "$APT_STATE/lists/partial" "$APT_STATE/cache/archives/partial"
  [[ -e $APT_STATE/status ]] || : >"$APT_STATE/status"
  exec 9>"$CACHE/lock"
  flock 9  # two worktrees sharing the cache take turns
  if ! apt-get "${APT_OPTS[@]}" update -qq; then
    [[ -s $SYSROOT/manifest.txt ]] || die "cannot read Debian's arm64 package lists (apt-get update)"
    log "warning: apt-get update failed; using the sysroot as it is ($SYSROOT)"
    return 0
  fi
  local manifest
  manifest=$(resolve_packages)
  [[ -n $manifest ]] || die "apt resolved no arm64 packages for ${ARM64_PKGS[*]}"
  if [[ -s $SYSROOT/manifest.txt && $manifest == "$(cat "$SYSROOT/manifest.txt")" ]]; then
    log "sysroot up to date: $(wc -l <"$SYSROOT/manifest.txt") packages ($SYSROOT)"
    return 0
  fi
  log "downloading the arm64 packages (private apt state in $APT_STATE)"
  apt-get "${APT_OPTS[@]}" -o APT::Get::Download-Only=true install -y -qq "${ARM64_PKGS[@]}" \
    >/dev/null
  local new=$SYSROOT.new debs=() name version arch deb
  while read -r name version arch; do
    deb=$APT_STATE/cache/archives/${name}_${version//:/%3a}_${arch}.deb
    [[ -f $deb ]] || die "apt did not download $deb"
    debs+=("$deb")
  done <<<"$manifest"
  rm -rf "$new"
  mkdir -p "$new"
  for deb in "${debs[@]}"; do
    # The compiler's own libc, kernel, libgcc and libstdc++ development files come with the cross
    # toolchain (*-arm64-cross, the same versions); the sysroot's copies would shadow them, and
    # libc.so's linker script names /lib/aarch64-linux-gnu/... of the host.
    case $(basename "$deb") in
      libc6-dev_* | linux-libc-dev_* | libgcc-*-dev_* | libstdc++-*-dev_*) continue ;;
    esac
    dpkg-deb -x "$deb" "$new"
  done
  # Absolute symlinks (libfoo.so -> /lib/aarch64-linux-gnu/libfoo.so.1) point into the host;
  # make them relative inside the sysroot.
  local link target
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m -s --relative-to="$(dirname "$link")" "$new$target")" "$link"
  done < <(find "$new" -type l -lname '/*' -print0)
  # Package name and version of every shared library, for the .deb's Depends (see pack()).
  for deb in "${debs[@]}"; do
    { dpkg-deb -c "$deb" | awk '{print $6}' | grep -E '/lib/aarch64-linux-gnu/[^/]+\.so\.[0-9.]+$' || true; } |
      sed "s|.*/||; s|$| $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)|"
  done | sort -u >"$new/sonames.txt"
  echo "$manifest" >"$new/manifest.txt"
  rm -rf "$SYSROOT"
  mv "$new" "$SYSROOT"
  # Only this manifest's .debs stay in the download cache.
  for deb in "$APT_STATE"/cache/archives/*.deb; do
    [[ " ${debs[*]} " == *" $deb "* ]] || rm -f "$deb"
  done
  log "sysroot: ${#debs[@]} packages, $(du -sh "$SYSROOT" | cut -f1) ($SYSROOT)"
}

configure() {
  [[ -s $SYSROOT/manifest.txt ]] || die "no sysroot in $SYSROOT: run the sysroot step first"
  local toolchain=$SRC/cmake/toolchains/aarch64-linux-gnu.cmake cached
  cached=$(sed -n 's/^CMAKE_TOOLCHAIN_FILE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
  [[ -z $cached || $cached == "$toolchain" ]] ||
    die "$BUILD was configured with another toolchain ($cached): use another --build-dir"
  local launcher=()
  command -v ccache >/dev/null &&
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack's preinstall step would build every target (the
  # whole test suite); the script builds what it needs first.
  cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DHAWATCH_ARM64_SYSROOT="$SYSROOT" \
    -DHAWATCH_BUILD_TESTS=ON -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON "${launcher[@]}" >/dev/null
}

# The build-tree files the .deb installs (relative to $BUILD): binaries, modules, plugins.
packaged_files() {
  find "$BUILD" -name cmake_install.cmake -exec grep -ho "FILES \"$BUILD/[^\"]*\"" {} + |
    sed "s|^FILES \"$BUILD/||; s|\"\$||" | sort -u
}

build() {
  configure
  local targets
  if [[ -n ${UNIT_TESTS:-} ]]; then
    mapfile -t targets < <(packaged_files)
    ((${#targets[@]})) || die "found no packaged files under $BUILD"
    # shellcheck disable=SC2206  # a list of target names
    targets+=($UNIT_TESTS)
  else
    targets=(all)
  fi
  log "building ${targets[*]}"
  nice -n 10 cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}"
  local f
  for f in $(packaged_files); do
    file -L "$BUILD/$f" | grep -q 'ELF 64-bit.*ARM aarch64' || die "$f is not an arm64 ELF file"
  done
}

# The .deb: cpack with SHLIBDEPS off (dpkg-shlibdeps needs the arm64 packages in the host's dpkg
# database), and Depends from the packaged ELF files' NEEDED entries mapped to the sysroot's
# packages, each ">= the version built against" — stricter than shlibdeps' minimal versions.
pack() {
  local needed depends f
  needed=$(for f in $(packaged_files); do aarch64-linux-gnu-readelf -d "$BUILD/$f"; done |
    sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u)
  depends=$(for so in $needed; do
    awk -v so="$so" '$1 == so { print $2 " (>= " $3 ")"; exit }' "$SYSROOT/sonames.txt"
  done | sort -u | paste -sd, - | sed 's/,/, /g')
  [[ -n $depends ]] || die "no Depends computed from the packaged files' libraries"
  rm -f "$BUILD"/hawatch_*_arm64.deb
  (cd "$BUILD" && cpack -G DEB -D CPACK_DEBIAN_PACKAGE_SHLIBDEPS=OFF \
    -D CPACK_DEBIAN_PACKAGE_ARCHITECTURE=arm64 -D "CPACK_DEBIAN_PACKAGE_DEPENDS=adduser, $depends" \
    >"$BUILD/cpack.log") || { cat "$BUILD/cpack.log" >&2; die "cpack failed"; }
  DEB=$(find "$BUILD" -maxdepth 1 -name 'hawatch_*_arm64.deb' | head -n1)
  [[ -n $DEB ]] || die "cpack made no hawatch_*_arm64.deb in $BUILD"
  # Whole outputs into variables: grep -q closing a pipe early would fail it under pipefail.
  local info contents modules
  info=$(dpkg-deb --info "$DEB")
  contents=$(dpkg-deb -c "$DEB")
  grep -q '^ Architecture: arm64$' <<<"$info" || die "$DEB: Architecture is not arm64"
  grep -q ' ./usr/bin/hawatch$' <<<"$contents" || die "$DEB holds no usr/bin/hawatch"
  modules=$(grep -c '/usr/lib/hawatch/modules/.*\.so$' <<<"$contents" || true)
  ((modules > 0)) || die "$DEB holds no collector modules"
  log "package: $DEB ($(du -h "$DEB" | cut -f1), $modules modules)"
  dpkg-deb -f "$DEB" Architecture Depends >&2
}

export QEMU_LD_PREFIX=$SYSROOT
LAUNCH=()
run_unit_tests() {
  # ctest runs each test through CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64-static -L sysroot).
  local filter=() excluded=()
  [[ -n ${UNIT_TESTS:-} ]] && filter=(-R "^unit[.]($(tr ' ' '|' <<<"$UNIT_TESTS"))\$")
  selected() { [[ -z ${UNIT_TESTS:-} || " $UNIT_TESTS " == *" $1 "* ]]; }
  # Tests whose code starts hawatch-plugin-host (an arm64 executable) as a child: qemu-user runs
  # only the process it was given, so the child's execve fails (exit 127) unless the kernel hands
  # arm64 executables to qemu itself (binfmt_misc, e.g. systemd-binfmt with qemu-user-static).
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] &&
    { selected plugin_host_test || selected plugin_units_test; }; then
    # Not a silent skip: the run fails unless the caller accepts the gap by name.
    [[ ${ARM64_ALLOW_PLUGIN_SKIP:-0} == 1 ]] ||
      die "no binfmt_misc entry for qemu-aarch64, so plugin_host_test and plugin_units_test cannot run (register qemu-user-static's binfmt, e.g. systemd-binfmt, or accept the gap with ARM64_ALLOW_PLUGIN_SKIP=1)"
    log "no binfmt_misc entry for qemu-aarch64: NOT RUN (ARM64_ALLOW_PLUGIN_SKIP=1): plugin_host_test plugin_units_test"
    excluded+=(plugin_host_test plugin_units_test)
  fi
  # Two alert_exec_test cases test what qemu-user cannot emulate: posix_spawn's exec and chdir
  # errors reach the parent through CLONE_VFORK, which qemu runs as a plain fork (the child exits
  # 127 instead), and the setsid grandchild of a timed-out command outlives it under qemu (the
  # runner's PR_SET_CHILD_SUBREAPER adoption; not seen natively). They run on a real Pi only; the
  # other cases of that test run below.
  local exec_skip=(exit_codes_map_onto_outcomes hanging_command_is_killed_with_its_setsid_grandchild)
  selected alert_exec_test && excluded+=(alert_exec_test)
  ((${#excluded[@]} == 0)) || filter+=(-E "^unit[.]($(tr ' ' '|' <<<"${excluded[*]}"))\$")
  # qemu-user emulates arm64 several times slower than native: the tests' wall-time guards
  # (tests/unit/time_scale.h) widen by this factor; a quadratic parser still fails them.
  export HAWATCH_TEST_TIME_SCALE=${HAWATCH_TEST_TIME_SCALE:-10}
  (cd "$BUILD" && ctest -L unit "${filter[@]}" --output-on-failure --no-tests=error -j "$JOBS")
  if selected alert_exec_test; then
    log "alert_exec_test without ${exec_skip[*]} (qemu-user cannot emulate them)"
    qemu-aarch64-static -L "$SYSROOT" "$BUILD/tests/unit/alert_exec_test" --report_level=short \
      "${exec_skip[@]/#/--run_test=!}"
  fi
}

free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 50); do
    ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
  die "no free loopback port found"
}

# Starts the arm64 hawatch of the unpacked .deb under qemu with ARGS, scrapes /metrics into
# $SMOKE/metrics-NAME.txt. Usage: scrape NAME ARGS...; LAUNCH=(...) and EXE override how and which.
scrape() {
  local name=$1 port pid
  shift
  port=$(free_port)
  "${LAUNCH[@]}" qemu-aarch64-static -L "${QEMU_SYSROOT:-$SYSROOT}" "${EXE:-$SMOKE/root/usr/bin/hawatch}" \
    "$@" --web.listen-address=127.0.0.1:"$port" >"$SMOKE/log-$name.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$SMOKE/log-$name.txt" >&2; die "smoke ($name): hawatch exited"; }
    sleep 0.2
  done
  # WAIT_FOR: a line the scrape must come to hold (a first rule evaluation may follow readiness).
  for _ in $(seq 1 60); do
    curl -sf --max-time 20 "http://127.0.0.1:$port/metrics" >"$SMOKE/metrics-$name.txt" || break
    [[ -z ${WAIT_FOR:-} ]] || grep -q "$WAIT_FOR" "$SMOKE/metrics-$name.txt" && break
    sleep 1
  done
  if ! curl -sf --max-time 20 "http://127.0.0.1:$port/metrics" >"$SMOKE/metrics-$name.txt"; then
    kill "$pid" || true
    cat "$SMOKE/log-$name.txt" >&2
    die "smoke ($name): no /metrics from the arm64 hawatch on 127.0.0.1:$port"
  fi
  kill "$pid"
  wait "$pid" || true
}

smoke() {
  [[ -n ${DEB:-} ]] || die "no arm64 .deb in $BUILD: run the deb step first"
  SMOKE=$(mktemp -d)
  dpkg-deb -x "$DEB" "$SMOKE/root"  # the packaged layout: modules at ../lib/hawatch/modules
  # 1. The embedded default config (no --config.file), as on a freshly flashed Pi.
  scrape default
  local m=$SMOKE/metrics-default.txt
  grep -q '^hawatch_build_info{' "$m" || die "smoke: no hawatch_build_info in the scrape"
  grep -q '^hawatch_node_load1 ' "$m" || die "smoke: no node metrics in the scrape"
  promtool check metrics <"$m" || die "smoke: promtool check metrics failed on the arm64 scrape"
  log "smoke: default config served $(grep -c '^hawatch_' "$m") samples; promtool check metrics OK"
  # 2. A module collector (backups.so, dlopened from the package's module directory).
  cat >"$SMOKE/hawatch.yml" <<YAML
collectors:
  node: { interval: 1s }
  backups: [ { name: self, path_glob: "$SMOKE/root/usr/bin/hawatch", max_age: 1h, interval: 1s } ]
YAML
  scrape module --config.file="$SMOKE/hawatch.yml"
  grep -q '^hawatch_backup_files{backup="self"} 1' "$SMOKE/metrics-module.txt" ||
    die "smoke: the backups module did not serve (log: $SMOKE/log-module.txt)"
  log "smoke: the backups module loaded and served"
  # 3. As installed: the package's /usr/bin/hawatch with its /etc/hawatch/hawatch.yml, unedited,
  # at their real paths (a mount namespace lays the unpacked /usr and /etc over the host's,
  # tests/fixtures/packaging/as-installed.sh), as nobody: the shipped rules must load from
  # /usr/share/hawatch/rules and the textfile directory /var/lib/hawatch/textfile be read. The
  # sysroot (under root's home) is bound at /mnt so that qemu, running as nobody, can read it.
  local nobody_uid nogroup_gid
  nobody_uid=$(id -u nobody) nogroup_gid=$(getent group nogroup | cut -d: -f3)
  mkdir -p "$SMOKE/varlib/up/hawatch/textfile"
  echo "arm64_smoke_textfile 1" >"$SMOKE/varlib/up/hawatch/textfile/smoke.prom"
  chown -R "$nobody_uid:$nogroup_gid" "$SMOKE/varlib/up/hawatch"
  chmod 755 "$SMOKE"
  # shellcheck disable=SC2016  # $1.. are expanded by that shell, from these arguments
  LAUNCH=(${SUDO:+"$SUDO"} unshare -m bash -c 'mount --bind "$1" /mnt && shift && exec bash "$@"' _ "$SYSROOT"
    "$SRC/tests/fixtures/packaging/as-installed.sh" "$SMOKE/root" "$SMOKE/varlib" "$nobody_uid"
    "$nogroup_gid")
  QEMU_SYSROOT=/mnt EXE=/usr/bin/hawatch WAIT_FOR='^hawatch_collector_success{collector="rules"} 1' \
    scrape installed --config.file=/etc/hawatch/hawatch.yml
  LAUNCH=()
  m=$SMOKE/metrics-installed.txt
  grep -q '^hawatch_collector_success{collector="rules"} 1' "$m" ||
    die "smoke: the installed config's shipped rules did not evaluate (log: $SMOKE/log-installed.txt)"
  grep -q '^arm64_smoke_textfile 1' "$m" ||
    die "smoke: the installed config's textfile directory was not read (log: $SMOKE/log-installed.txt)"
  promtool check metrics <"$m" || die "smoke: promtool check metrics failed on the installed scrape"
  log "smoke: installed binary and config as nobody: rules evaluate, textfile read, promtool OK"
  rm -rf "$SMOKE"
}

log "mode: $([[ $QUICK == 1 ]] && echo quick || echo full); steps: $STEPS; build dir: $BUILD"
timed tools install_host_tools
if step sysroot; then timed sysroot make_sysroot; fi
if step build; then timed build build; fi
DEB=$(find "$BUILD" -maxdepth 1 -name 'hawatch_*_arm64.deb' | head -n1)
if step deb; then timed deb pack; fi
if step test; then timed unit run_unit_tests; fi
if step smoke; then timed smoke smoke; fi
CURRENT=finished
report
log "all steps passed"
