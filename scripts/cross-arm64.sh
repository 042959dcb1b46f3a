#!/usr/bin/env bash
# Cross-builds hawatch for arm64 (64-bit Raspberry Pi OS / Debian 12), packs the arm64 .deb and
# runs the unit tests and a start-and-scrape smoke test under qemu-user.
# Usage: scripts/cross-arm64.sh [WORK_DIR]   (default: build-arm64; the sysroot is WORK_DIR/sysroot)
#   STEPS="sysroot build deb test smoke" (default: all) picks steps; UNIT_TESTS="a_test b_test"
#   limits the unit tests (default: every unit test, which needs the whole test build).
#
# The arm64 libraries go into a sysroot of unpacked packages, downloaded with a private apt state
# (APT::Architecture=arm64): nothing arm64 is installed on the build host. Installing the
# -dev:arm64 packages through multiarch instead removes the amd64 -dev packages of Poco,
# prometheus-cpp, yaml-cpp, libpq and MariaDB on Debian 12 (not Multi-Arch: same).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
WORK=$(mkdir -p "${1:-build-arm64}" && cd "${1:-build-arm64}" && pwd)
SYSROOT=$WORK/sysroot
BUILD=$WORK/build
STEPS=${STEPS:-sysroot build deb test smoke}
step() { [[ " $STEPS " == *" $1 "* ]]; }
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
log() { echo "cross-arm64: $*" >&2; }

# Host tools: the cross compiler and qemu (amd64 packages; no arm64 architecture needed).
host_tools=(crossbuild-essential-arm64 qemu-user-static dpkg-dev)
missing=()
for p in "${host_tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The arm64 packages hawatch builds against (scripts/install-deps.sh's BUILD_PKGS) and the test
# framework.
ARM64_PKGS=(prometheus-cpp-dev libpoco-dev libcurl4-openssl-dev libsystemd-dev libyaml-cpp-dev
  libboost-test-dev zlib1g-dev libcrypt-dev libssl-dev libldns-dev libsqlite3-dev libpq-dev
  libmariadb-dev libmnl-dev libre2-dev)

make_sysroot() {
  local apt=$WORK/apt start=$SECONDS
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  : >"$apt/status"
  local opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State="$apt"
    -o Dir::State::Lists="$apt/lists" -o Dir::State::status="$apt/status" -o Dir::Cache="$apt/cache"
    -o Debug::NoLocking=1 -o APT::Install-Recommends=false -o APT::Get::Download-Only=true)
  log "downloading the arm64 packages (private apt state in $apt)"
  apt-get "${opts[@]}" update -qq
  apt-get "${opts[@]}" install -y -qq "${ARM64_PKGS[@]}" >/dev/null
  rm -rf "$SYSROOT"
  mkdir -p "$SYSROOT"
  local deb n=0
  for deb in "$apt"/cache/archives/*.deb; do
    # The compiler's own libc, kernel, libgcc and libstdc++ development files come with the cross
    # toolchain (*-arm64-cross, the same versions); the sysroot's copies would shadow them, and
    # libc.so's linker script names /lib/aarch64-linux-gnu/... of the host.
    case $(basename "$deb") in
      libc6-dev_* | linux-libc-dev_* | libgcc-*-dev_* | libstdc++-*-dev_*) continue ;;
    esac
    dpkg-deb -x "$deb" "$SYSROOT"
    n=$((n + 1))
  done
  # Absolute symlinks (libfoo.so -> /lib/aarch64-linux-gnu/libfoo.so.1) point into the host;
  # make them relative inside the sysroot.
  local link target
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m -s --relative-to="$(dirname "$link")" "$SYSROOT$target")" "$link"
  done < <(find "$SYSROOT" -type l -lname '/*' -print0)
  # Package name and version of every shared library, for the .deb's Depends (see pack()).
  for deb in "$apt"/cache/archives/*.deb; do
    { dpkg-deb -c "$deb" | awk '{print $6}' | grep -E '/lib/aarch64-linux-gnu/[^/]+\.so\.[0-9.]+$' || true; } |
      sed "s|.*/||; s|$| $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)|"
  done | sort -u >"$SYSROOT/sonames.txt"
  log "sysroot: $n packages in $((SECONDS - start)) s ($(du -sh "$SYSROOT" | cut -f1))"
}

configure_and_build() {
  local start=$SECONDS targets=(hawatch hawatch-plugin-host hailo amslpr_db hawatch-check-rtsp)
  local tests_on=ON
  cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/aarch64-linux-gnu.cmake" \
    -DHAWATCH_ARM64_SYSROOT="$SYSROOT" -DHAWATCH_BUILD_TESTS=$tests_on \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache >/dev/null
  if step test; then
    if [[ -n ${UNIT_TESTS:-} ]]; then
      # shellcheck disable=SC2206  # a list of target names
      targets+=($UNIT_TESTS)
    else
      targets=(all)
    fi
  fi
  log "building ${targets[*]}"
  nice cmake --build "$BUILD" --target "${targets[@]}"
  log "build: $((SECONDS - start)) s"
  file "$BUILD/exporter/hawatch" | grep -q 'ARM aarch64' || { log "not an arm64 binary"; exit 1; }
}

# The .deb: cpack with SHLIBDEPS off (dpkg-shlibdeps needs the arm64 packages in the host's dpkg
# database), and Depends from the binaries' NEEDED entries mapped to the sysroot's packages, each
# ">= the version built against" — stricter than shlibdeps' minimal versions, never looser.
pack() {
  local needed depends
  needed=$(find "$BUILD/exporter" "$BUILD/plugins" -maxdepth 2 \( -name hawatch -o \
    -name hawatch-plugin-host -o -name '*.so' -o -name hawatch-check-rtsp \) -type f \
    -exec aarch64-linux-gnu-readelf -d {} + | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u)
  depends=$(for so in $needed; do
    awk -v so="$so" '$1 == so { print $2 " (>= " $3 ")"; exit }' "$SYSROOT/sonames.txt"
  done | sort -u | paste -sd, - | sed 's/,/, /g')
  [[ -n $depends ]] || { log "no Depends computed"; exit 1; }
  (cd "$BUILD" && cpack -G DEB -D CPACK_DEBIAN_PACKAGE_SHLIBDEPS=OFF -D CPACK_DEBIAN_PACKAGE_ARCHITECTURE=arm64 \
    -D "CPACK_DEBIAN_PACKAGE_DEPENDS=adduser, $depends" >/dev/null)
  DEB=$(ls -t "$BUILD"/hawatch_*_arm64.deb | head -n1)
  log "package: $DEB"
  dpkg-deb -f "$DEB" Architecture Depends >&2
}

export QEMU_LD_PREFIX=$SYSROOT
run_unit_tests() {
  local start=$SECONDS
  # ctest runs each test through CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64-static -L sysroot).
  local filter=()
  [[ -n ${UNIT_TESTS:-} ]] && filter=(-R "unit\\.($(tr ' ' '|' <<<"$UNIT_TESTS"))\$")
  # Tests whose code starts hawatch-plugin-host (an arm64 executable) as a child: qemu-user runs
  # only the process it was given, so the child's execve fails (exit 127) unless the kernel hands
  # arm64 executables to qemu itself (binfmt_misc, e.g. systemd-binfmt with qemu-user-static).
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    log "no binfmt_misc entry for qemu-aarch64: skipping plugin_host_test and plugin_units_test"
    filter+=(-E 'unit\.(plugin_host_test|plugin_units_test)$')
  fi
  (cd "$BUILD" && ctest -L unit "${filter[@]}" --output-on-failure --timeout 600)
  log "unit tests under qemu: $((SECONDS - start)) s"
}

smoke() {
  local port=19847 tmp
  tmp=$(mktemp -d)
  # The packaged layout: binary, modules at ../lib/hawatch/modules, under qemu.
  dpkg-deb -x "$DEB" "$tmp/root"
  cat >"$tmp/hawatch.yml" <<YAML
collectors:
  node: { interval: 1s }
  backups: [ { name: self, path_glob: "$tmp/root/usr/bin/hawatch", max_age: 1h, interval: 1s } ]
YAML
  qemu-aarch64-static -L "$SYSROOT" "$tmp/root/usr/bin/hawatch" --config.file="$tmp/hawatch.yml" \
    --web.listen-address=127.0.0.1:$port >"$tmp/log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  local metrics
  metrics=$(curl -sf "http://127.0.0.1:$port/metrics") || { cat "$tmp/log" >&2; kill "$pid"; exit 1; }
  kill "$pid"
  wait "$pid" || true
  grep -q '^hawatch_node_load1 ' <<<"$metrics" || { log "smoke: no node metrics"; exit 1; }
  grep -q '^hawatch_backup_files{backup="self"} 1' <<<"$metrics" ||
    { log "smoke: the backups module did not serve"; exit 1; }
  grep -q 'hawatch_build_info' <<<"$metrics"
  log "smoke: arm64 hawatch under qemu served $(grep -c '^hawatch_' <<<"$metrics") samples"
  rm -rf "$tmp"
}

total=$SECONDS
step sysroot && make_sysroot
step build && configure_and_build
DEB=$(ls -t "$BUILD"/hawatch_*_arm64.deb 2>/dev/null | head -n1 || true)
step deb && pack
step test && run_unit_tests
step smoke && smoke
log "done in $((SECONDS - total)) s"
