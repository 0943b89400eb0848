"""fakes3 benchmark, start-up with many objects stored: time from exec to the first answered
request (GET /) with 100,000 and 1,000,000 objects, for this build and, when given, an older one
(OLD_BIN) on the same root, this build's rounds first. The root is made by the server (one bucket,
one object, so the schema is the binary's own), then filled with rows and empty blob files written
directly (PUTting a million objects would take minutes). Called from bench.py;
`BENCH=startup bench/run.sh` runs only this; STARTUP_OBJECTS=100000 picks the counts."""
import http.client
import os
import random
import sqlite3
import statistics
import subprocess
import time

# bench.py's helpers, given to run(): start(root, port), stop(proc), free_port()
start = stop = free_port = None


def first_answer_ms(binary, root):
    """Exec to the first 200 to GET /; the process is stopped after."""
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "-r", root, "-p", str(port), "-a", "127.0.0.1", "-q"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                c.request("GET", "/")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return (time.perf_counter() - t0) * 1000
            except OSError:
                time.sleep(0.0005)
    finally:
        stop(p)


def make_root(root, n):
    """A root holding n objects in bucket "big": the server writes the first, SQL the rest."""
    port = free_port()
    p = start(root, port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("PUT", "/big")
                c.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        c.request("PUT", "/big/obj/0000000", body=b"")
        r = c.getresponse()
        r.read()
        assert r.status == 200, r.status
        c.close()
    finally:
        stop(p)
    db = sqlite3.connect(os.path.join(root, "meta.db"))
    cols = [r[1] for r in db.execute("PRAGMA table_info(objects)")]
    row = dict(zip(cols, db.execute("SELECT * FROM objects").fetchone()))
    rnd = random.Random(n)
    blobs = os.path.join(root, "blobs")
    made = set(os.listdir(blobs))

    def rows():
        for i in range(1, n):
            blob = f"{rnd.getrandbits(128):032x}"
            sub = os.path.join(blobs, blob[:2])
            if blob[:2] not in made:
                os.makedirs(sub, exist_ok=True)
                made.add(blob[:2])
            open(os.path.join(sub, blob), "wb").close()
            r = dict(row, key=f"obj/{i:07d}".encode(), blob=blob, seq=row["seq"] + i)
            yield tuple(r[c] for c in cols)

    sql = f"INSERT INTO objects({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    with db:
        db.executemany(sql, rows())
    db.close()


def run(work, helpers):
    global start, stop, free_port
    start, stop, free_port = helpers
    new = os.environ.get("FAKES3_BIN", os.path.abspath("build/fakes3"))
    old = os.environ.get("OLD_BIN")
    counts = [int(x) for x in os.environ.get("STARTUP_OBJECTS", "100000,1000000").split(",")]
    rounds = int(os.environ.get("STARTUP_ROUNDS", "5"))
    for n in counts:
        root = os.path.join(work, f"startup-{n}")
        t0 = time.monotonic()
        make_root(root, n)
        made = time.monotonic() - t0
        bins = [("this build", new)] + ([("OLD_BIN", old)] if old else [])
        times = {name: [] for name, _ in bins}
        # Not interleaved: this build first, all rounds, then the old one. An older build writes
        # its schema number back, after which this build's next open scans the rows once for the
        # largest version number (as it must: the older one kept no reservation).
        for name, b in bins:
            first_answer_ms(b, root)  # warm the page cache
            for _ in range(rounds):
                times[name].append(first_answer_ms(b, root))
        for name, b in bins:
            t = times[name]
            print(f"start to first answer, {n:,} objects stored, {name}: "
                  f"median {statistics.median(t):.1f} ms (min {min(t):.1f}, max {max(t):.1f}, "
                  f"{rounds} rounds; root made in {made:.0f} s)")
