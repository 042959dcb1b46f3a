#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole test suite (unit + integration with
# real peers). This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
cd build
ctest --output-on-failure --timeout 600 "$@"
