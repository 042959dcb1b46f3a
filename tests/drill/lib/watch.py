#!/usr/bin/python3
"""The drill's stopwatch: after a fault at T0, polls every 100 ms (in one process, so that a
loaded machine does not stretch the polling) and notes the first time each of these holds:
  detect  — the node's /metrics has a sample SELECTOR OP VALUE (e.g. 'hawatch_ups_status{flag="OB",ups="apc"} == 1');
  alert   — the node's GET /api/v2/alerts lists ALERT with the LABELS (mode firing), or no longer
            does (mode resolved);
  notify  — the webhook sink's directory has a notification to PATH, received after T0, listing
            ALERT with status MODE and the LABELS (its receive time, not the poll's).
ALERT "-": detection only. Prints "DETECT ALERT NOTIFY" in seconds after T0 ("-" for not seen within TIMEOUT, or not asked).
usage: watch.py URL SINK_DIR PATH MODE ALERT T0 TIMEOUT [--detect 'SELECTOR OP VALUE'] [LABEL=VALUE...]
"""
import json
import math
import operator
import pathlib
import sys
import time
import urllib.request

OPS = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le,
       ">": operator.gt, "<": operator.lt}


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


def sample(text, selector):
    for line in text.splitlines():
        if line.startswith(selector + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def detect_holds(url, spec):
    selector, op, value = spec.rsplit(" ", 2)
    text = get(url + "/metrics")
    if text is None:
        return False
    v = sample(text, selector)
    return v is not None and not math.isnan(v) and OPS[op](v, float(value))


def alert_listed(url, name, labels):
    text = get(url + "/api/v2/alerts")
    if text is None:
        return None
    try:
        alerts = json.loads(text)
    except ValueError:
        return None
    return any(a.get("labels", {}).get("alertname") == name
               and all(a["labels"].get(k) == v for k, v in labels.items()) for a in alerts)


def notified(sink, path, mode, name, labels, since, seen):
    for body in sorted(pathlib.Path(sink).glob("[0-9][0-9][0-9][0-9].json")):
        if body.name in seen:
            continue
        stem = body.with_suffix("")
        try:
            received = float(stem.with_suffix(".time").read_text())
            payload = json.loads(body.read_text())
            target = stem.with_suffix(".path").read_text()
        except (OSError, ValueError):
            continue  # still being written
        seen.add(body.name)
        if target != path or received < since:
            continue
        for a in payload.get("alerts", []):
            al = a.get("labels", {})
            if (al.get("alertname") == name and a.get("status") == mode
                    and all(al.get(k) == v for k, v in labels.items())):
                return received
    return None


def main(argv):
    url, sink, path, mode, name, t0, timeout = argv[1:8]
    rest = argv[8:]
    t0, deadline = float(t0), time.time() + float(timeout)
    detect_spec = None
    if rest[:1] == ["--detect"]:
        detect_spec, rest = rest[1], rest[2:]
    labels = dict(kv.split("=", 1) for kv in rest)
    no_alert = name == "-"  # a state change that raises no alert: detection only
    found = {"detect": None if detect_spec else "-", "alert": "-" if no_alert else None,
             "notify": "-" if no_alert else None}
    seen = set()
    while time.time() < deadline and None in found.values():
        if found["detect"] is None and detect_holds(url, detect_spec):
            found["detect"] = time.time() - t0
        if found["alert"] is None:
            listed = alert_listed(url, name, labels)
            if listed is not None and listed == (mode == "firing"):
                found["alert"] = time.time() - t0
        if found["notify"] is None:
            t = notified(sink, path, mode, name, labels, t0, seen)
            if t is not None:
                found["notify"] = t - t0
        time.sleep(0.1)
    print(" ".join("-" if v is None or v == "-" else "%.2f" % v for v in found.values()))


main(sys.argv)
