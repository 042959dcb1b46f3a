# shellcheck shell=bash
# Helpers shared by the bench scripts (sourced).

# A 127.0.0.1 port nothing listens on (TCP or UDP) right now. Another process may still take it
# before the caller binds; callers that care retry.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! ss -Hltun "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  echo "bench: no free loopback port found" >&2
  return 1
}
