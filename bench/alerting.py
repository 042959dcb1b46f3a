#!/usr/bin/python3
"""What hawatch's alert routing costs (issue 15), against the built daemon:
  1. latency from POST /api/v2/alerts (group_wait 0) to the webhook request arriving at a local
     HTTP receiver, and from a local rule's evaluation (the alert's startsAt, the evaluation's
     timestamp) to the same; and from the POST to a local SMTP server (aiosmtpd, the tests'
     smtp_sink.py, STARTTLS with a verified certificate and AUTH) accepting the message;
  2. CPU time (user + system, from /proc) the daemon spends taking 1000 alerts in one request
     through grouping, the pipeline, the spool and the webhook deliveries, for 10 groups and for
     1000 groups (group_by: ['...']).
usage: alerting.py HAWATCH_BINARY"""
import datetime, http.server, json, os, shutil, socket, statistics, subprocess, sys, tempfile
import threading, time, urllib.request

HAWATCH = sys.argv[1]
# The SMTP sink needs Debian's python3-aiosmtpd, so it runs under /usr/bin/python3.
SMTP_SINK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                         "alerting", "smtp_sink.py")
TICK = os.sysconf("SC_CLK_TCK")
arrivals = {}  # alertname -> [arrival time, ...]
lock = threading.Lock()
delivered_alerts = [0]


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        now = time.time()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with lock:
            for a in body["alerts"]:
                arrivals.setdefault(a["labels"]["alertname"], []).append((now, a["startsAt"]))
                delivered_alerts[0] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
threading.Thread(target=sink.serve_forever, daemon=True).start()
SINK = f"http://127.0.0.1:{sink.server_address[1]}/hook"


WEBHOOK_RECEIVER = f"""    - name: hook
      webhook_configs: [ {{ url: "{SINK}", send_resolved: false }} ]
"""


def start(tmp, group_by, rules=False, receiver=WEBHOOK_RECEIVER):
    port = free_port()
    rule_file = os.path.join(tmp, "rules.yml")
    with open(rule_file, "w") as f:
        f.write("groups:\n  - name: bench\n    interval: 1s\n    rules:\n"
                "      - alert: LocalFires\n        expr: vector(1)\n")
    with open(os.path.join(tmp, "hawatch.yml"), "w") as f:
        f.write(f"""collectors: {{ node: {{}} }}
{"rule_files: [ " + rule_file + " ]" if rules else ""}
alerting:
  spool_directory: {tmp}/spool
  route: {{ receiver: hook, group_by: {group_by}, group_wait: 0s, group_interval: 1h }}
  receivers:
{receiver}""")
    p = subprocess.Popen([HAWATCH, f"--config.file={tmp}/hawatch.yml",
                          f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/-/healthy", timeout=1)
            return p, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("hawatch did not start")


def post(url, alerts):
    req = urllib.request.Request(url + "/api/v2/alerts", data=json.dumps(alerts).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=30).read()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while not cond():
        if time.time() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.005)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def latency_post(samples=50):
    tmp = tempfile.mkdtemp()
    p, url = start(tmp, "['...']")
    out = []
    try:
        for i in range(samples):
            name = f"Lat{i}"
            t0 = time.time()
            post(url, [{"labels": {"alertname": name}}])
            wait_for(lambda: name in arrivals, 5)
            out.append((arrivals[name][0][0] - t0) * 1000)
    finally:
        p.terminate(); p.wait(); shutil.rmtree(tmp)
    return out


def make_pki(tmp):
    def run(*args):
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
        "/CN=bench ca", "-keyout", f"{tmp}/ca.key", "-out", f"{tmp}/ca.pem")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", f"{tmp}/server.key", "-out", f"{tmp}/server.csr")
    with open(f"{tmp}/ext", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", f"{tmp}/server.csr", "-CA", f"{tmp}/ca.pem", "-CAkey",
        f"{tmp}/ca.key", "-CAcreateserial", "-days", "1", "-extfile", f"{tmp}/ext",
        "-out", f"{tmp}/server.pem")


def latency_email(samples=30):
    tmp = tempfile.mkdtemp()
    make_pki(tmp)
    with open(f"{tmp}/password", "w") as f:
        f.write("bench secret\n")
    os.chmod(f"{tmp}/password", 0o600)
    smtp_port = free_port()
    out_dir = f"{tmp}/mail"
    smtp = subprocess.Popen(["/usr/bin/python3", SMTP_SINK, out_dir, "--port", str(smtp_port), "--tls",
                             f"{tmp}/server.pem", f"{tmp}/server.key", "--require-starttls",
                             "--auth", "bench:bench secret"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if "listening" not in smtp.stdout.readline():
        raise SystemExit("the SMTP sink did not start")
    receiver = f"""    - name: hook
      email_configs:
        - {{ to: "ops@example.test", from: "hawatch@example.test", smarthost: "localhost:{smtp_port}",
            auth_username: bench, auth_password_file: {tmp}/password,
            tls_config: {{ ca_file: {tmp}/ca.pem }}, send_resolved: false }}
"""
    p, url = start(tmp, "['...']", receiver=receiver)
    out = []
    try:
        for i in range(samples):
            name = f"Mail{i}"
            meta = os.path.join(out_dir, f"{i + 1:04d}.json")
            eml = os.path.join(out_dir, f"{i + 1:04d}.eml")
            t0 = time.time()
            post(url, [{"labels": {"alertname": name}}])
            wait_for(lambda: os.path.exists(eml), 10)
            with open(eml, "rb") as f:
                if name.encode() not in f.read():
                    raise SystemExit(f"message {eml} is not about {name}")
            with open(meta) as f:
                out.append((json.load(f)["accepted_at"] - t0) * 1000)
    finally:
        p.terminate(); p.wait(); smtp.terminate(); smtp.wait(); shutil.rmtree(tmp)
    return out


def latency_local():
    tmp = tempfile.mkdtemp()
    p, url = start(tmp, "['...']", rules=True)
    try:
        wait_for(lambda: "LocalFires" in arrivals, 15)
        now, starts = arrivals["LocalFires"][0]
        t = datetime.datetime.fromisoformat(starts.replace("Z", "+00:00")).timestamp()
        return (now - t) * 1000
    finally:
        p.terminate(); p.wait(); shutil.rmtree(tmp)


def cpu_1000(group_by, groups):
    tmp = tempfile.mkdtemp()
    p, url = start(tmp, group_by)
    try:
        time.sleep(1)
        with lock:
            base = delivered_alerts[0]
        before = cpu_seconds(p.pid)
        t0 = time.time()
        post(url, [{"labels": {"alertname": f"G{i % groups}", "n": str(i)}} for i in range(1000)])
        wait_for(lambda: delivered_alerts[0] - base >= 1000, 60)
        wall = time.time() - t0
        time.sleep(0.3)  # the last spool file's removal
        return cpu_seconds(p.pid) - before, wall
    finally:
        p.terminate(); p.wait(); shutil.rmtree(tmp)


lat = latency_post()
print(f"- POST /api/v2/alerts -> webhook received (group_wait 0, {len(lat)} alerts one by one): "
      f"p50 {statistics.median(lat):.1f} ms, p90 {pct(lat, 0.9):.1f} ms, max {max(lat):.1f} ms")
mail = latency_email()
print(f"- POST /api/v2/alerts -> SMTP server accepted the message (STARTTLS, verified, AUTH, "
      f"{len(mail)} alerts one by one): p50 {statistics.median(mail):.1f} ms, "
      f"p90 {pct(mail, 0.9):.1f} ms, max {max(mail):.1f} ms")
local = latency_local()
print(f"- local rule evaluation (the alert's startsAt) -> webhook received: {local:.1f} ms "
      "(includes up to 1 s of the rule loop's feed tick)")
for group_by, groups, label in (("[alertname]", 10, "10 groups"), ("['...']", 1000, "1000 groups")):
    cpu, wall = cpu_1000(group_by, groups)
    print(f"- 1000 alerts in one request, {label}: {cpu:.2f} s CPU of hawatch, {wall:.2f} s until "
          "all were received")
