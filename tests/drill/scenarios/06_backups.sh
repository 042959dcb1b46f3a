#!/usr/bin/env bash
# Scenario 6, backups: the primary's backup job stops, so the newest backup grows older than its
# max_age → BackupStale; a fresh backup → resolved; the next backup is a corrupt SQLite file
# (a truncated copy of a real database) → BackupCorrupt. The backup node watches its own copy.
source "$(dirname "$0")/../lib/drill.sh"
require_cmd sqlite3

MAX_AGE=6
B=$TMP/backups
mkdir -p "$B"
backup() {  # N [corrupt] : the backup job's output amslpr_N.db
  sqlite3 "$TMP/live.db" "CREATE TABLE IF NOT EXISTS access_log(id INTEGER PRIMARY KEY, plate TEXT);
    INSERT INTO access_log(plate) SELECT hex(randomblob(16)) FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);" >/dev/null
  sqlite3 "$TMP/live.db" ".backup '$B/.amslpr_$1.db'"
  [[ ${2:-} == corrupt ]] && truncate -s 3000 "$B/.amslpr_$1.db"
  mv "$B/.amslpr_$1.db" "$B/amslpr_$1.db"
}
mtime() { stat -c %.9Y "$B/amslpr_$1.db"; }

drill_lab_up
for node in n1 n2; do
  drill_config "$node" "  backups:
    - { name: amslpr, interval: 1s, path_glob: \"$B/amslpr_*.db\", max_age: ${MAX_AGE}s, verify_sqlite: true }"
done
backup 1
drill_hawatch n1
v() { dval n1 "$1{backup=\"amslpr\"}"; }
wait_until 15 "a fresh, verified backup reported" '[[ $(v hawatch_backup_stale) == 0 && $(v hawatch_backup_verify_success) == 1 ]]'
ok "primary: fresh verified backup, no alert"

# ---- the backup job stops: the newest file's age passes max_age at its mtime + max_age ------------
drill_fault "backup job stopped; amslpr_1.db older than ${MAX_AGE}s" \
  "$(awk -v m="$(mtime 1)" -v a="$MAX_AGE" 'BEGIN { printf "%.6f", m + a }')"
drill_alert_step "newest backup older than max_age" "BackupStale (warning) fires and is notified" \
  n1 BackupStale 'hawatch_backup_stale{backup="amslpr"} == 1' 'backup="amslpr"'

drill_fault "the backup job runs again"
backup 2
drill_resolve_step "fresh backup written" "BackupStale resolved and notified" n1 BackupStale 'backup="amslpr"'

# ---- the next backup is a truncated SQLite file --------------------------------------------------------
drill_fault "the newest backup is a truncated SQLite file"
backup 3 corrupt
drill_alert_step "newest backup is corrupt SQLite" "BackupCorrupt (critical) fires and is notified" \
  n1 BackupCorrupt 'hawatch_backup_verify_success{backup="amslpr"} == 0' 'backup="amslpr"'
drill_finish
