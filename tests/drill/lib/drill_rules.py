#!/usr/bin/python3
"""The drill's rule files: the shipped rules (alerting/rules/*.rules.yml) with every `for:` cut to
FOR (a drill cannot wait 15 minutes per scenario). Expressions, thresholds, labels, annotations
and the alerts without `for` stay exactly as shipped, so the drill tests what users run.
usage: drill_rules.py SRC_DIR OUT_DIR FOR   -> OUT_DIR/*.rules.yml and OUT_DIR/for.tsv
for.tsv: one line per alert: name, shipped `for` (or 0s), drill `for` (or 0s)."""
import pathlib
import re
import sys

src, out, drill_for = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
out.mkdir(parents=True, exist_ok=True)
alert_re = re.compile(r"^\s*- alert:\s*(\S+)\s*$")
for_re = re.compile(r"^(\s+)for:\s*(\S+)\s*$")
table = []
for path in sorted(src.glob("*.rules.yml")):
    lines = []
    current = None
    for line in path.read_text().splitlines():
        m = alert_re.match(line)
        if m:
            current = m.group(1)
            table.append([current, "0s", "0s"])
        m = for_re.match(line)
        if m and current:
            table[-1][1:] = [m.group(2), drill_for]
            line = f"{m.group(1)}for: {drill_for}  # drill: shipped for: {m.group(2)}"
        lines.append(line)
    (out / path.name).write_text("\n".join(lines) + "\n")
(out / "for.tsv").write_text("".join("\t".join(row) + "\n" for row in table))
