#!/usr/bin/env bash
# Installs dependencies, builds, and starts hawatch on its embedded default config.
# Extra arguments go to hawatch (e.g. --web.listen-address=127.0.0.1:9847).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build Release
BIN=$PWD/build/exporter/hawatch
# hawatch needs no privileges: when started as root, drop to nobody.
if [[ $(id -u) -eq 0 ]]; then
  exec setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs "$BIN" "$@"
fi
exec "$BIN" "$@"
