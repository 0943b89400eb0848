"""fakes3 benchmark: start-up time, memory, throughput. Prints figures; asserts nothing."""
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

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


def main():
    work = tempfile.mkdtemp(prefix="fakes3-bench-")
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
        if shutil.which("wrk"):
            for conns in (1, 32):
                out = subprocess.run(["wrk", "-t2" if conns > 1 else "-t1", f"-c{conns}", "-d5s",
                                      f"http://127.0.0.1:{port}/bench/obj/00042"],
                                     capture_output=True, text=True).stdout
                rps = [l for l in out.splitlines() if "Requests/sec" in l]
                lat = [l for l in out.splitlines() if l.strip().startswith("Latency")]
                print(f"GET 1 KiB object, wrk {conns} connection(s): {rps[0].split()[-1] if rps else '?'} req/s"
                      f"{', latency avg ' + lat[0].split()[1] if lat else ''}")
        else:
            print("wrk not installed: GET throughput not measured")
        stop(p)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
