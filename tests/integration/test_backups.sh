#!/usr/bin/env bash
# The backups collector through the daemon, on AMSLPR-shaped backups made with the sqlite3 tool
# and gzip: fresh and verified, then a newest backup that is empty, then one that is corrupt,
# then everything stale — and a backup directory that does not exist yet.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd sqlite3 gzip

B=$TMP/mnt/backup/amslpr
mkdir -p "$B"
sqlite3 "$TMP/amslpr.db" <<'SQL'
CREATE TABLE vehicles(id INTEGER PRIMARY KEY, plate TEXT UNIQUE, owner TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO vehicles(plate, owner) SELECT 'AB' || (1000 + i), 'owner ' || i FROM n;
SQL
backup() {  # NAME HOURS_AGO : a good gzipped backup of the test database
  sqlite3 "$TMP/amslpr.db" ".backup '$TMP/snap.db'"
  gzip -c "$TMP/snap.db" >"$B/$1"
  touch -d "-$2 hours" "$B/$1"
}
backup amslpr_20261124_020000.db.gz 25
backup amslpr_20261125_020000.db.gz 1
printf 'not a backup' >"$B/config_20261125_020000.tar.gz"

cat >"$TMP/hawatch.yml" <<YAML
collectors:
  node: { enabled: false }
  backups:
    - { name: db, interval: 500ms, path_glob: "$B/amslpr_*.db.gz", max_age: 26h, verify_sqlite: true }
    - { name: config, interval: 500ms, path_glob: "$B/config_*.tar.gz", max_age: 26h }
    - { name: offsite, interval: 500ms, path_glob: "$TMP/not-mounted/amslpr_*.db.gz", max_age: 26h }
YAML
start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 10 "backups reported" '[[ $(scrape | grep -c "^hawatch_backup_stale{") == 3 ]]'
M=$(scrape)
v() { sample_value "$M" "$1"; }
size=$(stat -c %s "$B/amslpr_20261125_020000.db.gz")
mtime=$(stat -c %Y "$B/amslpr_20261125_020000.db.gz")
assert_eq "2 $size 0 1" "$(v 'hawatch_backup_files{backup="db"}') $(v 'hawatch_backup_size_bytes{backup="db"}') $(v 'hawatch_backup_stale{backup="db"}') $(v 'hawatch_backup_verify_success{backup="db"}')" \
  "fresh: 2 files, newest's size, not stale, verified"
assert_eq "$mtime" "$(v 'hawatch_backup_last_timestamp_seconds{backup="db"}' | cut -d. -f1)" "last timestamp is the newest file's mtime"
age=$(v 'hawatch_backup_age_seconds{backup="db"}')
awk -v a="$age" 'BEGIN { exit !(a > 3590 && a < 3700) }' || fail "age $age is not about an hour"
ok "age about an hour ($age s)"
assert_eq "1 0" "$(v 'hawatch_backup_files{backup="config"}') $(v 'hawatch_backup_stale{backup="config"}')" "config backup found, fresh"
assert_eq "0 +Inf 1 0" "$(v 'hawatch_backup_files{backup="offsite"}') $(v 'hawatch_backup_age_seconds{backup="offsite"}') $(v 'hawatch_backup_stale{backup="offsite"}') $(v 'hawatch_backup_last_timestamp_seconds{backup="offsite"}')" \
  "missing backup directory: no files, age +Inf, stale"
assert_eq 1 "$(v 'hawatch_collector_success{collector="backups/offsite"}')" "no backups yet is a stale backup, not a collector failure"

# The cron job wrote an empty backup.
: >"$B/amslpr_20261126_020000.db.gz"
wait_until 5 "empty backup caught" '[[ $(sample_value "$(scrape)" "hawatch_backup_verify_success{backup=\"db\"}") == 0 ]]'
assert_eq 0 "$(sample_value "$(scrape)" 'hawatch_backup_size_bytes{backup="db"}')" "empty newest backup: size 0"
wait_until 5 "logged" "grep -q 'backup verification failed.*decompresses to zero bytes' '$HAWATCH_LOG'"
ok "empty backup: verification failed (decompresses to zero bytes)"

# A good one again, then a corrupt one (garbage over the database pages).
backup amslpr_20261127_020000.db.gz 0
wait_until 5 "recovers" '[[ $(sample_value "$(scrape)" "hawatch_backup_verify_success{backup=\"db\"}") == 1 ]]'
ok "a good newest backup verifies again"
sqlite3 "$TMP/amslpr.db" ".backup '$TMP/corrupt.db'"
dd if=/dev/urandom of="$TMP/corrupt.db" bs=4096 seek=1 count=2 conv=notrunc status=none
gzip -c "$TMP/corrupt.db" >"$B/amslpr_20261128_020000.db.gz"
wait_until 5 "corrupt backup caught" '[[ $(sample_value "$(scrape)" "hawatch_backup_verify_success{backup=\"db\"}") == 0 ]]'
ok "corrupt backup: verification failed ($(grep -o 'err=.*' "$HAWATCH_LOG" | tail -1 | cut -c1-100))"

# Nothing new for over a day.
for f in "$B"/*; do touch -d '-27 hours' "$f"; done
wait_until 5 "stale" '[[ $(sample_value "$(scrape)" "hawatch_backup_stale{backup=\"db\"}") == 1 ]]'
ok "all backups older than max_age: stale"

# As an unprivileged user (as hawatch is meant to run): a backup directory it may not read is a
# collector failure, not "no backups"; a readable one still works.
require_cmd setpriv
stop_process "$HAWATCH_PID"
chmod 711 "$TMP"
mkdir -m 700 "$TMP/private"
cp "$B/amslpr_20261125_020000.db.gz" "$TMP/private/"
mkdir -m 755 "$TMP/public"
cp "$B/amslpr_20261125_020000.db.gz" "$TMP/public/"
touch "$TMP/public/amslpr_20261125_020000.db.gz"
cat >"$TMP/nobody.yml" <<YAML
collectors:
  node: { enabled: false }
  backups:
    - { name: private, path_glob: "$TMP/private/amslpr_*.db.gz", max_age: 26h }
    - { name: public, path_glob: "$TMP/public/amslpr_*.db.gz", max_age: 26h, verify_sqlite: true }
YAML
chmod 644 "$TMP/nobody.yml"
HAWATCH_LAUNCH=(setpriv --reuid=65534 --regid=65534 --clear-groups)
start_hawatch "--config.file=$TMP/nobody.yml"
wait_until 10 "both reported" '[[ -n $(sample_value "$(scrape)" "hawatch_collector_success{collector=\"backups/private\"}") && -n $(sample_value "$(scrape)" "hawatch_backup_verify_success{backup=\"public\"}") ]]'
M=$(scrape)
assert_eq 0 "$(sample_value "$M" 'hawatch_collector_success{collector="backups/private"}')" \
  "as nobody: an unreadable backup directory is a collector failure"
wait_until 5 "logged" "grep -q 'collector=backups/private.*Permission denied' '$HAWATCH_LOG'"
ok "... logged with the directory and 'Permission denied'"
assert_eq "1 1 0" "$(sample_value "$M" 'hawatch_collector_success{collector="backups/public"}') $(sample_value "$M" 'hawatch_backup_verify_success{backup="public"}') $(sample_value "$M" 'hawatch_backup_stale{backup="public"}')" \
  "as nobody: a readable backup is found and verified"
