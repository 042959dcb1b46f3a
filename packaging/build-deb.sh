#!/usr/bin/env bash
# Builds the hawatch .deb: a Release build without the tests, then CPack's DEB generator.
# Usage: packaging/build-deb.sh [BUILD_DIR]   (default: build-deb). Prints the .deb's path last.
# BUILD_TYPE=... overrides Release (e.g. RelWithDebInfo to reuse a development tree's objects;
# the package is stripped either way). Extra cmake arguments: CMAKE_ARGS="-DX=Y ...".
# Needs dpkg-dev (dpkg-shlibdeps computes Depends) besides the build dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-deb}
command -v dpkg-shlibdeps >/dev/null || { echo "build-deb.sh: install dpkg-dev" >&2; exit 1; }

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of words
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  -DHAWATCH_BUILD_TESTS=OFF "${launcher[@]}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
# cpack installs the build tree (cmake --install) into its staging dir and packs that.
(cd "$BUILD_DIR" && cpack -G DEB >/dev/null)
deb=$(ls -t "$BUILD_DIR"/hawatch_*.deb | head -n1)
echo "$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
