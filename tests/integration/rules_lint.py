#!/usr/bin/python3
"""Lints hawatch's shipped alert rules beyond what promtool checks.

Every alert must: carry labels.severity (critical, warning or info) and the annotations summary,
description and runbook_url (BASE/<AlertName>.md); have docs/runbooks/<AlertName>.md, listed in the
runbooks' README.md; have a promtool test that expects it firing and one that expects it silent.
Every metric name in an expression or a test's input series must be a family hawatch serves (a
"hawatch_..." string literal in the C++ sources), and every function must be in the subset
hawatch's own rule engine evaluates. Prints one line per problem; exits 1 if there is any.

usage: rules_lint.py SOURCE_DIR [--rules DIR] [--runbooks DIR]
"""

import argparse
import pathlib
import re
import sys

import yaml

RUNBOOK_BASE = "https://github.com/hawatch/hawatch/blob/main/docs/runbooks/"
SEVERITIES = {"critical", "warning", "info"}
REQUIRED_ANNOTATIONS = ("summary", "description", "runbook_url")

# The PromQL subset hawatch's local engine evaluates (functions and aggregation operators).
LOCAL_FUNCTIONS = {
    "abs", "absent", "absent_over_time", "clamp_min", "clamp_max", "time", "timestamp", "vector",
    "label_replace", "rate", "increase", "changes", "resets", "delta", "deriv", "predict_linear",
    "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
    "last_over_time", "sum", "min", "max", "avg", "count",
}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan"}

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
IDENT = re.compile(r"(?<![\w.:])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")
CODE_FAMILY = re.compile(rb'"(hawatch_[a-z0-9_]+)"')


def served_families(source_dir):
    """Every "hawatch_..." string literal in hawatch's C/C++ sources."""
    names = set()
    for top in ("exporter", "alerting", "plugins", "include"):
        for path in (source_dir / top).rglob("*"):
            if path.suffix in (".cpp", ".h", ".c", ".hpp", ".cc") and path.is_file():
                names.update(m.decode() for m in CODE_FAMILY.findall(path.read_bytes()))
    return names


def scan_expr(expr):
    """(metric names, function names, refused constructs) used in a PromQL expression."""
    text = STRING.sub('""', expr)
    refused = []
    if re.search(r"\boffset\b", text):
        refused.append("offset")
    if "@" in text:
        refused.append("@")
    if re.search(r"\[[^\]]*:[^\]]*\]", text):
        refused.append("subquery")
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = GROUPING.sub(" ", text)
    metrics, functions = set(), set()
    for name, call in IDENT.findall(text):
        if name.lower() in KEYWORDS:
            continue
        (functions if call else metrics).add(name)
    return metrics, functions, refused


def series_metric(series):
    """The metric name of a promtool input series ('name{...}' or '{__name__="name",...}')."""
    m = re.match(r"\s*([A-Za-z_:][A-Za-z0-9_:]*)", series)
    if m:
        return m.group(1)
    m = re.search(r'__name__\s*=\s*"([^"]+)"', series)
    return m.group(1) if m else None


class Lint:
    def __init__(self, source_dir, rules_dir, runbooks_dir):
        self.source_dir = source_dir
        self.rules_dir = rules_dir
        self.runbooks_dir = runbooks_dir
        self.families = served_families(source_dir)
        self.problems = []
        self.alerts = {}  # name -> rule file

    def problem(self, where, message):
        self.problems.append(f"{where}: {message}")

    def check_metrics(self, where, names):
        for name in sorted(names):
            if name not in self.families:
                self.problem(where, f"metric {name} is not a family hawatch serves")

    def load(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                return yaml.safe_load(f) or {}
        except (OSError, yaml.YAMLError) as e:
            self.problem(path, f"cannot read: {e}")
            return {}

    def check_rule_file(self, path):
        rel = path.relative_to(self.rules_dir)
        for group in self.load(path).get("groups") or []:
            for rule in group.get("rules") or []:
                name = rule.get("alert") or rule.get("record") or "?"
                where = f"{rel}: {name}"
                metrics, functions, refused = scan_expr(str(rule.get("expr", "")))
                self.check_metrics(where, metrics)
                for fn in sorted(functions - LOCAL_FUNCTIONS):
                    self.problem(where, f"function {fn} is outside hawatch's local PromQL subset")
                for construct in refused:
                    self.problem(where, f"{construct} is outside hawatch's local PromQL subset")
                if "keep_firing_for" in rule:
                    self.problem(where, "keep_firing_for is not accepted by promtool 2.42")
                if "alert" in rule:
                    self.check_alert(where, rule)

    def check_alert(self, where, rule):
        name = rule["alert"]
        if name in self.alerts:
            self.problem(where, f"alert name also used in {self.alerts[name]}")
        self.alerts[name] = where.split(":")[0]
        severity = (rule.get("labels") or {}).get("severity")
        if severity not in SEVERITIES:
            self.problem(where, f"labels.severity is {severity!r}, not one of {sorted(SEVERITIES)}")
        annotations = rule.get("annotations") or {}
        for key in REQUIRED_ANNOTATIONS:
            if not str(annotations.get(key, "")).strip():
                self.problem(where, f"annotation {key} is missing")
        url = annotations.get("runbook_url")
        if url and url != f"{RUNBOOK_BASE}{name}.md":
            self.problem(where, f"runbook_url is {url}, expected {RUNBOOK_BASE}{name}.md")
        if not (self.runbooks_dir / f"{name}.md").is_file():
            self.problem(where, f"no runbook {self.runbooks_dir / (name + '.md')}")

    def check_tests(self):
        firing, silent = set(), set()
        for path in sorted((self.rules_dir / "tests").glob("*.test.yml")):
            rel = path.relative_to(self.rules_dir)
            for test in self.load(path).get("tests") or []:
                for s in test.get("input_series") or []:
                    metric = series_metric(str(s.get("series", "")))
                    if metric is None:
                        self.problem(rel, f"input series without a metric name: {s.get('series')}")
                    else:
                        self.check_metrics(f"{rel}: input series", {metric})
                for case in test.get("alert_rule_test") or []:
                    (firing if case.get("exp_alerts") else silent).add(case.get("alertname"))
        for name, where in sorted(self.alerts.items()):
            if name not in firing:
                self.problem(where, f"alert {name}: no promtool test expects it firing")
            if name not in silent:
                self.problem(where, f"alert {name}: no promtool test expects it silent")

    def check_runbooks(self):
        readme = self.runbooks_dir / "README.md"
        index = readme.read_text(encoding="utf-8") if readme.is_file() else ""
        if not index:
            self.problem(readme, "missing or empty")
        for name in sorted(self.alerts):
            if f"({name}.md)" not in index:
                self.problem(readme, f"does not link {name}.md")
        for path in sorted(self.runbooks_dir.glob("*.md")):
            if path.name != "README.md" and path.stem not in self.alerts:
                self.problem(path, "runbook for an alert no rule file defines")

    def run(self):
        if not self.families:
            self.problem(self.source_dir, "found no hawatch_* metric names in the sources")
        files = sorted(self.rules_dir.rglob("*.rules.yml"))
        if not files:
            self.problem(self.rules_dir, "no *.rules.yml files")
        for path in files:
            self.check_rule_file(path)
        self.check_tests()
        self.check_runbooks()
        return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source_dir", type=pathlib.Path)
    parser.add_argument("--rules", type=pathlib.Path)
    parser.add_argument("--runbooks", type=pathlib.Path)
    args = parser.parse_args()
    lint = Lint(args.source_dir, args.rules or args.source_dir / "alerting/rules",
                args.runbooks or args.source_dir / "docs/runbooks")
    files = lint.run()
    for p in lint.problems:
        print(p)
    if lint.problems:
        return 1
    print(f"{len(lint.alerts)} alerts in {len(files)} rule files: every one tested, with a "
          f"runbook, on served metrics ({len(lint.families)} families known)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
