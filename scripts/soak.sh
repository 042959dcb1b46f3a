#!/usr/bin/env bash
# Soak: hawatch with every collector that runs on this machine against real peers, local rules with
# alert churn, a config reload every RELOAD seconds and SCRAPE_RATE scrapes/s, for DURATION seconds.
# Every SAMPLE seconds it records the daemon's Private_Dirty, PSS and Pss_Anon (smaps_rollup), RSS, open fds
# and threads, its children, and the scrapes done, failed and their latency; at the end it prints
# the table and the growth after the warm-up (first sample at or after WARMUP vs the last).
#
#   sudo scripts/soak.sh [--build DIR] [--duration 3600] [--sample 60] [--warmup 1320]
#                        [--rate 50] [--reload 60] [--out FILE] [--notifications] [--assert]
#   --short            = --duration 75 --sample 5 --warmup 25 --reload 10 (what CI runs)
#   --assert           exit 1 unless: no scrape failed, the median of open fds and of threads did
#                      not rise after the warm-up, Private_Dirty and Pss_Anon grew by less than
#                      MEM_LIMIT_KIB (3072). PSS is reported, not asserted: its file-backed part
#                      moves when other processes map or drop the same libraries (a parallel test
#                      run), which is not hawatch's memory; Pss_Anon is the heap and stacks' share.
#   --reload 0         no reloads; --no-rules: no rule_files (both for bisecting a growth)
#   --heaptrack FILE   run the daemon under heaptrack's preload (same pid, so the samples stay
#                      the daemon's); the trace goes to FILE.gz (heaptrack_print FILE.gz)
#   --notifications    also route the alerts to a webhook receiver (tests/fixtures/alerting/
#                      webhook_sink.py); takes effect once the daemon reads the alerting section
#
# Collectors here: node, network, systemd (a real systemd in namespaces), nut (upsd + dummy-ups),
# apcupsd (apcupsd + smartsim), postgres (primary + standby), mysql (MariaDB primary + replica),
# probes (http, tcp, dns against BIND, peer = hawatch itself), backups, plugins (an exec check, a
# .so plugin in the plugin host, the textfile directory). Not here: bonding and pi (no such
# hardware), keepalived (needs its namespace lab), icmp (ping_group_range excludes nobody), litestream.
# Needs root (peers in namespaces, servers run as their users); hawatch itself runs as nobody.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$SRC/build-wt
# The default warm-up is how long the rules' storage takes to fill by design: the shipped rules'
# longest range (15m) plus the lookback (5m) plus a minute (alerting/local needed_retention).
# Growth before that is the bounded store filling; the table shows it all the same.
DURATION=3600 SAMPLE=60 WARMUP=1320 RATE=50 RELOAD=60 OUT= NOTIFY=0 ASSERT=0 RULES=1 HEAPTRACK=
MEM_LIMIT_KIB=${MEM_LIMIT_KIB:-3072}
while (($#)); do
  case $1 in
    --build) BUILD=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --sample) SAMPLE=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --reload) RELOAD=$2; shift ;;
    --out) OUT=$2; shift ;;
    --notifications) NOTIFY=1 ;;
    --no-rules) RULES=0 ;;
    --heaptrack) HEAPTRACK=$2; shift ;;
    --assert) ASSERT=1 ;;
    --short) DURATION=75 SAMPLE=5 WARMUP=25 RELOAD=10 ;;
    *) echo "soak.sh: unknown option $1 (see the header)" >&2; exit 2 ;;
  esac
  shift
done
export HAWATCH_BIN=${HAWATCH_BIN:-$BUILD/exporter/hawatch}
export HAWATCH_SOURCE_DIR=$SRC HAWATCH_FIXTURES=$SRC/tests/fixtures
# lib.sh: the cleanup registry (every peer and the daemon stopped on any exit), start_bg, wait_until.
source "$SRC/tests/integration/lib.sh"
[[ $(id -u) == 0 ]] || fail "run as root (peers in namespaces; hawatch itself runs as nobody)"
chmod 755 "$TMP"
FX=$HAWATCH_FIXTURES
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

# ---- peers ---------------------------------------------------------------------------------------
log_note "starting peers"
SD=$TMP/sd
on_exit "$FX/systemd/sd-peer.sh" "$SD" kill
"$FX/systemd/sd-peer.sh" "$SD" start >/dev/null
NUT_PORT=$(free_port)
nut() { D=$TMP/nut PORT=$NUT_PORT bash "$FX/ups/nut_fixture.sh" "$@"; }
on_exit nut stop
nut start >/dev/null
APC_PORT=$(free_port)
apc() { D=$TMP/apc PORT=$APC_PORT bash "$FX/ups/apcupsd_fixture.sh" "$@"; }
on_exit apc stop
apc start >/dev/null
PG1=$(free_port) PG2=$(free_port)
pgfx() { D=$TMP/pg P1=$PG1 P2=$PG2 bash "$FX/replication/pg_fixture.sh" "$@"; }
on_exit pgfx stop
pgfx start >/dev/null
MY1=$(free_port) MY2=$(free_port)
myfx() { D=$TMP/db P1=$MY1 P2=$MY2 bash "$FX/replication/mariadb_fixture.sh" "$@"; }
on_exit myfx stop
myfx start
DNS_PORT=$(free_port)
bash "$FX/probes/bind_fixture.sh" prepare "$TMP/dns" "$DNS_PORT" >/dev/null
start_bg named "$TMP/named.log" named -g -4 -n 1 -c "$TMP/dns/named.conf"
bash "$FX/probes/bind_fixture.sh" wait "$DNS_PORT" >/dev/null
start_bg http-target "$TMP/http-target.log" "$PY" "$FX/probes/http_target.py" "$TMP/http.port"
wait_until 10 "http target" '[[ -s $TMP/http.port ]]'
HTTP_PORT=$(<"$TMP/http.port")
if ((NOTIFY)); then
  SINK_PORT=$(free_port)
  start_bg webhook-sink "$TMP/sink.log" "$PY" "$FX/alerting/webhook_sink.py" "$TMP/sink" "$SINK_PORT" 200
fi

# ---- hawatch -------------------------------------------------------------------------------------
S=$TMP/secrets
mkdir -p "$S" "$TMP/textfile" "$TMP/backups" "$TMP/rules"
printf 'monpass\n' >"$S/mysql"
printf 'hawatchpass\n' >"$S/pg"
chown -R nobody "$S"
chmod 600 "$S"/*
for i in 1 2 3; do printf 'soak_%s_value{n="%s"} %s\n' "$i" "$i" "$i" >"$TMP/textfile/soak$i.prom"; done
sqlite3 "$TMP/backups/db-1.sqlite" 'CREATE TABLE t (x);' 2>/dev/null || : >"$TMP/backups/db-1.sqlite"
# Alert churn: one alert flips every 10 s, one fires after a `for`, one always.
cat >"$TMP/rules/soak.yml" <<'YML'
groups:
  - name: soak
    interval: 1s
    rules:
      - alert: SoakChurn
        expr: vector(time()) % 20 < 10
        labels: { severity: warning }
        annotations: { summary: "flips every 10 s" }
      - alert: SoakCollectorFailing
        expr: hawatch_collector_success == 0
        for: 5s
        labels: { severity: critical }
      - alert: SoakAlways
        expr: vector(1)
      - record: soak:collector_success:sum
        expr: sum(hawatch_collector_success)
YML
chmod -R a+rX "$TMP/textfile" "$TMP/backups" "$TMP/rules"
BUILD_DIR=$(cd "$(dirname "$HAWATCH_BIN")/.." && pwd)
PLUGIN=$BUILD_DIR/tests/plugins/test_plugin_ok.so
write_config() {  # VARIANT (a or b: the reloads alternate)
  local node_interval=2s extra_probe=
  if [[ $1 == b ]]; then
    node_interval=3s
    extra_probe="    - { name: tcp-b, interval: 2s, tcp: { address: \"127.0.0.1:$NUT_PORT\" } }"
  fi
  cat >"$TMP/hawatch.yml.new" <<YML
global: { node_name: soak }
collectors:
  node: { interval: $node_interval }
  network: { interval: 5s }
  systemd: { interval: 2s, timeout: 2s }
  nut:
    - { name: nut1, address: "127.0.0.1:$NUT_PORT", ups: dummy, interval: 2s, timeout: 2s }
  apcupsd:
    - { name: apc1, address: "127.0.0.1:$APC_PORT", interval: 2s, timeout: 2s }
  postgres:
    - { name: primary, dsn: "host=127.0.0.1 port=$PG1 user=hawatch dbname=postgres", password_file: $S/pg,
        interval: 2s, timeout: 2s, standbys: [standby1], heartbeat: { interval: 2s } }
    - { name: standby, dsn: "host=127.0.0.1 port=$PG2 user=hawatch dbname=postgres", password_file: $S/pg,
        interval: 2s, timeout: 2s, heartbeat: { interval: 2s } }
  mysql:
    - { name: db1, host: 127.0.0.1, port: $MY1, user: mon, password_file: "$S/mysql", database: hawatch,
        interval: 2s, timeout: 2s, heartbeat: { interval: 2s } }
    - { name: db2, host: 127.0.0.1, port: $MY2, user: mon, password_file: "$S/mysql",
        interval: 2s, timeout: 2s, heartbeat: { table: hawatch.hawatch_heartbeat, interval: 2s } }
  probes:
    - { name: app, interval: 2s, http: { url: "http://127.0.0.1:$HTTP_PORT/health" } }
    - { name: ocr, interval: 2s, http: { url: "http://127.0.0.1:$HTTP_PORT/ocr/api/status",
        json_checks: ["available == true"] } }
    - { name: tcp, interval: 2s, tcp: { address: "127.0.0.1:$NUT_PORT" } }
    - { name: vip, interval: 2s, dns: { server: "127.0.0.1:$DNS_PORT", name: vip.test.example, type: A } }
    - { name: self, interval: 2s, peer: { url: "http://127.0.0.1:$HAWATCH_PORT" } }
$extra_probe
  backups:
    - { name: db, path_glob: "$TMP/backups/db-*.sqlite", max_age: 26h }
plugins:
  textfile_directory: $TMP/textfile
  exec:
    - { name: load, command: [/usr/lib/nagios/plugins/check_load, -w, "50,50,50", -c, "99,99,99"],
        interval: 2s, timeout: 2s }
  load:
    - { name: test, file: "$PLUGIN", interval: 2s, timeout: 2s }
YML
  ((RULES)) && printf 'rule_files: [ "%s/rules/*.yml" ]\n' "$TMP" >>"$TMP/hawatch.yml.new"
  if ((NOTIFY)); then
    cat >>"$TMP/hawatch.yml.new" <<YML
alerting:
  route: { receiver: sink, group_by: [alertname], group_wait: 1s, group_interval: 2s, repeat_interval: 10s }
  receivers:
    - name: sink
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook", send_resolved: true } ]
  spool_directory: $TMP/spool
YML
    mkdir -p "$TMP/spool" && chown nobody "$TMP/spool"
  fi
  chmod 644 "$TMP/hawatch.yml.new"
  mv "$TMP/hawatch.yml.new" "$TMP/hawatch.yml"
}
HAWATCH_PORT=$(free_port)  # known before start: the peer probe scrapes hawatch itself
write_config a
[[ -e $PLUGIN ]] || fail "missing $PLUGIN (build the test_plugin_ok and hawatch-plugin-host targets)"
HAWATCH_URL=http://127.0.0.1:$HAWATCH_PORT
DAEMON=$HAWATCH_BIN
if [[ -n $HEAPTRACK ]]; then
  # What the heaptrack script does, but with exec: the interpreter reads the preload's fifo.
  DAEMON=$TMP/hawatch-heaptrack
  mkfifo "$TMP/heaptrack.fifo" && chown nobody "$TMP/heaptrack.fifo"
  /usr/lib/heaptrack/libexec/heaptrack_interpret <"$TMP/heaptrack.fifo" | gzip >"$HEAPTRACK.gz" &
  printf '#!/bin/sh\nLD_PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so DUMP_HEAPTRACK_OUTPUT=%s exec %s "$@"\n' \
    "$TMP/heaptrack.fifo" "$HAWATCH_BIN" >"$DAEMON"
  chmod 755 "$DAEMON"
fi
start_bg hawatch "$TMP/hawatch.log" "${AS_NOBODY[@]}" "$DAEMON" --config.file="$TMP/hawatch.yml" \
  "--web.listen-address=127.0.0.1:$HAWATCH_PORT"
HAWATCH_PID=$BG_PID
wait_until 20 "hawatch healthy" '[[ $(hstatus /-/healthy) == 200 ]]'
wait_until 60 "every collector reported" '[[ $(hstatus /-/ready) == 200 ]]'
failing=$(scrape | awk '/^hawatch_collector_success\{/ && $NF == 0 { print $1 }')
[[ -z $failing ]] || log_note "collectors failing at the start (reported, the soak goes on): $failing"
log_note "hawatch pid $HAWATCH_PID with $(scrape | grep -c '^hawatch_collector_success{') collector units"

# ---- load ----------------------------------------------------------------------------------------
cat >"$TMP/load.py" <<'PY'
# Scrapes at RATE/s over two keep-alive connections (as Prometheus does), every other one gzip;
# appends "epoch ok errors p50 max" per second to the stats file.
import http.client, sys, threading, time
host, port, rate, stats = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
lock = threading.Lock()
window = {"ok": 0, "err": 0, "lat": []}
def worker(offset):
    conn = None
    period = 2.0 / rate
    nxt = time.monotonic() + offset
    n = 0
    while True:
        nxt += period
        t0 = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=10)
            headers = {"Accept-Encoding": "gzip"} if n % 2 else {}
            conn.request("GET", "/metrics", headers=headers)
            r = conn.getresponse()
            r.read()
            good = r.status == 200
        except Exception:
            good = False
            conn = None
        n += 1
        with lock:
            window["ok" if good else "err"] += 1
            window["lat"].append(time.monotonic() - t0)
        time.sleep(max(0.0, nxt - time.monotonic()))
for i in range(2):
    threading.Thread(target=worker, args=(i / rate,), daemon=True).start()
with open(stats, "a", buffering=1) as out:
    while True:
        time.sleep(1)
        with lock:
            lat = sorted(window["lat"]) or [0.0]
            out.write(f'{time.time():.0f} {window["ok"]} {window["err"]} {lat[len(lat) // 2]:.4f} {lat[-1]:.4f}\n')
            window.update(ok=0, err=0, lat=[])
PY
start_bg load "$TMP/load.log" "$PY" "$TMP/load.py" 127.0.0.1 "$HAWATCH_PORT" "$RATE" "$TMP/load.stats"

# ---- sampling ------------------------------------------------------------------------------------
kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$HAWATCH_PID/smaps_rollup"; }
TABLE=$TMP/table
printf '| t (s) | Private_Dirty KiB | PSS KiB | PSS anon KiB | RSS KiB | fds | threads | children | scrapes ok | failed | worst 1-s p50 ms | max ms | reloads ok | alerts firing |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n' >"$TABLE"
declare -a ROWS=()
sample() {  # ELAPSED
  alive "$HAWATCH_PID" || fail "hawatch died during the soak"
  local pd pss anon rss fds thr kids ok err p50 max m
  pd=$(kib Private_Dirty) pss=$(kib Pss) anon=$(kib Pss_Anon) rss=$(kib Rss)
  fds=$(find "/proc/$HAWATCH_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  thr=$(awk '/^Threads:/ { print $2 }' "/proc/$HAWATCH_PID/status")
  kids=$(pgrep -c -P "$HAWATCH_PID" || true)
  # The load generator's per-second lines since the last sample (by their own time stamps).
  read -r ok err p50 max SAMPLE_T0 < <(awk -v since="$SAMPLE_T0" '$1 > since { ok += $2; err += $3; if ($4 > p) p = $4; if ($5 > m) m = $5; last = $1 }
    END { printf "%d %d %.1f %.1f %d\n", ok, err, p * 1000, m * 1000, (last ? last : since) }' "$TMP/load.stats" 2>/dev/null || echo "0 0 0 0 $SAMPLE_T0")
  m=$(scrape)
  local firing
  firing=$(sample_value "$m" 'hawatch_alerts{alertname="SoakChurn",state="firing"}')
  ROWS+=("$1 $pd $pss $fds $thr $anon")
  TOTAL_OK=$((TOTAL_OK + ok)) TOTAL_ERR=$((TOTAL_ERR + err))
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$pd" "$pss" "$anon" "$rss" "$fds" \
    "$thr" "$kids" "$ok" "$err" "$p50" "$max" "$RELOADS_OK" "${firing:-?}" | tee -a "$TABLE"
}
TOTAL_OK=0 TOTAL_ERR=0 RELOADS_OK=0 RELOADS=0
SAMPLE_T0=$(date +%s)
start=$SECONDS next_sample=0 next_reload=$RELOAD variant=a
log_note "soak: ${DURATION}s at ${RATE} scrapes/s, a sample every ${SAMPLE}s, warm-up ${WARMUP}s, reload every ${RELOAD}s"
while :; do
  elapsed=$((SECONDS - start))
  if ((elapsed >= next_sample)); then
    sample "$elapsed"
    next_sample=$((next_sample + SAMPLE))
  fi
  ((elapsed >= DURATION)) && break
  if ((RELOAD > 0 && elapsed >= next_reload)); then
    if [[ $variant == a ]]; then variant=b; else variant=a; fi
    write_config "$variant"
    kill -HUP "$HAWATCH_PID"
    RELOADS=$((RELOADS + 1))
    sleep 1
    [[ $(sample_value "$(scrape)" hawatch_config_last_reload_successful) == 1 ]] && RELOADS_OK=$((RELOADS_OK + 1))
    next_reload=$((next_reload + RELOAD))
  fi
  sleep 1
done

# ---- results -------------------------------------------------------------------------------------
# Growth: the first sample at or after the warm-up against the last one. fds and threads by their
# median: the second half of the post-warm-up samples against the first half. A leak moves the
# median; a scrape's connection or a worker the dispatcher starts under load (it stops again when
# idle) makes a peak, and a peer's connection being re-made a dip, which a busy machine makes at
# random (a floor rule was fooled by one such dip: 21 once in the first half, 23 in the second).
summary=$(printf '%s\n' "${ROWS[@]}" | awk -v w="$WARMUP" -v limit="$MEM_LIMIT_KIB" '
  function median(a, lo, hi,    i, j, k, v, m) {  # of a[lo..hi], by insertion sort (few samples)
    m = 0; for (i = lo; i <= hi; i++) { v = a[i]; for (j = m; j > 0 && s[j] > v; j--) s[j + 1] = s[j]; s[j + 1] = v; m++ }
    k = int((m + 1) / 2); return (m % 2) ? s[k] : (s[k] + s[k + 1]) / 2
  }
  $1 >= w { n++; t[n] = $1; pd[n] = $2; pss[n] = $3; fd[n] = $4; th[n] = $5; an[n] = $6 }
  END {
    if (n < 2) { print "too few samples after the warm-up"; exit 1 }
    h = int(n / 2); fa = median(fd, 1, h); fb = median(fd, h + 1, n); ta = median(th, 1, h); tb = median(th, h + 1, n)
    hours = (t[n] - t[1]) / 3600
    printf "after warm-up (%d s .. %d s, %d samples):\n", t[1], t[n], n
    printf "  Private_Dirty %d -> %d KiB (%+d KiB, %+.2f %%)\n", pd[1], pd[n], pd[n] - pd[1], 100 * (pd[n] - pd[1]) / pd[1]
    printf "  PSS           %d -> %d KiB (%+d KiB, %+.2f %%)\n", pss[1], pss[n], pss[n] - pss[1], 100 * (pss[n] - pss[1]) / pss[1]
    printf "  PSS anon      %d -> %d KiB (%+d KiB, %+.2f %%)\n", an[1], an[n], an[n] - an[1], 100 * (an[n] - an[1]) / an[1]
    # The trend, less sensitive to one noisy sample than the two endpoints: the least-squares
    # slope of Private_Dirty over the post-warm-up samples, per hour and against their mean, for
    # runs of ten minutes or more.
    for (i = 1; i <= n; i++) { sx += t[i]; sy += pd[i]; sxx += t[i] * t[i]; sxy += t[i] * pd[i] }
    slope = (n * sxx - sx * sx) > 0 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0
    if (t[n] - t[1] >= 600)  # an hourly rate from a few minutes would say nothing
      printf "  Private_Dirty trend %+.0f KiB/h (least squares; %+.2f %% of its mean per hour)\n", slope * 3600, 100 * slope * 3600 / (sy / n)
    printf "  fds           %d -> %d (median first half %g, second half %g)\n", fd[1], fd[n], fa, fb
    printf "  threads       %d -> %d (median first half %g, second half %g)\n", th[1], th[n], ta, tb
    bad = 0
    if (fb > fa) { print "  GROWTH: open fds"; bad = 1 }
    if (tb > ta) { print "  GROWTH: threads"; bad = 1 }
    if (pd[n] - pd[1] >= limit) { print "  GROWTH: Private_Dirty beyond " limit " KiB"; bad = 1 }
    if (an[n] - an[1] >= limit) { print "  GROWTH: PSS anon beyond " limit " KiB"; bad = 1 }
    exit bad
  }') && grew=0 || grew=1
echo
cat "$TABLE"
echo
echo "$summary"
TOTALS="  scrapes: $TOTAL_OK ok, $TOTAL_ERR failed; reloads: $RELOADS_OK of $RELOADS successful"
if ((NOTIFY)); then
  # The receiver's side matters: a sink that fails every request fills the spool for its hour
  # of retries, and that is not the daemon's growth (it once was, with a bad sink PLAN).
  M=$(scrape)
  NOTIFIED=$(sample_value "$M" 'hawatch_notifications_total{receiver="sink",integration="webhook"}')
  DELIVERED=$(sample_value "$M" 'hawatch_notifications_delivered_total{receiver="sink",integration="webhook"}')
  NFAILED=$(sample_value "$M" 'hawatch_notifications_failed_total{receiver="sink",integration="webhook"}')
  QUEUED=$(sample_value "$M" hawatch_notification_queue_length)
  TOTALS+=$'\n'"  notifications: ${NOTIFIED:-0} attempted, ${DELIVERED:-0} delivered, ${NFAILED:-0} failed, ${QUEUED:-?} queued at the end"
fi
echo "$TOTALS"
if [[ -n $OUT ]]; then
  { cat "$TABLE"; echo; echo "$summary"; echo "$TOTALS"; } >"$OUT"
fi
if ((ASSERT)); then
  ((TOTAL_ERR == 0)) || fail "$TOTAL_ERR scrapes failed during the soak"
  ok "no scrape failed ($TOTAL_OK scrapes)"
  ((RELOADS_OK == RELOADS)) || fail "only $RELOADS_OK of $RELOADS reloads succeeded"
  ok "all $RELOADS reloads succeeded"
  if ((NOTIFY)); then
    ((${DELIVERED:-0} > 0 && ${NFAILED:-0} == 0)) ||
      fail "notifications: ${DELIVERED:-0} delivered, ${NFAILED:-0} failed attempts (see $TMP/sink.log)"
    ok "${DELIVERED} notifications delivered, no attempt failed"
  fi
  ((grew == 0)) || fail "resources grew after the warm-up: $summary"
  ok "the medians of fds and threads did not rise, Private_Dirty and PSS anon grew by less than $MEM_LIMIT_KIB KiB after the warm-up"
fi
