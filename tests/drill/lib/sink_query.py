#!/usr/bin/python3
"""Questions about what the drill's webhook sink (tests/fixtures/alerting/webhook_sink.py)
received, for the timing helpers:
  sink_query.py first DIR PATH ALERT STATUS SINCE [LABEL=VALUE...]
      the receive time of the first POST to PATH (e.g. /n1) received at or after SINCE (Unix s)
      whose payload lists ALERT with STATUS (firing|resolved) and the labels given; exit 1: none.
  sink_query.py count DIR PATH ALERT STATUS SINCE [LABEL=VALUE...]
      how many such POSTs there are.
  sink_query.py alerts DIR PATH SINCE
      one line per (alertname, status) pair notified since SINCE: "NAME STATUS COUNT"."""
import json
import pathlib
import sys


def posts(directory, path, since):
    for body in sorted(pathlib.Path(directory).glob("[0-9][0-9][0-9][0-9].json")):
        stem = body.with_suffix("")
        try:
            received = float(stem.with_suffix(".time").read_text())
            if stem.with_suffix(".path").read_text() != path or received < since:
                continue
            yield received, json.loads(body.read_text())
        except (OSError, ValueError):
            continue  # still being written, or not a drill post


def matches(alert, name, status, wanted):
    labels = alert.get("labels", {})
    return (labels.get("alertname") == name and alert.get("status") == status
            and all(labels.get(k) == v for k, v in wanted.items()))


def main(argv):
    cmd = argv[1]
    if cmd == "alerts":
        counts = {}
        for _, payload in posts(argv[2], argv[3], float(argv[4])):
            for a in payload.get("alerts", []):
                key = (a.get("labels", {}).get("alertname", "?"), a.get("status", "?"))
                counts[key] = counts.get(key, 0) + 1
        for (name, status), n in sorted(counts.items()):
            print(name, status, n)
        return 0
    directory, path, name, status, since = argv[2:7]
    wanted = dict(kv.split("=", 1) for kv in argv[7:])
    hits = [t for t, p in posts(directory, path, float(since))
            if any(matches(a, name, status, wanted) for a in p.get("alerts", []))]
    if cmd == "count":
        print(len(hits))
        return 0
    if not hits:
        return 1
    print("%.3f" % min(hits))
    return 0


sys.exit(main(sys.argv))
