#!/usr/bin/env bash
# Configures and builds hawatch. Usage: scripts/build.sh [BUILD_DIR] [BUILD_TYPE]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
BUILD_TYPE=${2:-RelWithDebInfo}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
