#!/usr/bin/python3
"""Writes the Grafana dashboards of this directory (*.json) from the definitions below.

    /usr/bin/python3 dashboards/generate.py          # (re)write the JSON files
    /usr/bin/python3 dashboards/generate.py --check  # exit 1 when a JSON file differs

The JSON files are what users import or provision; this script is their source, so that seven
dashboards share one layout, one set of template variables and one way of referring to the
datasource. tests/integration/test_dashboards.sh runs --check and every query against a real
Prometheus. Standard library only.
"""

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SCHEMA_VERSION = 36  # Grafana 9.0; newer Grafana migrates it on load
DS = {"type": "prometheus", "uid": "${datasource}"}
# Every hawatch query is scoped to the chosen job and instances.
SEL = 'job="$job",instance=~"$instance"'
# "or" this to a sum by (instance) so that nodes with nothing to count show 0, not "No data".
ZERO_PER_NODE = f"0 * group by (instance) (hawatch_build_info{{{SEL}}})"

# ---- value mappings ------------------------------------------------------------------------------


def mapping(*pairs):
    """[(value, text, color), ...] -> one Grafana "value" mapping."""
    options = {}
    for index, (value, text, color) in enumerate(pairs):
        options[str(value)] = {"color": color, "index": index, "text": text}
    return [{"type": "value", "options": options}]


UP_DOWN = mapping((1, "UP", "green"), (0, "DOWN", "red"))
YES_NO_BAD = mapping((0, "no", "green"), (1, "YES", "red"))
OK_FAILED = mapping((1, "OK", "green"), (0, "FAILED", "red"))
VRRP = mapping((0, "INIT", "blue"), (1, "BACKUP", "yellow"), (2, "MASTER", "green"),
               (3, "FAULT", "red"))
VIP = mapping((1, "HELD HERE", "green"), (0, "not here", "text"))
FAILOVER = mapping((0, "PRIMARY", "green"), (1, "FAILED OVER", "orange"))
NAGIOS = mapping((0, "OK", "green"), (1, "WARNING", "yellow"), (2, "CRITICAL", "red"),
                 (3, "UNKNOWN", "purple"))
ROLE = mapping((0, "PRIMARY", "green"), (1, "REPLICA", "blue"))
POWER = mapping((0, "ON MAINS", "green"), (1, "ON BATTERY", "red"))
ACTIVE = mapping((1, "active", "green"), (0, "not active", "red"))


def steps(*pairs):
    """Absolute thresholds: steps((None, 'green'), (1, 'red'))."""
    return {"mode": "absolute",
            "steps": [{"color": color, "value": value} for value, color in pairs]}


GREEN = steps((None, "green"))
ZERO_GOOD = steps((None, "green"), (1, "red"))

# ---- panels --------------------------------------------------------------------------------------


def target(expr, legend="", ref="A", table=False):
    t = {"datasource": DS, "editorMode": "code", "expr": expr, "legendFormat": legend,
         "range": not table, "refId": ref}
    if table:
        t.update({"format": "table", "instant": True})
    return t


def targets(queries, table=False):
    """queries: an expr, (expr, legend), or a list of those."""
    if not isinstance(queries, list):
        queries = [queries]
    out = []
    for index, q in enumerate(queries):
        expr, legend = (q, "") if isinstance(q, str) else q
        out.append(target(expr, legend, chr(ord("A") + index), table))
    return out


def field_config(unit="short", mappings=None, thresholds=None, decimals=None, custom=None):
    defaults = {"color": {"mode": "thresholds" if mappings or thresholds else "palette-classic"},
                "mappings": mappings or [], "thresholds": thresholds or GREEN, "unit": unit}
    if decimals is not None:
        defaults["decimals"] = decimals
    if custom:
        defaults["custom"] = custom
    return {"defaults": defaults, "overrides": []}


def panel(kind, title, description, queries, w, h, table=False, **fc):
    return {"type": kind, "title": title, "description": description, "datasource": DS,
            "targets": targets(queries, table), "fieldConfig": field_config(**fc),
            "_size": (w, h)}


def stat(title, description, queries, w=6, h=5, **fc):
    p = panel("stat", title, description, queries, w, h, **fc)
    p["options"] = {"colorMode": "background", "graphMode": "none", "justifyMode": "auto",
                    "orientation": "auto", "textMode": "value_and_name",
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
    return p


def timeseries(title, description, queries, w=12, h=8, **fc):
    fc.setdefault("custom", {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                             "showPoints": "never", "spanNulls": False})
    p = panel("timeseries", title, description, queries, w, h, **fc)
    p["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                               "calcs": ["lastNotNull", "max"]},
                    "tooltip": {"mode": "multi", "sort": "desc"}}
    return p


def state_timeline(title, description, queries, w=24, h=7, **fc):
    p = panel("state-timeline", title, description, queries, w, h, **fc)
    p["options"] = {"mergeValues": True, "showValue": "auto", "alignValue": "left",
                    "rowHeight": 0.9, "legend": {"displayMode": "list", "placement": "bottom",
                                                 "showLegend": True},
                    "tooltip": {"mode": "single", "sort": "none"}}
    return p


def bargauge(title, description, queries, w=8, h=6, **fc):
    p = panel("bargauge", title, description, queries, w, h, **fc)
    p["options"] = {"displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True,
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
    return p


def table(title, description, queries, columns, w=12, h=8, **fc):
    """An instant table; columns: {label or 'Value #A': header} to show, in order."""
    p = panel("table", title, description, queries, w, h, table=True, **fc)
    p["options"] = {"showHeader": True, "cellHeight": "sm",
                    "footer": {"show": False, "reducer": ["sum"], "fields": ""}}
    names = list(columns)
    # Filter before organize: organize renames the fields.
    p["transformations"] = [
        {"id": "merge", "options": {}},
        {"id": "filterFieldsByName", "options": {"include": {"names": names}}},
        {"id": "organize", "options": {
            "excludeByName": {},
            "indexByName": {name: index for index, name in enumerate(names)},
            "renameByName": dict(columns)}},
    ]
    return p


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "_size": (24, 1)}


# ---- dashboards ----------------------------------------------------------------------------------


def variables(extra=()):
    datasource = {"name": "datasource", "label": "Datasource", "type": "datasource",
                  "query": "prometheus", "current": {}, "hide": 0, "includeAll": False,
                  "multi": False, "options": [], "refresh": 1, "regex": "", "skipUrlSync": False}

    def query_var(name, label, query, multi, all_value=None):
        v = {"name": name, "label": label, "type": "query", "datasource": DS,
             "definition": query, "query": {"query": query, "refId": "StandardVariableQuery"},
             "current": {}, "hide": 0, "includeAll": multi, "multi": multi, "options": [],
             "refresh": 2, "regex": "", "sort": 1, "skipUrlSync": False}
        if all_value is not None:
            v["allValue"] = all_value
        return v

    job = query_var("job", "Job", "label_values(hawatch_build_info, job)", False)
    instance = query_var("instance", "Node",
                         'label_values(hawatch_build_info{job="$job"}, instance)',
                         True, ".*")
    extras = [query_var(name, label, f"label_values({metric}{{{SEL}}}, {name})", True, ".*")
              for name, label, metric in extra]
    return {"list": [datasource, job, instance] + extras}


def layout(panels):
    """Assigns ids and gridPos left to right, wrapping at Grafana's 24 columns."""
    x = y = line_height = 0
    out = []
    for index, p in enumerate(panels, start=1):
        w, h = p.pop("_size")
        if x + w > 24 or p["type"] == "row":
            y += line_height
            x = line_height = 0
        p = {"id": index, "gridPos": {"h": h, "w": w, "x": x, "y": y}, **p}
        out.append(p)
        x += w
        line_height = max(line_height, h)
        if p["type"] == "row":
            y += h
            x = line_height = 0
    return out


def dashboard(uid, title, description, tags, panels, extra_vars=()):
    return {
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [{"asDropdown": True, "icon": "external link", "includeVars": True,
                   "keepTime": True, "tags": ["hawatch"], "targetBlank": False,
                   "title": "hawatch dashboards", "type": "dashboards"}],
        "liveNow": False,
        "panels": layout(panels),
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "style": "dark",
        "tags": ["hawatch"] + tags,
        "templating": variables(extra_vars),
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


def ha_overview():
    return dashboard("hawatch-ha-overview", "hawatch / HA overview",
                     "Every node of the site: reachable, its VRRP role and virtual IPs, DNS "
                     "failover, firing alerts, and the power/network/probe state at a glance.",
                     ["ha"], [
        row("Nodes"),
        stat("Scrape target up", "Prometheus' own up: 0 when the node's hawatch cannot be scraped.",
             (f"up{{{SEL}}}", "{{instance}}"), w=8, mappings=UP_DOWN),
        stat("Collectors failing", "Collectors whose last run failed (collector_success 0).",
             (f"sum by (instance) (1 - hawatch_collector_success{{{SEL}}})", "{{instance}}"),
             w=8, thresholds=ZERO_GOOD),
        stat("Firing alerts", "Alerts hawatch's own rule evaluation holds in state firing.",
             (f'sum by (instance) (hawatch_alerts{{{SEL},state="firing"}}) or {ZERO_PER_NODE}',
              "{{instance}}"), w=8, thresholds=ZERO_GOOD),
        table("Node summary", "Per node: hawatch version, uptime, load and config state.", [
            f"hawatch_build_info{{{SEL}}}",
            f"time() - hawatch_node_boot_time_seconds{{{SEL}}}",
            f"hawatch_node_load1{{{SEL}}}",
            f"hawatch_config_last_reload_successful{{{SEL}}}",
        ], {"instance": "Node", "version": "hawatch", "revision": "Revision",
            "Value #B": "Uptime", "Value #C": "Load 1m", "Value #D": "Config OK"}, w=24, h=6,
            unit="short"),
        row("VRRP and virtual IPs"),
        stat("VRRP state", "keepalived's VRRP state per node and instance (the exporter's "
             "`instance` label is stored by Prometheus as exported_instance).",
             (f"hawatch_vrrp_state{{{SEL}}}", "{{instance}} {{exported_instance}}"),
             w=8, mappings=VRRP),
        stat("Masters per VRRP instance", "Exactly one node must be MASTER: 0 is an outage, "
             "2 or more a split brain.",
             (f"count by (exported_instance) (hawatch_vrrp_state{{{SEL}}} == 2) or "
              f"0 * count by (exported_instance) (hawatch_vrrp_state{{{SEL}}})",
              "{{exported_instance}}"),
             w=8, thresholds=steps((None, "red"), (1, "green"), (2, "red"))),
        stat("Virtual IP held", "Whether the node holds each configured virtual IP.",
             (f"hawatch_vip_present{{{SEL}}}", "{{instance}} {{address}}"), w=8, mappings=VIP),
        state_timeline("VRRP state over time", "Role changes of every node and instance.",
                       (f"hawatch_vrrp_state{{{SEL}}}", "{{instance}} {{exported_instance}}"),
                       mappings=VRRP),
        row("DNS failover and alerts"),
        stat("DNS failover state", "Each failover group: its record points at the primary or "
             "at the backup.",
             (f"hawatch_failover_state{{{SEL}}}", "{{instance}} {{group}}"), w=8,
             mappings=FAILOVER),
        timeseries("Failover transitions", "Fail-overs and fail-backs per group.",
                   (f"increase(hawatch_failover_transitions_total{{{SEL}}}[$__rate_interval])",
                    "{{instance}} {{group}}"), w=8),
        timeseries("DNS updates by result", "RFC 2136 / API updates sent by failover, by result "
                   "(ok, cas_lost, refused, notauth, servfail, timeout, error).",
                   (f"sum by (group, result) (increase(hawatch_dns_updates_total{{{SEL}}}"
                    "[$__rate_interval]))", "{{group}} {{result}}"), w=8),
        table("Alerts firing now", "Alerts firing now, per node.",
              f'hawatch_alerts{{{SEL},state="firing"}} > 0',
              {"instance": "Node", "alertname": "Alert", "Value": "Count"}, w=24, h=6),
        row("Power, network and probes at a glance"),
        stat("On battery", "UPS flag OB: the node runs on battery.",
             (f'hawatch_ups_status{{{SEL},flag="OB"}}', "{{instance}} {{ups}}"), mappings=POWER),
        stat("Bond members down", "Bond slaves without link.",
             (f"sum by (instance) (1 - hawatch_bond_slave_up{{{SEL}}})", "{{instance}}"),
             thresholds=ZERO_GOOD),
        stat("Default routes", "Default routes (IPv4 and IPv6): 0 means no way out.",
             (f"sum by (instance) (hawatch_network_default_routes{{{SEL}}})", "{{instance}}"),
             thresholds=steps((None, "red"), (1, "green"))),
        stat("Probes failing", "Probes (http, tcp, icmp, dns, peer) whose last run failed.",
             (f"sum by (instance) (1 - hawatch_probe_success{{{SEL}}})", "{{instance}}"),
             thresholds=ZERO_GOOD),
        row("Raspberry Pi health"),
        stat("Under-voltage now", "The firmware reports under-voltage: a weak supply or cable.",
             (f"hawatch_pi_undervoltage_now{{{SEL}}}", "{{instance}}"), mappings=YES_NO_BAD),
        stat("Under-voltage since boot", "Under-voltage happened at some point since boot.",
             (f"hawatch_pi_undervoltage_since_boot{{{SEL}}}", "{{instance}}"),
             mappings=mapping((0, "no", "green"), (1, "YES", "orange"))),
        stat("Throttled now", "The firmware throttles the CPU (heat or power).",
             (f"hawatch_pi_throttled_now{{{SEL}}}", "{{instance}}"), mappings=YES_NO_BAD),
        stat("Frequency capped now", "The CPU frequency is capped (heat or power).",
             (f"hawatch_pi_frequency_capped_now{{{SEL}}}", "{{instance}}"), mappings=YES_NO_BAD),
        timeseries("Temperature", "Thermal zones (the Pi's cpu-thermal throttles at 85 °C).",
                   (f"hawatch_node_temperature_celsius{{{SEL}}}", "{{instance}} {{type}}"), w=8,
                   unit="celsius"),
        timeseries("CPU frequency", "Current CPU frequency and its cap.", [
            (f"hawatch_pi_cpu_frequency_hertz{{{SEL}}}", "{{instance}}"),
            (f"hawatch_pi_cpu_frequency_max_hertz{{{SEL}}}", "{{instance}} cap"),
        ], w=8, unit="hertz"),
        bargauge("Storage wear", "SD card / eMMC life time used (from the device's health report).",
                 (f"hawatch_pi_storage_life_time_ratio{{{SEL}}}",
                  "{{instance}} {{device}} {{kind}}"),
                 w=8, h=8, unit="percentunit",
                 thresholds=steps((None, "green"), (0.7, "yellow"), (0.9, "red"))),
    ])


def services():
    unit = f'{SEL},unit=~"$unit"'
    return dashboard("hawatch-services", "hawatch / Services (systemd)",
                     "systemd units watched by hawatch: state, restarts, failures and resources.",
                     ["systemd"], [
        stat("systemd bus", "hawatch can talk to systemd over D-Bus.",
             (f"hawatch_systemd_up{{{SEL}}}", "{{instance}}"), w=8, mappings=UP_DOWN),
        stat("Failed units", "Units in state failed.",
             (f'sum by (instance) (hawatch_systemd_unit_state{{{unit},state="failed"}})',
              "{{instance}}"), w=8, thresholds=ZERO_GOOD),
        stat("Units not active", "Watched units that are not active.",
             (f'sum by (instance) (1 - hawatch_systemd_unit_state{{{unit},state="active"}})',
              "{{instance}}"), w=8, thresholds=ZERO_GOOD),
        table("Unit states", "The current state of every watched unit.",
              f"hawatch_systemd_unit_state{{{unit}}} == 1",
              {"instance": "Node", "unit": "Unit", "state": "State"}, w=24),
        state_timeline("Active over time", "Whether each unit was active.",
                       (f'hawatch_systemd_unit_state{{{unit},state="active"}}',
                        "{{instance}} {{unit}}"), mappings=ACTIVE),
        timeseries("Service restarts", "Automatic restarts (NRestarts) per interval.",
                   (f"increase(hawatch_systemd_service_restarts_total{{{unit}}}[$__rate_interval])",
                    "{{instance}} {{unit}}")),
        timeseries("Unit failures", "Entries into the failed state per interval.",
                   (f"increase(hawatch_systemd_unit_failures_total{{{unit}}}[$__rate_interval])",
                    "{{instance}} {{unit}}")),
        timeseries("Memory", "Memory charged to the unit's cgroup.",
                   (f"hawatch_systemd_unit_memory_bytes{{{unit}}}", "{{instance}} {{unit}}"),
                   w=8, unit="bytes"),
        timeseries("CPU", "CPU time used by the unit, in cores.",
                   (f"rate(hawatch_systemd_unit_cpu_seconds_total{{{unit}}}[$__rate_interval])",
                    "{{instance}} {{unit}}"), w=8, unit="percentunit"),
        timeseries("Tasks", "Tasks (processes and threads) in the unit.",
                   (f"hawatch_systemd_unit_tasks{{{unit}}}", "{{instance}} {{unit}}"), w=8),
        timeseries("D-Bus disconnects", "Times hawatch lost its systemd bus connection.",
                   (f"increase(hawatch_systemd_bus_disconnects_total{{{SEL}}}[$__rate_interval])",
                    "{{instance}}"), w=24, h=6),
    ], extra_vars=[("unit", "Unit", "hawatch_systemd_unit_state")])


def replication():
    name = f'{SEL},name=~"$name"'
    return dashboard("hawatch-replication", "hawatch / Replication",
                     "Database replication (PostgreSQL, MySQL/MariaDB, Litestream): roles, "
                     "connected replicas, lag and heartbeats.", ["replication"], [
        stat("Source reachable", "hawatch can query the database.",
             (f"hawatch_replication_up{{{name}}}", "{{instance}} {{name}}"), w=8,
             mappings=UP_DOWN),
        stat("Role", "Whether the database is a primary or a replica.",
             (f"hawatch_replication_is_replica{{{name}}}", "{{instance}} {{name}}"), w=8,
             mappings=ROLE),
        stat("Replicas connected", "Replicas streaming from the primary.",
             (f"sum by (instance, name) (hawatch_replication_connected{{{name}}})",
              "{{instance}} {{name}}"), w=8, thresholds=steps((None, "red"), (1, "green"))),
        timeseries("Lag (time)", "How far each replica is behind.",
                   (f"hawatch_replication_lag_seconds{{{name}}}",
                    "{{instance}} {{name}} {{replica}}"), w=8, unit="s"),
        timeseries("Lag (bytes)", "WAL / binlog bytes not yet applied.",
                   (f"hawatch_replication_lag_bytes{{{name}}}",
                    "{{instance}} {{name}} {{replica}}"), w=8, unit="bytes"),
        timeseries("Heartbeat age", "Age of the newest heartbeat row seen on the replica.",
                   (f"hawatch_replication_heartbeat_age_seconds{{{name}}}",
                    "{{instance}} {{name}}"), w=8, unit="s"),
        row("PostgreSQL"),
        stat("WAL replay paused", "pg_is_wal_replay_paused() on a standby.",
             (f"hawatch_postgres_wal_replay_paused{{{name}}}", "{{instance}} {{name}}"), w=8,
             mappings=YES_NO_BAD),
        stat("WAL receiver streaming", "The standby's WAL receiver is streaming.",
             (f"hawatch_postgres_wal_receiver_streaming{{{name}}}", "{{instance}} {{name}}"),
             w=8, mappings=mapping((1, "streaming", "green"), (0, "NOT STREAMING", "red"))),
        timeseries("Slot retained WAL", "WAL kept on the primary for each replication slot.",
                   (f"hawatch_postgres_slot_retained_bytes{{{name}}}",
                    "{{instance}} {{name}} {{slot}}"), w=8, unit="bytes"),
        row("MySQL / MariaDB"),
        stat("IO thread", "Slave_IO_Running.",
             (f"hawatch_mysql_io_thread_running{{{name}}}", "{{instance}} {{name}}"), w=8,
             mappings=mapping((1, "running", "green"), (0, "STOPPED", "red"))),
        stat("SQL thread", "Slave_SQL_Running.",
             (f"hawatch_mysql_sql_thread_running{{{name}}}", "{{instance}} {{name}}"), w=8,
             mappings=mapping((1, "running", "green"), (0, "STOPPED", "red"))),
        timeseries("Seconds behind master", "As the replica reports it.",
                   (f"hawatch_mysql_seconds_behind_master{{{name}}}", "{{instance}} {{name}}"),
                   w=8, unit="s"),
        row("Litestream"),
        timeseries("Since last replica write", "Time since Litestream last wrote to the replica.",
                   (f"time() - hawatch_litestream_replica_last_write_timestamp_seconds{{{name}}}",
                    "{{instance}} {{name}}"), w=8, unit="s"),
        timeseries("Sync errors", "Litestream sync errors per interval.",
                   (f"increase(hawatch_litestream_sync_errors_total{{{name}}}[$__rate_interval])",
                    "{{instance}} {{name}}"), w=8),
        timeseries("Database size", "The SQLite database and its WAL.", [
            (f"hawatch_sqlite_db_size_bytes{{{name}}}", "{{instance}} {{name}} db"),
            (f"hawatch_sqlite_wal_size_bytes{{{name}}}", "{{instance}} {{name}} wal"),
        ], w=8, unit="bytes"),
    ], extra_vars=[("name", "Database", "hawatch_replication_up")])


def power_network():
    return dashboard("hawatch-power-network", "hawatch / Power and network",
                     "UPS (NUT, apcupsd), bonds, default routes, interfaces and gateways.",
                     ["ups", "network"], [
        row("UPS"),
        stat("UPS reachable", "hawatch can read the UPS daemon.",
             (f"hawatch_ups_up{{{SEL}}}", "{{instance}} {{ups}}"), mappings=UP_DOWN),
        stat("Power", "On mains or on battery (flag OB).",
             (f'hawatch_ups_status{{{SEL},flag="OB"}}', "{{instance}} {{ups}}"), mappings=POWER),
        stat("Low battery", "Flag LB: shutdown is near.",
             (f'hawatch_ups_status{{{SEL},flag="LB"}}', "{{instance}} {{ups}}"),
             mappings=YES_NO_BAD),
        bargauge("Battery charge", "Battery charge.",
                 (f"hawatch_ups_battery_charge_ratio{{{SEL}}}", "{{instance}} {{ups}}"), w=6,
                 h=5, unit="percentunit",
                 thresholds=steps((None, "red"), (0.3, "yellow"), (0.7, "green"))),
        timeseries("Runtime left", "Estimated runtime on battery.",
                   (f"hawatch_ups_battery_runtime_seconds{{{SEL}}}", "{{instance}} {{ups}}"),
                   w=8, unit="s"),
        timeseries("Load", "Load as a fraction of the UPS's nominal power.",
                   (f"hawatch_ups_load_ratio{{{SEL}}}", "{{instance}} {{ups}}"), w=8,
                   unit="percentunit"),
        timeseries("Input voltage", "Mains voltage at the UPS input.",
                   (f"hawatch_ups_input_voltage_volts{{{SEL}}}", "{{instance}} {{ups}}"), w=8,
                   unit="volt"),
        timeseries("Time on battery", "Seconds since the UPS went on battery (0 on mains).",
                   (f"hawatch_ups_on_battery_seconds{{{SEL}}}", "{{instance}} {{ups}}"), unit="s"),
        table("UPS status flags", "Every flag the UPS sets now (OL, OB, LB, CHRG, ...).",
              f"hawatch_ups_status{{{SEL}}} == 1",
              {"instance": "Node", "ups": "UPS", "flag": "Flag"}),
        row("Bonds"),
        stat("Bond up", "The bond interface has link.",
             (f"hawatch_bond_up{{{SEL}}}", "{{instance}} {{bond}}"), w=8, mappings=UP_DOWN),
        table("Bond members", "Each slave: link, and whether it carries the traffic.", [
            f"hawatch_bond_slave_up{{{SEL}}}",
            f"hawatch_bond_active_slave{{{SEL}}}",
        ], {"instance": "Node", "bond": "Bond", "slave": "Slave", "Value #A": "Link",
            "Value #B": "Active"}, w=16, h=5, mappings=UP_DOWN),
        timeseries("Link failures", "Slave link failures per interval.",
                   (f"increase(hawatch_bond_slave_link_failures_total{{{SEL}}}[$__rate_interval])",
                    "{{instance}} {{bond}} {{slave}}"), w=24, h=6),
        row("Routes, interfaces and gateways"),
        table("Default routes", "Default routes and their metrics (the lowest wins).", [
            f"hawatch_network_default_route{{{SEL}}}",
            f"hawatch_network_default_route_metric{{{SEL}}}",
        ], {"instance": "Node", "interface": "Interface", "gateway": "Gateway",
            "Value #B": "Metric"}),
        stat("Gateway reachable", "The default gateways (and extra targets) answer ICMP echo.",
             (f"hawatch_network_gateway_reachable{{{SEL}}}", "{{instance}} {{gateway}}"),
             w=12, h=8, mappings=UP_DOWN),
        state_timeline("Interfaces up", "Operational state of each interface.",
                       (f"hawatch_network_interface_up{{{SEL}}}", "{{instance}} {{interface}}"),
                       mappings=UP_DOWN),
        timeseries("Gateway check duration", "Round trip of the gateway checks.",
                   (f"hawatch_network_gateway_check_duration_seconds{{{SEL}}}", "{{instance}}"),
                   w=24, h=6, unit="s"),
    ])


def probes_backups():
    return dashboard("hawatch-probes-backups", "hawatch / Probes and backups",
                     "Active probes (http, tcp, icmp, dns, peer hawatch) and backup freshness.",
                     ["probes", "backups"], [
        row("Probes"),
        stat("Probe success", "The last run of each probe.",
             (f"hawatch_probe_success{{{SEL}}}", "{{instance}} {{probe}}"), w=12,
             mappings=UP_DOWN),
        stat("Consecutive failures", "Failed runs in a row.",
             (f"hawatch_probe_consecutive_failures{{{SEL}}}", "{{instance}} {{probe}}"), w=12,
             thresholds=ZERO_GOOD),
        timeseries("Probe duration", "How long each probe took.",
                   (f"hawatch_probe_duration_seconds{{{SEL}}}", "{{instance}} {{probe}}"),
                   unit="s"),
        table("Failing probes", "Why the failing probes fail.",
              f"hawatch_probe_failure{{{SEL}}} == 1",
              {"instance": "Node", "probe": "Probe", "reason": "Reason"}),
        stat("HTTP status", "Status code of the last HTTP / peer probe answer.",
             (f"hawatch_probe_http_status_code{{{SEL}}}", "{{instance}} {{probe}}"),
             thresholds=steps((None, "green"), (400, "red"))),
        timeseries("TLS certificate expires in", "Time left on the served certificate.",
                   (f"hawatch_probe_tls_cert_expiry_timestamp_seconds{{{SEL}}} - time()",
                    "{{instance}} {{probe}}"), unit="s"),
        row("Backups"),
        stat("Backup age", "Age of the newest file of each backup.",
             (f"time() - hawatch_backup_last_timestamp_seconds{{{SEL}}}",
              "{{instance}} {{backup}}"), unit="s",
             thresholds=steps((None, "green"), (93600, "red"))),
        stat("Stale", "Newest file older than the backup's max_age.",
             (f"hawatch_backup_stale{{{SEL}}}", "{{instance}} {{backup}}"), mappings=YES_NO_BAD),
        stat("Verified", "The newest SQLite backup opens and passes its integrity check.",
             (f"hawatch_backup_verify_success{{{SEL}}}", "{{instance}} {{backup}}"),
             mappings=OK_FAILED),
        stat("Files", "Files matching the backup's glob.",
             (f"hawatch_backup_files{{{SEL}}}", "{{instance}} {{backup}}"),
             thresholds=steps((None, "red"), (1, "green"))),
        timeseries("Backup size", "Size of the newest file.",
                   (f"hawatch_backup_size_bytes{{{SEL}}}", "{{instance}} {{backup}}"), w=24, h=6,
                   unit="bytes"),
    ])


def plugins_checks():
    return dashboard("hawatch-plugins-checks", "hawatch / Plugins and checks",
                     "Nagios-style exec checks, .so plugins and node_exporter-style textfiles.",
                     ["plugins"], [
        stat("Plugins up", "The plugin or check ran and answered.",
             (f"hawatch_plugin_up{{{SEL}}}", "{{instance}} {{plugin}}"), w=12, mappings=UP_DOWN),
        stat("Check status", "Nagios status of each check.",
             (f"hawatch_check_status{{{SEL}}}", "{{instance}} {{check}}"), w=12,
             mappings=NAGIOS),
        state_timeline("Check status over time", "Nagios status of each check.",
                       (f"hawatch_check_status{{{SEL}}}", "{{instance}} {{check}}"),
                       mappings=NAGIOS),
        timeseries("Check performance data", "Perfdata values reported by the checks.",
                   (f"hawatch_check_perfdata{{{SEL}}}", "{{instance}} {{check}} {{label}}")),
        timeseries("Plugin run time", "Duration of the last run.",
                   (f"hawatch_plugin_duration_seconds{{{SEL}}}", "{{instance}} {{plugin}}"),
                   unit="s"),
        timeseries("Timeouts", "Runs that hit their timeout, per interval.",
                   (f"increase(hawatch_plugin_timeouts_total{{{SEL}}}[$__rate_interval])",
                    "{{instance}} {{plugin}}"), w=8),
        timeseries("Plugin host restarts", "Crashed out-of-process plugin hosts, restarted.",
                   (f"increase(hawatch_plugin_host_restarts_total{{{SEL}}}[$__rate_interval])",
                    "{{instance}} {{plugin}}"), w=8),
        stat("Consecutive failures", "Failed runs in a row.",
             (f"hawatch_plugin_consecutive_failures{{{SEL}}}", "{{instance}} {{plugin}}"), w=8,
             h=8, thresholds=ZERO_GOOD),
        row("Textfiles"),
        stat("Textfile errors", "1 when a *.prom file could not be read or parsed.",
             (f"hawatch_textfile_scrape_error{{{SEL}}}", "{{instance}}"), w=8,
             mappings=YES_NO_BAD),
        table("Textfile age", "Time since each *.prom file was written.",
              f"time() - hawatch_textfile_mtime_seconds{{{SEL}}}",
              {"instance": "Node", "file": "File", "Value": "Age"}, w=16, unit="s"),
    ])


def hawatch_self():
    return dashboard("hawatch-self", "hawatch / Self-monitoring",
                     "hawatch itself: collectors, config reloads, scrape cost and notifications.",
                     ["self"], [
        stat("Config reload", "The last config (re)load succeeded.",
             (f"hawatch_config_last_reload_successful{{{SEL}}}", "{{instance}}"), w=8,
             mappings=OK_FAILED),
        stat("Collectors failing", "Collectors whose last run failed.",
             (f"sum by (instance) (1 - hawatch_collector_success{{{SEL}}})", "{{instance}}"), w=8,
             thresholds=ZERO_GOOD),
        stat("Version", "hawatch version per node.",
             (f"hawatch_build_info{{{SEL}}}", "{{instance}} {{version}}"), w=8),
        table("Collectors", "Every collector: last result, run time, time since success.", [
            f"hawatch_collector_success{{{SEL}}}",
            f"hawatch_collector_duration_seconds{{{SEL}}}",
            f"time() - hawatch_collector_last_success_timestamp_seconds{{{SEL}}}",
        ], {"instance": "Node", "collector": "Collector", "Value #A": "OK",
            "Value #B": "Run time (s)", "Value #C": "Since success (s)"}, w=24, h=9),
        timeseries("Collector run time", "Duration of each collector's last run.",
                   (f"hawatch_collector_duration_seconds{{{SEL}}}", "{{instance}} {{collector}}"),
                   unit="s"),
        timeseries("Collector failures", "Failing collectors over time.",
                   (f"sum by (instance) (1 - hawatch_collector_success{{{SEL}}})", "{{instance}}")),
        row("Scrape cost (Prometheus' view)"),
        timeseries("Scrape duration", "How long Prometheus takes to scrape each hawatch.",
                   (f"scrape_duration_seconds{{{SEL}}}", "{{instance}}"), w=8, unit="s"),
        timeseries("Samples per scrape", "Samples in each scrape.",
                   (f"scrape_samples_scraped{{{SEL}}}", "{{instance}}"), w=8),
        timeseries("New series per scrape", "Series churn.",
                   (f"scrape_series_added{{{SEL}}}", "{{instance}}"), w=8),
        row("Alerts and notifications"),
        timeseries("Alerts by state", "Pending and firing alerts of hawatch's rule evaluation.",
                   (f"sum by (instance, state) (hawatch_alerts{{{SEL}}})",
                    "{{instance}} {{state}}"),
                   w=8),
        timeseries("Notifications sent", "Notifications per second, by receiver and integration.",
                   (f"sum by (instance, receiver, integration) "
                    f"(rate(hawatch_notifications_total{{{SEL}}}[$__rate_interval]))",
                    "{{instance}} {{receiver}} {{integration}}"), w=8, unit="ops"),
        timeseries("Notifications failed", "Failed deliveries per second.",
                   (f"sum by (instance, receiver, integration) "
                    f"(rate(hawatch_notifications_failed_total{{{SEL}}}[$__rate_interval]))",
                    "{{instance}} {{receiver}} {{integration}}"), w=8, unit="ops"),
        timeseries("Notification queue", "Notifications waiting in the spool.",
                   (f"hawatch_notification_queue_length{{{SEL}}}", "{{instance}}")),
        timeseries("Notification latency", "Mean time from firing to delivered.",
                   (f"rate(hawatch_notification_latency_seconds_sum{{{SEL}}}[$__rate_interval]) / "
                    f"rate(hawatch_notification_latency_seconds_count{{{SEL}}}[$__rate_interval])",
                    "{{instance}}"), unit="s"),
    ])


DASHBOARDS = {
    "ha-overview.json": ha_overview,
    "services.json": services,
    "replication.json": replication,
    "power-network.json": power_network,
    "probes-backups.json": probes_backups,
    "plugins-checks.json": plugins_checks,
    "hawatch-self.json": hawatch_self,
}


def render(build):
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv):
    check = argv[1:] == ["--check"]
    if argv[1:] and not check:
        print(__doc__, file=sys.stderr)
        return 2
    stale = []
    for name, build in DASHBOARDS.items():
        path = HERE / name
        text = render(build)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("generate.py: out of date (run /usr/bin/python3 dashboards/generate.py): "
              + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
