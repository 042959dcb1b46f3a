#!/usr/bin/env python3
"""docs/configuration.md's alerting and failover tables against the config readers.

Each table of those sections sits under a heading whose first backticked text is a config path
(`alerting.route`, `failover[].update.rfc2136`, ...). TABLES below says which reader functions
read that mapping; the keys a reader reads are the string literals it hands to MapReader
(m.string("url"), r.duration("hold"), read_duration(m, "group_wait", ...), for-lists such as
{"html", "text"}). Both directions must hold: every key read is a row of its table, and every
row names a key that is read.

  config_doc.py ROOT check            differences, exit 1 when there are any
  config_doc.py ROOT doc | code       the keys per table, one "table key" a line
  config_doc.py ROOT examples OUTDIR  the doc's "# a complete config" YAML blocks as files
"""
import re
import sys
from pathlib import Path

WEBHOOK = "alerting/receivers/webhook/webhook.cpp"
HTTP = "exporter/collectors/shared/http_client.cpp"
EMAIL = "alerting/receivers/email/email_config.cpp"
GROUP = "alerting/failover/group_config.cpp"
TIME = "alerting/timeinterval/time_interval.cpp"

# table -> [(file, function or None for the whole file, receiver objects or None for all)]
TABLES = {
    "alerting": [("alerting/config/alerting_config.cpp", "read_alerting_config", None)],
    "alerting.route": [("alerting/dispatch/route_config.cpp", "parse", None),
                       ("alerting/dispatch/route_config.cpp", "read_group_by", None)],
    "alerting.inhibit_rules": [("alerting/inhibit/inhibitor.cpp", "read_inhibit_rules", None)],
    "alerting.time_intervals": [(TIME, "read_time_intervals", None)],
    "alerting.time_intervals[].time_intervals[]": [(TIME, "read", None), (TIME, "read_times", None)],
    "alerting.inbound": [("alerting/config/alerting_config.cpp", "read_inbound", None)],
    "alerting.delivery": [("alerting/config/alerting_config.cpp", "read_delivery", None)],
    "alerting.receivers": [("alerting/config/alerting_config.cpp", "read_receivers", None),
                           ("alerting/config/alerting_config.h", None, None)],
    "alerting.receivers[].webhook_configs": [(WEBHOOK, "read_webhook_config", None)],
    "http_config": [(HTTP, "read_tls_options", None), (HTTP, "read_auth_options", None)],
    "alerting.receivers[].email_configs": [
        (EMAIL, "read_email_config", None), (EMAIL, "read_auth", None),
        (EMAIL, "read_headers", {"m"}), (EMAIL, "read_tls", {"m"})],
    "alerting.receivers[].email_configs[].tls_config": [(EMAIL, "read_tls", None)],
    "alerting.receivers[].alertmanager_configs": [
        ("alerting/receivers/alertmanager/alertmanager.cpp", "read_alertmanager_config", None),
        (HTTP, "read_tls_options", {"section"}), (HTTP, "read_auth_options", {"section"})],
    "alerting.receivers[].exec_configs": [
        ("alerting/receivers/exec/exec.cpp", "read_exec_config", None),
        ("alerting/receivers/exec/exec.cpp", "read_command", None),
        ("alerting/receivers/exec/exec.cpp", "read_env", None)],
    "alerting.receivers[].dns_update_configs": [
        ("alerting/receivers/dns_update/dns_update.cpp", "read_dns_update_config", None)],
    "failover[]": [(GROUP, "read_group", None), (GROUP, "read_record", {"group"}),
                   (GROUP, "read_health", {"group"}), (GROUP, "read_failback", {"group"}),
                   (GROUP, "read_update", {"group"})],
    "failover[].record": [(GROUP, "read_record", {"r"})],
    "failover[].health": [(GROUP, "read_health", {"h"})],
    "failover[].failback": [(GROUP, "read_failback", {"f"})],
    "failover[].update": [("alerting/failover/hooks/update_reader.cpp", None, None)],
    "failover[].update.rfc2136": [
        ("alerting/failover/hooks/rfc2136/rfc2136_updater.cpp", "read_rfc2136_config", None)],
    "failover[].update.powerdns": [
        ("alerting/failover/hooks/powerdns/powerdns_updater.cpp", "read_powerdns_config", None),
        ("alerting/failover/hooks/powerdns/powerdns_updater.cpp", "read_api_url", None),
        ("alerting/failover/hooks/powerdns/powerdns_updater.cpp", "read_api_key", None),
        (HTTP, "read_tls_options", {"section"})],
    "failover[].update.exec": [
        ("alerting/failover/hooks/exec/exec_updater.cpp", "read_exec_hook_config", None),
        ("alerting/failover/hooks/exec/exec_updater.cpp", "read_env", None)],
}
# Keys a reader builds instead of naming them: read_side(m, "source") reads source_match,
# source_match_re and source_matchers. A rename there shows up as a stale row here.
COMPUTED = {
    # read_tls's own m.node("tls_config") belongs to the email table.
    "alerting.receivers[].email_configs[].tls_config": {"drop": {"tls_config"}},
    "alerting.inhibit_rules": {
        "drop": {"source", "target"},
        "add": {f"{s}_{k}" for s in ("source", "target") for k in ("match", "match_re", "matchers")},
    },
}
KEY = r'"([a-z][a-z0-9_]*)"'
# obj.method("key"  |  call(ident, ident, "key"  |  for (... : {"a", "b"})  |  name{"a", "b"}
ACCESS = re.compile(r'\b(\w+)\.(?:string|boolean|duration|integer|choice|string_list|node|has)\(\s*'
                    + KEY)
CALL = re.compile(r'\b\w+\(\s*((?:[A-Za-z_][\w.]*\s*,\s*)*)' + KEY)
BRACES = re.compile(r'(?::\s*|\b\w+)\{\s*("[a-z][a-z0-9_]*"(?:\s*,\s*[^{}]*?)?)\}')


def function_body(text, name):
    """The bodies of every definition of `name` (a line starting with its return type)."""
    bodies = []
    for m in re.finditer(r'^[A-Za-z][^\n]*?\b' + re.escape(name) + r'\([^;{]*?\)\s*(?:const\s*)?\{',
                         text, re.M | re.S):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        bodies.append(text[m.end():i])
    if not bodies:  # member functions are indented
        for m in re.finditer(r'^\s+\w[\w:<>]*\s+' + re.escape(name) + r'\([^;{]*?\)\s*\{', text,
                             re.M | re.S):
            depth, i = 1, m.end()
            while depth and i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            bodies.append(text[m.end():i])
    return bodies


def keys_in(text, objects):
    keys = set()
    for m in ACCESS.finditer(text):
        if objects is None or m.group(1) in objects:
            keys.add(m.group(2))
    for m in CALL.finditer(text):
        first = m.group(1).split(",")[0].strip() if m.group(1) else ""
        if objects is None or first in objects:
            keys.add(m.group(2))
    if objects is None:
        for m in BRACES.finditer(text):
            keys.update(re.findall(KEY, m.group(1)))
    return keys


def code_keys(root):
    out = {}
    for table, sources in TABLES.items():
        keys = set()
        for file, func, objects in sources:
            text = (root / file).read_text()
            bodies = [text] if func is None else function_body(text, func)
            if not bodies:
                raise SystemExit(f"config_doc.py: no function {func} in {file}")
            for body in bodies:
                keys |= keys_in(body, objects)
        fix = COMPUTED.get(table, {})
        out[table] = (keys - fix.get("drop", set())) | fix.get("add", set())
    return out


def doc_tables(root):
    """table path -> keys named in the first column of the first table under its heading."""
    out, current, in_table = {}, None, False
    text = (root / "docs/configuration.md").read_text()
    start = text.index("## `alerting`")
    end = text.index("## `plugins`")
    for line in text[start:end].splitlines():
        heading = re.match(r'^#{2,4} `([^`]+)`', line)
        if heading:
            current, in_table = heading.group(1), False
            continue
        if current is None:
            continue
        if line.startswith("|"):
            cells = line.split("|")
            first = cells[1] if len(cells) > 2 else ""
            if re.fullmatch(r'\s*-+\s*', first) or first.strip() == "key":
                in_table = True
                continue
            if in_table:
                out.setdefault(current, set()).update(re.findall(r'`([a-z][a-z0-9_]*)`', first))
        elif in_table and current in out:
            current = None  # only the first table under a heading
    return out


def check(root):
    code, doc = code_keys(root), doc_tables(root)
    problems = []
    for table in sorted(TABLES):
        if table not in doc:
            problems.append(f"no table for `{table}` in docs/configuration.md")
            continue
        for key in sorted(code[table] - doc[table]):
            problems.append(f"read but undocumented: {table}: {key}")
        for key in sorted(doc[table] - code[table]):
            problems.append(f"documented but never read: {table}: {key}")
    for table in sorted(set(doc) - set(TABLES)):
        problems.append(f"a table config_doc.py does not know: `{table}` (add it to TABLES)")
    for p in problems:
        print(p)
    count = sum(len(v) for v in code.values())
    print(f"# {len(TABLES)} tables, {count} keys read by the readers")
    return 1 if problems else 0


def examples(root, outdir):
    text = (root / "docs/configuration.md").read_text()
    blocks = re.findall(r'```yaml\n(# a complete config[^\n]*\n.*?)```', text, re.S)
    Path(outdir).mkdir(parents=True, exist_ok=True)
    for i, block in enumerate(blocks):
        (Path(outdir) / f"example{i}.yml").write_text(block)
        print(Path(outdir) / f"example{i}.yml")
    return 0 if blocks else 1


def main():
    root, what = Path(sys.argv[1]), sys.argv[2]
    if what == "check":
        return check(root)
    if what == "examples":
        return examples(root, sys.argv[3])
    table = code_keys(root) if what == "code" else doc_tables(root)
    for name in sorted(table):
        for key in sorted(table[name]):
            print(name, key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
