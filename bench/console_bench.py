"""The web console's first screen (BENCH=console bench/run.sh, and part of make bench): a release
fakes3 with three buckets, Chromium opening /_fakes3/console/ in 15 fresh contexts; prints the
median and worst first contentful paint and time to the filled bucket list. Needs Chromium and
playwright-core (tests/browser/install.sh); says so and measures nothing without them."""
import http.client
import json
import os
import shutil
import statistics
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(work, helpers):
    start, stop, free_port = helpers
    node = shutil.which("node")
    pw = os.path.join(REPO, "tests", "browser", "node_modules", "playwright-core")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not (node and os.path.isdir(pw) and os.path.exists(chromium)):
        print("console first screen: not measured (run tests/browser/install.sh)")
        return
    port = free_port()
    p = start(os.path.join(work, "console"), port)
    try:
        deadline = time.monotonic() + 30
        while True:  # serving once the port accepts
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        c = http.client.HTTPConnection("127.0.0.1", port)
        for b in ("alpha", "beta", "gamma"):
            c.request("PUT", f"/{b}/")
            c.getresponse().read()
            c.request("PUT", f"/{b}/k", body=b"x" * 100)
            c.getresponse().read()
        r = subprocess.run([node, os.path.join(HERE, "console_first_screen.mjs"),
                            f"http://127.0.0.1:{port}/_fakes3/console/", "15"],
                           capture_output=True, text=True, timeout=300)
        if r.returncode:
            print(f"console first screen: driver failed: {r.stderr.strip()[-300:]}")
            return
        t = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"console first screen (Chromium, loopback, 15 fresh contexts): first contentful "
              f"paint median {statistics.median(t['fcp_ms']):.0f} ms (worst {max(t['fcp_ms']):.0f}), "
              f"bucket list filled median {statistics.median(t['ready_ms']):.0f} ms "
              f"(worst {max(t['ready_ms']):.0f}); the HTML itself received at median "
              f"{statistics.median(t['html_ms']):.1f} ms")
    finally:
        stop(p)
