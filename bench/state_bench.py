"""fakes3 benchmark, the whole state: snapshot save and restore with 10,000 objects, reset with
100,000 objects (the control calls' own "ms" and the client's round trip). Prints figures; asserts
only that the calls answered. Called from bench.py; `BENCH=state bench/run.sh` runs only this."""
import http.client
import json
import os
import threading
import time

# bench.py's helpers, given to run(): start(root, port), stop(proc), free_port()
start = stop = free_port = None


def ctl(port, method, path, body=b""):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    c.request(method, "/_fakes3" + path, body=body)
    r = c.getresponse()
    j = json.loads(r.read())
    dt = (time.perf_counter() - t0) * 1000
    c.close()
    assert r.status in (200, 201), (path, r.status, j)
    return j, dt


def put_many(port, bucket, n, first=0, threads=8, body=b"x" * 1024):
    """n 1 KiB objects over threads keep-alive connections."""
    def work(t):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(first + t, first + n, threads):
            c.request("PUT", f"/{bucket}/obj/{i:06d}", body=body)
            r = c.getresponse()
            r.read()
            assert r.status == 200, r.status
        c.close()

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def files_under(path):
    return sum(len(f) for _, _, f in os.walk(path))


def snapshots(work):
    root = os.path.join(work, "state-snap")
    port = free_port()
    p = start(root, port)
    time.sleep(0.3)
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("PUT", "/snapbench")
    c.getresponse().read()
    put_many(port, "snapbench", 10000)
    j, rt = ctl(port, "POST", "/snapshots/s1")
    print(f"snapshot save, 10,000 1 KiB objects: {j['ms']:.1f} ms in the store, {rt:.1f} ms "
          f"round trip")
    j, rt = ctl(port, "POST", "/snapshots/s1/restore")
    print(f"snapshot restore, nothing changed since: {j['ms']:.1f} ms in the store, "
          f"{rt:.1f} ms round trip")
    put_many(port, "snapbench", 1000, first=10000)
    for i in range(0, 1000):
        c.request("DELETE", f"/snapbench/obj/{i:06d}")
        c.getresponse().read()
    j, rt = ctl(port, "POST", "/snapshots/s1/restore")
    print(f"snapshot restore, 1,000 objects added and 1,000 deleted since: {j['ms']:.1f} ms in "
          f"the store, {rt:.1f} ms round trip")
    ctl(port, "POST", "/reset")
    j, rt = ctl(port, "POST", "/snapshots/s1/restore")
    print(f"snapshot restore into an empty server (10,000 links made): {j['ms']:.1f} ms in the "
          f"store, {rt:.1f} ms round trip")
    stop(p)


def reset(work):
    root = os.path.join(work, "state-reset")
    port = free_port()
    p = start(root, port)
    time.sleep(0.3)
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("PUT", "/resetbench")
    c.getresponse().read()
    t0 = time.perf_counter()
    put_many(port, "resetbench", 100000)
    dt = time.perf_counter() - t0
    print(f"(100,000 1 KiB objects put in {dt:.1f} s over 8 connections)")
    t0 = time.perf_counter()
    j, rt = ctl(port, "POST", "/reset")
    print(f"reset of everything, 100,000 objects: {j['ms']:.1f} ms in the store, {rt:.1f} ms "
          f"round trip")
    while files_under(os.path.join(root, "trash")):
        time.sleep(0.05)
    print(f"  its 100,000 files removed in the background within "
          f"{time.perf_counter() - t0:.1f} s")
    stop(p)


def run(work, helpers):
    global start, stop, free_port
    start, stop, free_port = helpers
    snapshots(work)
    reset(work)
