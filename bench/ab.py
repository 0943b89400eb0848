#!/usr/bin/env python3
"""A/B of the hot paths: server CPU per request (from /proc, so a busy machine skews it less than
throughput) for a small GET at 32 connections (wrk), a 1 KiB PUT and a 1000-key ListObjectsV2,
for two builds, plus the new one with --journal 0, interleaved over ROUNDS rounds (medians).
Usage: bench/ab.py OLD_BINARY NEW_BINARY [ROUNDS]   (build the old one from a worktree)."""
import http.client, os, re, shutil, socket, subprocess, tempfile, time, statistics, sys
bins = {"old": [sys.argv[1]], "new": [sys.argv[2]], "new-j0": [sys.argv[2], "--journal", "0"]}
TCK = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TCK
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
R = {k: {"get": [], "put": [], "list": [], "rps": []} for k in bins}
for rnd in range(int(sys.argv[3]) if len(sys.argv) > 3 else 5):
    for name, argv in bins.items():
        work = tempfile.mkdtemp(); port = free_port()
        p = subprocess.Popen(argv + ["-q", "-r", work + "/r", "-p", str(port), "-a", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            try: socket.create_connection(("127.0.0.1", port), timeout=0.1).close(); break
            except OSError: time.sleep(0.01)
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("PUT", "/bench/"); c.getresponse().read()
        n = 2000
        c0 = cpu(p.pid)
        for i in range(n):
            c.request("PUT", f"/bench/obj/{i:05d}", body=b"x" * 1024); c.getresponse().read()
        R[name]["put"].append((cpu(p.pid) - c0) / n * 1e6)
        c0 = cpu(p.pid)
        for i in range(200):
            c.request("GET", "/bench/?list-type=2&max-keys=1000"); c.getresponse().read()
        R[name]["list"].append((cpu(p.pid) - c0) / 200 * 1e6)
        c0 = cpu(p.pid)
        out = subprocess.run(["wrk", "-t2", "-c32", "-d4s", f"http://127.0.0.1:{port}/bench/obj/00001"], capture_output=True, text=True).stdout
        reqs = int(re.search(r"(\d+) requests in", out).group(1))
        R[name]["get"].append((cpu(p.pid) - c0) / reqs * 1e6)
        R[name]["rps"].append(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)))
        p.terminate(); p.wait(); shutil.rmtree(work, ignore_errors=True)
for k in bins:
    m = {x: round(statistics.median(v), 1) for x, v in R[k].items()}
    print(f"{k:7s} server CPU us/req: GET(c32) {m['get']}  PUT 1KiB {m['put']}  ListV2 1000 keys {m['list']}  | GET req/s {m['rps']:.0f}")
