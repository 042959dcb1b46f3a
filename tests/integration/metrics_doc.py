"""docs/metrics.md against the code and against what a daemon served.

  metrics_doc.py SOURCE_DIR code            families the code emits, one a line
  metrics_doc.py SOURCE_DIR doc             families docs/metrics.md lists, "NAME TYPE" a line
  metrics_doc.py SOURCE_DIR check [SCRAPE...]
      exit 1 with a report when the code and the doc differ, or when a scrape (Prometheus text)
      has a hawatch_ family that is undocumented, unknown to the code or of another type.

"Emitted by the code" = every string literal "hawatch_..." in exporter/, alerting/ and plugins/ sources,
which is how every collector names its families (sink.gauge("hawatch_x", ...), tables of
mappings, the C ABI plugins), minus NOT_METRICS, plus the names COMPOSED at run time.
"""
import os
import re
import sys

LITERAL = re.compile(r'"(hawatch_[a-z0-9_]+)"')
# Literals that are not metric families.
NOT_METRICS = {
    "hawatch_heartbeat": "the default heartbeat table name (postgres, mysql)",
    "hawatch_pi_": "a family-name prefix (the status page's Raspberry Pi section)",
    "hawatch_hailo_": "a family-name prefix (the status page's Raspberry Pi section)",
}
# Families built by concatenation: exec_check.cpp names perfdata "hawatch_check_perfdata" plus
# "_" + perf_unit_name(unit); the units are checked against nagios_output.cpp below, so a new
# unit there fails this script until it is listed here and documented.
PERFDATA_UNITS = ["seconds", "bytes", "ratio", "total"]
COMPOSED = ["hawatch_check_perfdata_" + u for u in PERFDATA_UNITS]
DOC_ROW = re.compile(r"^\|\s*`(hawatch_[a-z0-9_]+)`\s*\|\s*([a-z]+)\s*\|")
TYPE_LINE = re.compile(r"^# TYPE (hawatch_[a-z0-9_]+) ([a-z]+)$")


def sources(root):
    for top in ("exporter", "alerting", "plugins"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".cpp", ".h", ".c")):
                    yield os.path.join(dirpath, f)


def code_families(root):
    found = set()
    for path in sources(root):
        with open(path, encoding="utf-8") as f:
            found.update(LITERAL.findall(f.read()))
    found -= set(NOT_METRICS)
    found.update(COMPOSED)
    return found


def perfdata_units_in_code(root):
    with open(os.path.join(root, "exporter/runtime/nagios_output.cpp"), encoding="utf-8") as f:
        text = f.read()
    body = text[text.index("const char* perf_unit_name("):]
    body = body[: body.index("\n}\n")]
    return sorted(re.findall(r'return "([a-z]+)";', body))


def doc_families(root):
    rows = {}
    problems = []
    with open(os.path.join(root, "docs/metrics.md"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = DOC_ROW.match(line)
            if not m:
                continue
            name, kind = m.groups()
            if name in rows:
                problems.append(f"docs/metrics.md:{number}: {name} listed twice")
            if kind not in ("gauge", "counter", "info", "histogram"):
                problems.append(f"docs/metrics.md:{number}: {name}: type {kind!r} is not gauge/counter/info/histogram")
            rows[name] = kind
    return rows, problems


def scraped_families(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = TYPE_LINE.match(line.rstrip("\n"))
            if m:
                out[m.group(1)] = m.group(2)
    return out


def check(root, scrapes):
    problems = []
    units = perfdata_units_in_code(root)
    if units != sorted(PERFDATA_UNITS):
        problems.append(f"perf_unit_name() returns {units}, metrics_doc.py expects {sorted(PERFDATA_UNITS)}")
    code = code_families(root)
    doc, doc_problems = doc_families(root)
    problems += doc_problems
    for name in sorted(code - set(doc)):
        problems.append(f"served but undocumented: {name} (add a row to docs/metrics.md)")
    for name in sorted(set(doc) - code):
        problems.append(f"documented but never served: {name} (no \"{name}\" in exporter/, alerting/ or plugins/)")
    seen = set()
    for path in scrapes:
        for name, kind in scraped_families(path).items():
            seen.add(name)
            if name not in doc:
                problems.append(f"{path}: served {name} is not in docs/metrics.md")
                continue
            if name not in code:
                problems.append(f"{path}: served {name} is not found in the code (a name built at run time?)")
            expected = "gauge" if doc[name] == "info" else doc[name]
            if kind != expected:
                problems.append(f"{path}: {name} is served as {kind}, documented as {doc[name]}")
    for p in problems:
        print(p)
    if scrapes:
        print(f"# {len(seen & set(doc))} of {len(doc)} documented families were served by the runs")
    return 1 if problems else 0


def main(argv):
    root, what = argv[1], argv[2]
    if what == "code":
        print("\n".join(sorted(code_families(root))))
        return 0
    if what == "doc":
        rows, problems = doc_families(root)
        print("\n".join(f"{n} {k}" for n, k in sorted(rows.items())))
        return 1 if problems else 0
    if what == "check":
        return check(root, argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
