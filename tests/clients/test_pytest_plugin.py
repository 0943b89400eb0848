"""The pytest plugin (clients/python, package fakes3_pytest): it installs offline with Debian's pip
and setuptools (`pip install --no-build-isolation --no-deps --target TMP`), and the example project
clients/python/example/ (a test file with no conftest.py, its fixtures from the plugin's pytest11
entry point) passes when run with /usr/bin/python3 -m pytest, PYTHONPATH=TMP, against FAKES3_BIN
(the plugin starts it) or against a running server (FAKES3_ENDPOINT, signed control calls).

The example's tests that need reset, the journal, fault rules, the clock and snapshots run only
against a server that has those calls: a server without them answers 404 NoSuchControlCall, and
the test of the whole example is then skipped."""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from s3lib import (DUMMY_KEY_ID, DUMMY_SECRET, ServerFactory, clean_env, fakes3_bin,  # noqa: E402
                   raw, signed_raw)

PY = "/usr/bin/python3"
PKG = os.path.join(REPO, "clients", "python")
EXAMPLE = os.path.join(PKG, "example")
EXAMPLE_TESTS = ["test_server_starts", "test_isolation_first", "test_isolation_second",
                 "test_journal", "test_retry_then_success", "test_retry_gives_up",
                 "test_presigned_url_expires", "test_lifecycle_expiration", "test_snapshot_restore"]
# What the example needs besides health and info, probed with a GET: 404 NoSuchControlCall means
# absent (an existing path answers 200, or 405 to a method it does not take).
NEEDED_CALLS = ["/_fakes3/reset", "/_fakes3/requests", "/_fakes3/faults", "/_fakes3/clock",
                "/_fakes3/snapshots"]


def missing_calls(port, paths=NEEDED_CALLS):
    out = []
    for p in paths:
        r = raw(port, "GET", p)
        if r.status == 404 and b"NoSuchControlCall" in r.body:
            out.append(p)
    return out


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory):
    """The plugin installed with pip into a folder of its own (no venv, nothing of the system's
    site-packages touched), from a copy of clients/python: the build leaves nothing in the tree."""
    for mod in ("pip", "setuptools", "wheel"):
        r = subprocess.run([PY, "-c", f"import {mod}"], capture_output=True)
        if r.returncode != 0:
            pytest.fail(f"{PY} has no {mod}: run scripts/deps.sh test (python3-pip, "
                        "python3-setuptools, python3-wheel)", pytrace=False)
    base = tmp_path_factory.mktemp("plugin")
    src = base / "src"
    shutil.copytree(PKG, src, ignore=shutil.ignore_patterns("example", "build", "*.egg-info",
                                                            "__pycache__"))
    target = base / "site"
    r = subprocess.run([PY, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
                        "--no-index", "--no-cache-dir", "--disable-pip-version-check",
                        "--target", str(target), str(src)],
                       capture_output=True, text=True, timeout=300,
                       env=clean_env({"PIP_CONFIG_FILE": os.devnull}))
    assert r.returncode == 0, f"pip install failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return target


def run_example(site, tmp_path, env=(), args=()):
    """Runs the example project with the plugin from site; answers ({test name: outcome},
    pytest's output). Outcomes come from its JUnit XML: passed, failed, error, skipped."""
    junit = tmp_path / "junit.xml"
    e = clean_env({"PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1",
                   "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                   "AWS_EC2_METADATA_DISABLED": "true"})
    e.update(dict(env))
    argv = [PY, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "--rootdir", EXAMPLE,
            "--confcutdir", EXAMPLE, f"--junitxml={junit}", "test_example.py", *args]
    try:
        r = subprocess.run(argv, cwd=EXAMPLE, env=e, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as x:
        raise AssertionError(f"the example did not finish in 600 s:\n{x.stdout}\n{x.stderr}")
    out = r.stdout + r.stderr
    assert junit.exists(), f"pytest wrote no JUnit report (exit {r.returncode}):\n{out[-5000:]}"
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name")
        kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        # A teardown error (the server stopped uncleanly) is a second entry for the same test.
        outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[kinds[0]] \
            if kinds else "passed"
        if outcomes.get(name, "passed") == "passed":
            outcomes[name] = outcome
    return outcomes, out


def test_plugin_installs_with_its_entry_point(plugin_dir):
    assert (plugin_dir / "fakes3_pytest" / "plugin.py").exists()
    [dist] = list(plugin_dir.glob("fakes3_pytest-*.dist-info"))
    eps = (dist / "entry_points.txt").read_text()
    assert "[pytest11]" in eps and "fakes3 = fakes3_pytest.plugin" in eps, eps


def test_plugin_starts_the_binary(plugin_dir, tmp_path):
    """The session fixture starts FAKES3_BIN (an ASan build: the plugin's teardown fails the run
    on a sanitizer report or an unclean exit), health and info answer, boto3 works."""
    outcomes, out = run_example(plugin_dir, tmp_path, {"FAKES3_BIN": fakes3_bin()},
                                ["-k", "test_server_starts"])
    assert outcomes == {"test_server_starts": "passed"}, out[-6000:]


def test_plugin_binary_option_and_missing_binary(plugin_dir, tmp_path):
    """--fakes3-bin names the binary; without any binary the fixture errors with a hint."""
    outcomes, out = run_example(plugin_dir, tmp_path, {"PATH": "/usr/bin:/bin"},
                                ["-k", "test_server_starts", f"--fakes3-bin={fakes3_bin()}"])
    assert outcomes == {"test_server_starts": "passed"}, out[-6000:]
    outcomes, out = run_example(plugin_dir, tmp_path, {"PATH": "/usr/bin:/bin"},
                                ["-k", "test_server_starts"])
    assert outcomes == {"test_server_starts": "error"}, out[-6000:]
    assert "FAKES3_BIN" in out, out[-3000:]


@pytest.fixture
def keyed_server(tmp_path):
    """A server that verifies signatures, its one user an admin (who may make control calls)."""
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": [{"access_key": DUMMY_KEY_ID, "secret_key": DUMMY_SECRET,
                                            "admin": True}]}))
    f = ServerFactory(tmp_path)
    yield f(args=["--users", str(users)])
    f.close()


def test_plugin_endpoint_signed_control(plugin_dir, tmp_path, keyed_server):
    """FAKES3_ENDPOINT: the fixture uses that server. With FAKES3_ACCESS_KEY/SECRET the clients
    use those keys and control calls are signed (info needs an admin's signature); a wrong
    secret makes the same test fail with the server's refusal."""
    env = {"FAKES3_ENDPOINT": keyed_server.endpoint, "FAKES3_ACCESS_KEY": DUMMY_KEY_ID,
           "FAKES3_SECRET_KEY": DUMMY_SECRET}
    outcomes, out = run_example(plugin_dir, tmp_path, env, ["-k", "test_server_starts"])
    assert outcomes == {"test_server_starts": "passed"}, out[-6000:]
    listing = signed_raw(keyed_server.port, "GET", "/").body.decode()
    assert "<Name>made-before-any-reset</Name>" in listing, listing

    env["FAKES3_SECRET_KEY"] = "not-the-secret"
    outcomes, out = run_example(plugin_dir, tmp_path, env, ["-k", "test_server_starts"])
    assert outcomes == {"test_server_starts": "failed"}, out[-6000:]
    assert "403 SignatureDoesNotMatch" in out or "403 AccessDenied" in out, out[-4000:]


@pytest.fixture(scope="module")
def ctl_missing(tmp_path_factory):
    """The control calls the example needs that FAKES3_BIN lacks."""
    f = ServerFactory(tmp_path_factory.mktemp("probe"))
    s = f()
    try:
        return missing_calls(s.port)
    finally:
        f.close()


def test_plugin_example_project(plugin_dir, tmp_path, ctl_missing):
    """The whole example: fixture start, isolation by reset, journal, a SlowDown fault boto3
    retries past (2 attempts) and one it gives up on (max_attempts attempts), a presigned URL
    expired by the clock, a lifecycle expiration run by advancing 31 days, snapshot/restore."""
    if ctl_missing:
        pytest.skip(f"the server lacks {', '.join(ctl_missing)} (404 NoSuchControlCall)")
    outcomes, out = run_example(plugin_dir, tmp_path, {"FAKES3_BIN": fakes3_bin()})
    assert outcomes == {t: "passed" for t in EXAMPLE_TESTS}, out[-8000:]


# --- the Fakes3 handle's calls, from the source tree, against a server of the test's own ----------
@pytest.fixture
def handle(tmp_path):
    """(Fakes3 handle, the calls its server lacks) for a fresh server with default flags."""
    sys.path.insert(0, PKG)
    try:
        from fakes3_pytest import Fakes3
    finally:
        sys.path.remove(PKG)
    f = ServerFactory(tmp_path)
    s = f()
    yield Fakes3(s.endpoint, access_key="", secret_key=""), missing_calls(s.port)
    f.close()


def needs(missing, *calls):
    lacking = [c for c in calls if "/_fakes3" + c in missing]
    if lacking:
        pytest.skip(f"the server lacks {', '.join(lacking)} (404 NoSuchControlCall)")


def test_handle_errors(handle):
    from fakes3_pytest import Fakes3Error
    h, _ = handle
    assert h.health() == {"status": "ok"} and not h.signed
    with pytest.raises(Fakes3Error) as e:
        h.call("GET", "/no-such-call")
    assert (e.value.status, e.value.code) == (404, "NoSuchControlCall")
    with pytest.raises(Fakes3Error) as e:
        h.call("DELETE", "/health")
    assert (e.value.status, e.value.code) == (405, "MethodNotAllowed")


def test_handle_clock(handle):
    import datetime
    h, missing = handle
    needs(missing, "/clock")
    h.clock.freeze()
    st = h.clock.set(datetime.datetime(2030, 1, 1))
    assert st["frozen"] is True
    assert h.clock.now() == datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    h.clock.advance(datetime.timedelta(minutes=1, seconds=30.5))
    assert h.clock.now().isoformat() == "2030-01-01T00:01:30.500000+00:00"
    assert h.clock.unfreeze()["frozen"] is False
    st = h.clock.reset()
    assert (st["frozen"], st["offset_seconds"]) == (False, 0)


def test_handle_journal_and_faults(handle):
    from botocore.exceptions import ClientError
    from fakes3_pytest import Fakes3Timeout
    h, missing = handle
    needs(missing, "/requests", "/faults")
    s3 = h.client()
    s3.create_bucket(Bucket="handle")
    fid = h.fault(match="PutObject", action="SlowDown", times=5)  # shorthands
    assert fid.rule["action"]["status"] == 503 and fid.rule["hits"] == 0
    with fid:
        with pytest.raises(ClientError):
            s3.put_object(Bucket="handle", Key="k", Body=b"x")
        assert fid.state()["hits"] == 3
    assert fid.state() is None and h.faults() == []  # the with block removed it
    fid.remove()  # already gone: not an error

    statuses = [e["status"] for e in h.requests(op="PutObject", bucket="handle")]
    assert statuses == [503, 503, 503]
    assert len(h.requests(status="5xx", limit=2)) == 2
    mark = h.last_request_id()
    with pytest.raises(Fakes3Timeout) as e:
        h.wait_requests(since=mark, count=1, timeout=1)
    assert e.value.requests == [] and isinstance(e.value, AssertionError)
    h.fault(match={"op": "PutObject"}, action={"error": "InternalError", "status": 500}, times=1)
    s3.put_object(Bucket="handle", Key="k", Body=b"y")  # one 500, then retried
    assert [x["status"] for x in h.wait_requests(since=mark, count=2, op="PutObject")] == [500, 200]
    assert h.clear_faults() == 1
    assert h.clear_requests() >= 6 and h.requests() == []


def test_handle_reset_and_snapshots(handle):
    from fakes3_pytest import Fakes3Error
    h, missing = handle
    needs(missing, "/reset", "/snapshots")
    s3 = h.client()
    for b in ("one", "two"):
        s3.create_bucket(Bucket=b)
    assert h.reset(bucket="one")["reset"] == "one"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["two"]
    assert h.snapshot("two-only")["name"] == "two-only"
    assert h.reset()["reset"] == "all" and s3.list_buckets()["Buckets"] == []
    h.restore("two-only")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["two"]
    assert [x["name"] for x in h.snapshots()] == ["two-only"]
    h.delete_snapshot("two-only")
    with pytest.raises(Fakes3Error) as e:
        h.restore("two-only")
    assert (e.value.status, e.value.code) == (404, "NoSuchSnapshot")
