# Sums up ctest's console output or LastTest.log for the tail of a failed run: the failing lines
# of each test, and each sanitizer or libFuzzer report as its kind, its accesses and their top
# frames that have a source line (paths cut to file names), so a report fits in a few lines (CI
# shows only the end of the log).
/^[0-9]+\/[0-9]+ Test: / { test = $3; report = 0; next }  # LastTest.log
/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: / { test = $4; report = 0; next }  # ctest's console
/(WARNING|ERROR): ([A-Za-z]+Sanitizer|libFuzzer)/ { report = 1; frames = 0; emit($0); next }
/SUMMARY: [A-Za-z]+Sanitizer/ { report = 0; next }
report && /^ +(Write|Read|Previous|Atomic|Location|Mutex|Thread T[0-9]+ .*created)/ {
  frames = 0; emit($0); next
}
report && /^ +#[0-9]+ / {
  if (frames < 4 && $0 ~ / \/[^ ]*:[0-9]+/ && $0 !~ /\/usr\/lib\/|compiler-rt|sanitizer_common/) {
    frames++
    emit(frame($0))
  }
  next
}
/^(FAIL|not ok)|\[FAIL\]|scenario [0-9a-z_]+: exit [1-9]|runtime error:/ { emit($0) }

function emit(line) {
  if (line !~ /^ /) line = " " line
  gsub(/^ +/, " ", line)
  print test ":" substr(line, 1, 240)
}
# "#1 f(int) /usr/include/Poco/Net/Socket.h:468:17 (bin+0x15) (BuildId: ..)" -> "#1 f(int) Socket.h:468"
function frame(line,   n, w, i, out) {
  sub(/ \(BuildId: [0-9a-f]+\)/, "", line)
  sub(/ \([^ ()]+\+0x[0-9a-f]+\)$/, "", line)
  n = split(line, w, " ")
  out = ""
  for (i = 1; i <= n; i++) {
    if (w[i] ~ /^\/.*:[0-9]+/) {
      sub(/^.*\//, "", w[i])
      if (w[i] ~ /:[0-9]+:[0-9]+$/) sub(/:[0-9]+$/, "", w[i])  # the column
    }
    out = out " " w[i]
  }
  return out
}
