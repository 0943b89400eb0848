"""A real Prometheus (Debian's `prometheus`, installed by scripts/deps.sh test) scrapes fakes3:
the README's example configuration (docs/prometheus.yml, with the test's ports and a 1 s
interval) against an open-mode server and a signed-mode one (HTTP Basic credentials), plus a job
with a wrong password that must fail. After a known load, the test waits until Prometheus's HTTP
API shows the counters equal to the load sent, then checks a rate() ratio and histogram_quantile()
against it: a fault rule delays every GetObject by 60 ms, so their median latency is at least
0.05 s and above the undelayed PutObject's."""

import json
import os
import shutil
import signal
import subprocess

import pytest
import requests

import promtext
import s3lib
from s3lib import DUMMY_KEY_ID, DUMMY_SECRET, free_port, raw, signed_raw

DOCS_CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "prometheus.yml")
DELAY_MS = 60


def wait_for(cond, what, timeout=90.0):
    """s3lib's wait_for with what first, as every call here names it."""
    return s3lib.wait_for(cond, timeout=timeout, what=what)


class Prometheus:
    """One prometheus process on a free loopback port, its data under the test's tmp dir."""

    def __init__(self, workdir, config_text):
        self.workdir = str(workdir)
        self.config = os.path.join(self.workdir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(self.workdir, "prometheus.log")
        self.proc = None

    def start(self):
        binary = shutil.which("prometheus")
        assert binary, "prometheus is not installed (scripts/deps.sh test installs it)"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [binary, f"--config.file={self.config}",
                 f"--storage.tsdb.path={os.path.join(self.workdir, 'data')}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=self.workdir)
        wait_for(self._ready, "prometheus to be ready", timeout=60)

    def _ready(self):
        assert self.proc.poll() is None, f"prometheus exited: {self.log_text()[-2000:]}"
        try:
            return requests.get(self.url + "/-/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def query(self, q):
        """An instant query's vector as [(labels, value)]."""
        r = requests.get(self.url + "/api/v1/query", params={"query": q}, timeout=10)
        j = r.json()
        assert r.status_code == 200 and j["status"] == "success", (q, j)
        assert j["data"]["resultType"] == "vector", j
        return [(x["metric"], float(x["value"][1])) for x in j["data"]["result"]]

    def scalar(self, q):
        """The value of a query with one result, or None when it has none (yet)."""
        v = self.query(q)
        assert len(v) <= 1, (q, v)
        return v[0][1] if v else None

    def targets(self):
        r = requests.get(self.url + "/api/v1/targets", timeout=10).json()
        return {t["labels"]["job"]: t for t in r["data"]["activeTargets"]}


@pytest.fixture
def prometheus_factory(tmp_path):
    made = []

    def make(config_text):
        d = tmp_path / f"prometheus{len(made)}"
        d.mkdir()
        p = Prometheus(d, config_text)
        made.append(p)
        p.start()
        return p

    yield make
    for p in made:
        p.stop()


def docs_config(open_port, signed_port):
    """docs/prometheus.yml with the test's targets and a 1 s interval; each change must find
    exactly what it replaces, so the test notices when the README's example changes."""
    with open(DOCS_CONFIG) as f:
        text = f.read()
    for old, new in (("scrape_interval: 15s", "scrape_interval: 1s"),
                     ('"localhost:4569"', f'"127.0.0.1:{open_port}"'),
                     ('"localhost:4570"', f'"127.0.0.1:{signed_port}"')):
        assert text.count(old) == 1, f"docs/prometheus.yml no longer has {old!r} once"
        text = text.replace(old, new)
    # The example's credentials are the test's admin's.
    assert f"username: {DUMMY_KEY_ID}\n" in text and f"password: {DUMMY_SECRET}\n" in text
    return text


def test_docs_config_is_valid():
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian's prometheus package) is not installed"
    r = subprocess.run([promtool, "check", "config", DOCS_CONFIG], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_prometheus_scrapes_fakes3(server_factory, prometheus_factory, tmp_path):
    open_srv = server_factory()
    signed_srv = server_factory(root=tmp_path / "signed-root",
                                args=["--access-key", DUMMY_KEY_ID, "--secret-key", DUMMY_SECRET])
    s3 = open_srv.client()

    # The first exchanges before Prometheus starts: its first sample of each series then already
    # has the load's 1 PUT : 2 GET ratio, so that the rate()s below see exactly the load's ratio.
    r = raw(open_srv.port, "POST", "/_fakes3/faults", json.dumps(
        {"match": {"op": "GetObject"}, "action": {"delay_ms": DELAY_MS}}).encode())
    assert r.status == 201, r.body
    s3.create_bucket(Bucket="prom")

    def triple(i):
        s3.put_object(Bucket="prom", Key=f"k{i}", Body=b"p" * (i + 1))
        for _ in range(2):
            assert s3.get_object(Bucket="prom", Key=f"k{i}")["Body"].read() == b"p" * (i + 1)

    triple(0)
    wait_for(lambda: promtext.value(promtext.parse(raw(open_srv.port, "GET", "/_fakes3/metrics")
                                                   .body.decode()), "fakes3_requests_total",
                                    operation="GetObject", code="200") == 2,
             "the first GETs to be counted")

    config = docs_config(open_srv.port, signed_srv.port) + f"""
  # Not in the README: a wrong password, which fakes3 must refuse.
  - job_name: fakes3-wrong
    metrics_path: /_fakes3/metrics
    basic_auth:
      username: {DUMMY_KEY_ID}
      password: not-the-secret
    static_configs:
      - targets: ["127.0.0.1:{signed_srv.port}"]
"""
    prom = prometheus_factory(config)

    def up(job):
        return prom.scalar(f'up{{job="{job}"}}')

    wait_for(lambda: up("fakes3") == 1 and up("fakes3-signed") == 1 and up("fakes3-wrong") == 0,
             "the open and signed targets up, the wrong password's down")
    assert "403" in prom.targets()["fakes3-wrong"]["lastError"]

    # The load: N more PUT, GET, GET triples on the open server; M PUTs and K refused requests
    # on the signed one.
    n, m, k = 30, 12, 3
    for i in range(1, n + 1):
        triple(i)
    puts, gets = n + 1, 2 * (n + 1)
    s3s = signed_srv.client()
    s3s.create_bucket(Bucket="prom-signed")
    for i in range(m):
        s3s.put_object(Bucket="prom-signed", Key=f"s{i}", Body=b"s")
    for _ in range(k):
        r = signed_raw(signed_srv.port, "GET", "/prom-signed/s0", keys=(DUMMY_KEY_ID, "wrong"))
        assert r.status == 403

    def count(job, op, code="200"):
        return prom.scalar(f'fakes3_requests_total{{job="{job}",operation="{op}",code="{code}"}}')

    # Prometheus shows exactly the load sent.
    wait_for(lambda: count("fakes3", "PutObject") == puts and count("fakes3", "GetObject") == gets,
             f"Prometheus to show {puts} PUTs and {gets} GETs")
    wait_for(lambda: count("fakes3-signed", "PutObject") == m, f"Prometheus to show {m} PUTs")
    assert count("fakes3", "CreateBucket") == 1
    assert count("fakes3-signed", "CreateBucket") == 1
    wait_for(lambda: prom.scalar('fakes3_auth_failures_total{job="fakes3-signed",'
                                 'reason="SignatureDoesNotMatch"}') == k,
             f"{k} signature failures")
    # The wrong password's scrapes are refused and counted as such.
    wait_for(lambda: (prom.scalar('fakes3_auth_failures_total{job="fakes3-signed",'
                                  'reason="AccessDenied"}') or 0) >= 1,
             "the wrong password's refusals to be counted")
    assert prom.scalar('fakes3_received_bytes_total{job="fakes3"}') == \
        sum(i + 1 for i in range(n + 1))
    # rate(): GETs went at twice the rate of PUTs over the window (every sample Prometheus took
    # has the 2:1 ratio at its ends, and both series share their sample times).
    rate = 'sum(rate(fakes3_requests_total{{job="fakes3",operation="{}",code="200"}}[5m]))'
    r_put = prom.scalar(rate.format("PutObject"))
    r_get = prom.scalar(rate.format("GetObject"))
    assert r_put and r_put > 0
    assert abs(r_get / r_put - 2) < 0.05, (r_get, r_put)
    # increase() (rate times the window) covers at least the n triples after the first sample
    # (its extrapolation only adds).
    inc = prom.scalar('increase(fakes3_requests_total{job="fakes3",operation="PutObject",'
                      'code="200"}[5m])')
    assert inc >= n, inc

    # histogram_quantile(): every GET waited 60 ms, so their median is at least 0.05 s; the PUTs'
    # (no delay) is below the GETs'.
    q = ('histogram_quantile(0.5, sum by (le) (rate(fakes3_request_duration_seconds_bucket'
         '{{job="fakes3",operation="{}"}}[5m])))')
    get_median = prom.scalar(q.format("GetObject"))
    put_median = prom.scalar(q.format("PutObject"))
    print(f"prometheus: rate GET {r_get:.4f}/s PUT {r_put:.4f}/s (ratio {r_get / r_put:.4f}); "
          f"median GET {get_median:.4f} s PUT {put_median:.5f} s")
    assert get_median >= 0.05, get_median
    assert put_median < get_median, (put_median, get_median)
    # The same from the plain counters: no GET finished under 0.05 s.
    assert prom.scalar('fakes3_request_duration_seconds_bucket{job="fakes3",'
                       'operation="GetObject",le="0.05"}') == 0
    assert prom.scalar('fakes3_request_duration_seconds_count{job="fakes3",'
                       'operation="GetObject"}') == gets
    assert prom.scalar('fakes3_fault_hits_total{job="fakes3",action="delay"}') == gets
    # Process figures came through too.
    assert prom.scalar('process_resident_memory_bytes{job="fakes3-signed"}') > 1 << 20
    assert prom.scalar('fakes3_open_connections{job="fakes3"}') >= 1
