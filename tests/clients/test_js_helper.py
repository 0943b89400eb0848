"""The JavaScript helper (clients/js, package fakes3-helper): its node:test suites run with
`node --test` against FAKES3_BIN and must pass. clients/js/test/ tests the helper (start, stop,
connect, signed control calls, every control call); clients/js/example/ is the README's example.
The tests import @aws-sdk/client-s3 as a user would; it is installed in tests/clients/js by
tests/clients/install.sh, and clients/js/testing/register.mjs lets the import find it there (or
in a NODE_PATH folder).

A test of a control call the server lacks (404 NoSuchControlCall) is skipped by the suite itself;
here no skip is accepted once the server has every call, and the example (which resets the server
before each test) is skipped until then."""

import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from s3lib import ServerFactory, clean_env, fakes3_bin, raw  # noqa: E402

JS = os.path.join(REPO, "clients", "js")
CALLS = ["/_fakes3/reset", "/_fakes3/snapshots", "/_fakes3/requests", "/_fakes3/faults",
         "/_fakes3/clock"]


def sdk_dirs():
    """Where @aws-sdk/client-s3 is: tests/clients/js/node_modules, or a NODE_PATH folder."""
    dirs = [os.path.join(HERE, "js", "node_modules")] + \
        [d for d in os.environ.get("NODE_PATH", "").split(os.pathsep) if d]
    return [d for d in dirs if os.path.exists(os.path.join(d, "@aws-sdk", "client-s3",
                                                             "package.json"))]


@pytest.fixture(scope="module")
def node_env():
    if shutil.which("node") is None:
        pytest.fail("node is missing: run tests/clients/install.sh", pytrace=False)
    found = sdk_dirs()
    if not found:
        pytest.fail("@aws-sdk/client-s3 is not installed in tests/clients/js/node_modules: run "
                    "tests/clients/install.sh", pytrace=False)
    return clean_env({"FAKES3_BIN": fakes3_bin(), "NODE_PATH": os.pathsep.join(found),
                      "NODE_NO_WARNINGS": "1", "AWS_CONFIG_FILE": os.devnull,
                      "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                      "AWS_EC2_METADATA_DISABLED": "true"})


@pytest.fixture(scope="module")
def ctl_missing(tmp_path_factory):
    """The control calls FAKES3_BIN lacks (a GET of each: 404 NoSuchControlCall means absent)."""
    f = ServerFactory(tmp_path_factory.mktemp("probe"))
    s = f()
    try:
        missing = []
        for p in CALLS:
            r = raw(s.port, "GET", p)
            if r.status == 404 and b"NoSuchControlCall" in r.body:
                missing.append(p)
        return missing
    finally:
        f.close()


def node_test(env, folder):
    """`node --test` of one folder of clients/js (TAP reporter); answers (counts, output)."""
    argv = ["node", "--import", "./testing/register.mjs", "--test", "--test-reporter=tap",
            folder + "/"]
    try:
        r = subprocess.run(argv, cwd=JS, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"node --test {folder} did not finish in 600 s:\n"
                             f"{e.stdout}\n{e.stderr}")
    out = r.stdout + r.stderr
    summary = re.findall(r"^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$", r.stdout, re.M)
    counts = {k: int(v) for k, v in summary}
    assert r.returncode == 0 and counts.get("fail") == 0 and counts.get("cancelled") == 0, \
        f"node --test {folder} exited {r.returncode}, {counts}:\n{out[-8000:]}"
    return counts, out


def test_js_helper_suite(node_env, ctl_missing):
    counts, out = node_test(node_env, "test")
    assert counts["tests"] >= 11 and counts["pass"] + counts["skipped"] == counts["tests"], counts
    if not ctl_missing:
        assert counts["skipped"] == 0, f"{counts}\n{out[-4000:]}"


def test_js_example(node_env, ctl_missing):
    if ctl_missing:
        pytest.skip(f"the server lacks {', '.join(ctl_missing)} (404 NoSuchControlCall)")
    counts, out = node_test(node_env, "example")
    assert counts["pass"] == counts["tests"] == 4, f"{counts}\n{out[-4000:]}"
