"""fakes3 benchmark: start-up time, memory, throughput. Prints figures; asserts nothing."""
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import console_bench
import startup_bench
import state_bench

BIN = os.environ.get("FAKES3_BIN", os.path.abspath("build/fakes3"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def start(root, port, extra=()):
    return subprocess.Popen([BIN, "-r", root, "-p", str(port), "-a", "127.0.0.1", "-q", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_answer_ms(root):
    """Time from exec to the first answered request (GET /)."""
    port = free_port()
    t0 = time.perf_counter()
    p = start(root, port)
    try:
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/")
                r = c.getresponse()
                r.read()
                if r.status == 200:
                    return (time.perf_counter() - t0) * 1000, p
            except OSError:
                time.sleep(0.0005)
    except BaseException:
        p.kill()
        raise


def stop(p):
    p.terminate()
    p.wait(10)


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def wrk_rps(url, conns, seconds=5):
    out = subprocess.run(["wrk", f"-t{min(conns, 2)}", f"-c{conns}", f"-d{seconds}s", url],
                         capture_output=True, text=True).stdout
    rps = [l.split()[-1] for l in out.splitlines() if "Requests/sec" in l]
    lat = [l.split()[1] for l in out.splitlines() if l.strip().startswith("Latency")]
    return (rps[0] if rps else "?"), (lat[0] if lat else "?")


def nginx_baseline(work, body):
    """nginx serving the same 1 KiB from a file: the bar for GET throughput."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        print("nginx not installed: no baseline")
        return
    d = os.path.join(work, "nginx")
    os.makedirs(os.path.join(d, "www/bench/obj"), exist_ok=True)
    with open(os.path.join(d, "www/bench/obj/00042"), "wb") as f:
        f.write(body)
    port = free_port()
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; keepalive_requests 100000;
  server {{ listen 127.0.0.1:{port}; root {d}/www; }} }}
""")
    p = subprocess.Popen([nginx, "-c", conf, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    for conns in (1, 32):
        rps, lat = wrk_rps(f"http://127.0.0.1:{port}/bench/obj/00042", conns)
        print(f"nginx GET 1 KiB file, wrk {conns} connection(s): {rps} req/s, latency avg {lat}")
    p.terminate()
    p.wait(10)


def multipart_gib(work):
    """1 GiB in 200 parts over one connection: time, completion time, peak RSS."""
    root = os.path.join(work, "mpu")
    port = free_port()
    p = start(root, port)
    time.sleep(0.3)
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/mpu-bench/big?uploads")
    r = c.getresponse()
    body = r.read().decode()
    upload = body.split("<UploadId>")[1].split("<")[0]
    nparts, total = 200, 1 << 30
    size = total // nparts
    chunk = bytes(range(256)) * (size // 256 + 1)
    t0 = time.perf_counter()
    etags = []
    for i in range(1, nparts + 1):
        n = size if i < nparts else total - size * (nparts - 1)
        c.request("PUT", f"/mpu-bench/big?partNumber={i}&uploadId={upload}", body=chunk[:n])
        r = c.getresponse()
        r.read()
        assert r.status == 200, r.status
        etags.append(r.getheader("ETag"))
    t1 = time.perf_counter()
    xml = "<CompleteMultipartUpload>" + "".join(
        f"<Part><PartNumber>{i + 1}</PartNumber><ETag>{e}</ETag></Part>"
        for i, e in enumerate(etags)) + "</CompleteMultipartUpload>"
    c.request("POST", f"/mpu-bench/big?uploadId={upload}", body=xml.encode())
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
    t2 = time.perf_counter()
    print(f"1 GiB multipart upload, 200 parts, one connection: {t2 - t0:.2f} s "
          f"({total / (t2 - t0) / 1e6:.0f} MB/s), CompleteMultipartUpload {1000 * (t2 - t1):.1f} ms, "
          f"peak RSS {peak_rss_kib(p.pid)} KiB")
    t0 = time.perf_counter()
    c.request("GET", "/mpu-bench/big")
    r = c.getresponse()
    got = 0
    while True:
        b = r.read(1 << 20)
        if not b:
            break
        got += len(b)
    assert got == total, got
    dt = time.perf_counter() - t0
    print(f"GET of it (streams across the 200 part files): {dt:.2f} s ({total / dt / 1e6:.0f} MB/s), "
          f"peak RSS {peak_rss_kib(p.pid)} KiB")
    stop(p)


def single_gib(work):
    """A 1 GiB PUT and GET: memory stays flat in the object's size."""
    root = os.path.join(work, "single")
    port = free_port()
    p = start(root, port)
    time.sleep(0.3)
    total = 1 << 30
    block = bytes(range(256)) * 4096

    def gen():
        for _ in range(total // len(block)):
            yield block

    c = http.client.HTTPConnection("127.0.0.1", port)
    t0 = time.perf_counter()
    c.request("PUT", "/single-bench/big", body=gen(), headers={"Content-Length": str(total)})
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
    dt = time.perf_counter() - t0
    print(f"PUT 1 GiB single object: {dt:.2f} s ({total / dt / 1e6:.0f} MB/s, MD5 + CRC64NVME "
          f"computed on the way), peak RSS {peak_rss_kib(p.pid)} KiB")
    t0 = time.perf_counter()
    c.request("GET", "/single-bench/big")
    r = c.getresponse()
    got = 0
    while True:
        b = r.read(1 << 20)
        if not b:
            break
        got += len(b)
    dt = time.perf_counter() - t0
    print(f"GET 1 GiB single object (sendfile): {dt:.2f} s ({total / dt / 1e6:.0f} MB/s), "
          f"peak RSS {peak_rss_kib(p.pid)} KiB")
    stop(p)


def timed_get(c, target, runs=5):
    """The median time of a GET over runs, in ms, and the last answer's body."""
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        c.request("GET", target)
        r = c.getresponse()
        body = r.read()
        assert r.status == 200, (r.status, body[:200])
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts), body


def versions_bench(c):
    """ListObjectVersions next to ListObjectsV2: the same 10,000 keys, then one key with 10,000
    versions walked in pages of 1,000 (each page should cost what the first does)."""
    ms, _ = timed_get(c, "/bench?list-type=2&prefix=obj/&max-keys=1000", runs=11)
    print(f"ListObjectsV2 1000 of 10,000 keys: {ms:.1f} ms (median of 11)")
    ms, _ = timed_get(c, "/bench?versions&prefix=obj/&max-keys=1000", runs=11)
    print(f"ListObjectVersions 1000 of 10,000 keys: {ms:.1f} ms (median of 11)")
    c.request("PUT", "/vbench")
    c.getresponse().read()
    c.request("PUT", "/vbench?versioning",
              body=b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
    for i in range(10000):
        c.request("PUT", "/vbench/one-key", body=b"v%d" % i)
        r = c.getresponse()
        r.read()
        assert r.status == 200, r.status
    pages, target = [], "/vbench?versions&max-keys=1000"
    while target:
        ms, body = timed_get(c, target)
        pages.append(ms)
        nk = re.search(rb"<NextKeyMarker>([^<]*)</NextKeyMarker>", body)
        nv = re.search(rb"<NextVersionIdMarker>([^<]*)</NextVersionIdMarker>", body)
        target = None
        if b"<IsTruncated>true</IsTruncated>" in body:
            target = (f"/vbench?versions&max-keys=1000&key-marker={nk.group(1).decode()}"
                      f"&version-id-marker={nv.group(1).decode()}")
    print(f"ListObjectVersions of one key with 10,000 versions, {len(pages)} pages of 1000: "
          f"first {pages[0]:.1f} ms, last {pages[-1]:.1f} ms, slowest {max(pages):.1f} ms "
          f"(median of 5 each)")


def main():
    work = tempfile.mkdtemp(prefix="fakes3-bench-")
    if os.environ.get("BENCH") == "state":  # only the whole-state figures
        try:
            return state_bench.run(work, (start, stop, free_port))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if os.environ.get("BENCH") == "startup":  # only start-up with many objects stored
        try:
            return startup_bench.run(work, (start, stop, free_port))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if os.environ.get("BENCH") == "console":  # only the console's first screen
        try:
            return console_bench.run(work, (start, stop, free_port))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    try:
        size = os.path.getsize(BIN)
        print(f"binary size: {size / 1024:.0f} KiB ({BIN}, stripped: ", end="")
        stripped = os.path.join(work, "fakes3.stripped")
        subprocess.run(["strip", "-o", stripped, BIN], check=True)
        print(f"{os.path.getsize(stripped) / 1024:.0f} KiB)")

        times = []
        for i in range(15):
            ms, p = first_answer_ms(os.path.join(work, f"start{i}"))
            times.append(ms)
            if i == 14:
                time.sleep(0.3)
                print(f"idle RSS: {rss_kib(p.pid)} KiB")
            stop(p)
        print(f"start to first answered request: median {statistics.median(times):.1f} ms, "
              f"min {min(times):.1f} ms over {len(times)} starts")

        root = os.path.join(work, "objs")
        port = free_port()
        p = start(root, port)
        time.sleep(0.2)
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("PUT", "/bench/")
        c.getresponse().read()
        n = 10000
        body = b"x" * 1024
        t0 = time.perf_counter()
        for i in range(n):
            c.request("PUT", f"/bench/obj/{i:05d}", body=body)
            r = c.getresponse()
            r.read()
            assert r.status == 200, r.status
        dt = time.perf_counter() - t0
        print(f"PUT 10,000 1 KiB objects, one keep-alive connection: {n / dt:.0f} req/s")
        print(f"RSS after 10,000 small objects: {rss_kib(p.pid)} KiB")
        t0 = time.perf_counter()
        c.request("GET", "/bench?list-type=2&prefix=obj/&max-keys=1000")
        r = c.getresponse()
        r.read()
        print(f"list 1000 of 10,000 keys: {(time.perf_counter() - t0) * 1000:.1f} ms")
        versions_bench(c)
        if shutil.which("wrk"):
            for conns in (1, 32):
                rps, lat = wrk_rps(f"http://127.0.0.1:{port}/bench/obj/00042", conns)
                print(f"fakes3 GET 1 KiB object, wrk {conns} connection(s): {rps} req/s, "
                      f"latency avg {lat}")
            nginx_baseline(work, body)
        else:
            print("wrk not installed: GET throughput not measured")
        stop(p)
        auth = os.path.join(os.path.dirname(BIN), "auth_bench")
        if os.path.exists(auth):
            # auth_check on the AWS documentation's examples, 200,000 times each
            for line in subprocess.run([auth], capture_output=True, text=True,
                                       check=True).stdout.splitlines():
                print(f"verify {line.strip()}")
        single_gib(work)
        multipart_gib(work)
        state_bench.run(work, (start, stop, free_port))
        startup_bench.run(work, (start, stop, free_port))
        console_bench.run(work, (start, stop, free_port))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
