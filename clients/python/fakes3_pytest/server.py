"""Starting and stopping a fakes3 process for a test session: the binary on a free loopback port,
in memory when it has --memory, else with a root in a temporary folder (which is also its working
directory, so nothing is left behind either way), ready once GET /_fakes3/health answers; stopped with SIGTERM, and found unclean when it exited
with a status other than 0 or printed a sanitizer report."""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: ThreadSanitizer", "WARNING: ThreadSanitizer")


class Fakes3StartError(RuntimeError):
    pass


def find_binary(option=None):
    """The fakes3 binary: the --fakes3-bin option, else FAKES3_BIN, else `fakes3` on PATH."""
    b = option or os.environ.get("FAKES3_BIN") or shutil.which("fakes3")
    if not b:
        raise Fakes3StartError("no fakes3 binary: pass --fakes3-bin, set FAKES3_BIN or put fakes3 "
                               "on PATH (or set FAKES3_ENDPOINT to use a running server)")
    if os.sep not in b:
        b = shutil.which(b) or b
    if not os.access(b, os.X_OK):
        raise Fakes3StartError(f"fakes3 binary {b!r} is not an executable file")
    return os.path.abspath(b)


def free_port(address="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def has_flag(binary, flag):
    """Whether `binary --help` mentions flag (older builds lack --memory)."""
    try:
        r = subprocess.run([binary, "--help"], capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return flag.encode() in r.stdout + r.stderr


class Fakes3Process:
    """One fakes3 process. Its output goes to files in workdir (stdout.log: the access log,
    stderr.log); the temporary root and those files are removed by stop() unless keep=True."""

    def __init__(self, binary, args=(), address="127.0.0.1", ready_timeout=60.0, keep=False):
        self.binary = binary
        self.args = list(args)
        self.address = address
        self.ready_timeout = ready_timeout
        self.keep = keep
        self.workdir = tempfile.mkdtemp(prefix="fakes3-pytest-")
        self.root = os.path.join(self.workdir, "root")
        self.stdout_path = os.path.join(self.workdir, "stdout.log")
        self.stderr_path = os.path.join(self.workdir, "stderr.log")
        self.memory = has_flag(binary, "--memory")
        self.proc = None
        self.port = None

    @property
    def endpoint(self):
        return f"http://{self.address}:{self.port}"

    def argv(self):
        a = [self.binary, "-a", self.address, "-p", str(self.port)]
        a += ["--memory"] if self.memory else ["-r", self.root]
        return a + self.args

    def start(self):
        """Starts and waits for health; a port taken between choosing and binding is retried."""
        last = None
        for _ in range(3):
            self.port = free_port(self.address)
            with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
                self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=err,
                                             stdin=subprocess.DEVNULL, cwd=self.workdir)
            try:
                self._wait_ready()
                return self
            except Fakes3StartError as e:
                last = e
                if self.proc.poll() is None:  # up but never healthy: retrying would not help
                    self.proc.kill()
                    self.proc.wait()
                    break
        raise last

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fakes3StartError(f"fakes3 exited with {self.proc.returncode} before it was "
                                       f"ready: {' '.join(self.argv())}\n{self.stderr()[-3000:]}")
            try:
                c = http.client.HTTPConnection(self.address, self.port, timeout=2)
                c.request("GET", "/_fakes3/health")
                r = c.getresponse()
                r.read()
                c.close()
                # Any HTTP answer means it serves (a --no-control server answers 404 here).
                return
            except OSError:
                time.sleep(0.02)
        raise Fakes3StartError(f"fakes3 did not answer GET /_fakes3/health within "
                               f"{self.ready_timeout:g}s: {' '.join(self.argv())}\n"
                               f"{self.stderr()[-3000:]}")

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout=30.0):
        """SIGTERM and wait (SIGKILL after timeout). Answers a list of problems: an exit status
        other than 0, a timeout, a sanitizer report; empty when it stopped cleanly."""
        problems = []
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append(f"fakes3 did not exit within {timeout:g}s of SIGTERM")
        if self.proc is not None and self.proc.returncode not in (0, None) and not problems:
            problems.append(f"fakes3 exited with {self.proc.returncode} (want 0 on SIGTERM)")
        err = self.stderr()
        if any(m in err for m in SANITIZER_MARKERS):
            problems.append("fakes3 printed a sanitizer report:\n" + err[-6000:])
        elif problems:
            problems.append("stderr:\n" + err[-3000:])
        if not self.keep and not problems:
            shutil.rmtree(self.workdir, ignore_errors=True)
        elif problems:
            problems.append(f"(its files are kept in {self.workdir})")
        return problems
