"""The pytest plugin (entry point pytest11 `fakes3`). Fixtures:

- fakes3 (session): a Fakes3 handle on a server started for the session (the --fakes3-bin
  option, else FAKES3_BIN, else `fakes3` on PATH; a free loopback port; in memory when the binary
  has --memory), or on the server at FAKES3_ENDPOINT / --fakes3-endpoint, which is then left
  running. A started server that exits uncleanly (status, sanitizer report) fails the session's
  last teardown.
- s3 (function): a boto3 client, after a reset of the server: each test starts from nothing.
- fakes3_bucket (function): the name of a fresh bucket created for the test (after that reset).
"""

import os
import re
import shlex
import uuid

import pytest

from .control import Fakes3
from .server import Fakes3Process, find_binary


def pytest_addoption(parser):
    g = parser.getgroup("fakes3", "fakes3 server for the fakes3 fixtures")
    g.addoption("--fakes3-bin", default=None,
                help="the fakes3 binary to start (default: $FAKES3_BIN, else fakes3 on PATH)")
    g.addoption("--fakes3-endpoint", default=None,
                help="use the fakes3 server at this URL instead of starting one "
                     "(default: $FAKES3_ENDPOINT)")
    g.addoption("--fakes3-args", default=None,
                help="more flags for the started server, one shell-quoted string "
                     "(default: $FAKES3_ARGS)")
    g.addoption("--fakes3-keep", action="store_true", default=False,
                help="keep the started server's temporary root and logs")


def _endpoint(config):
    return config.getoption("fakes3_endpoint") or os.environ.get("FAKES3_ENDPOINT") or None


def pytest_report_header(config):
    ep = _endpoint(config)
    if ep:
        return f"fakes3: {ep}"
    try:
        return f"fakes3: {find_binary(config.getoption('fakes3_bin'))}"
    except Exception as e:  # reported again, as an error, by the fixture that needs it
        return f"fakes3: {e}"


@pytest.fixture(scope="session")
def fakes3(pytestconfig):
    """The session's fakes3 server (see the module's doc)."""
    ep = _endpoint(pytestconfig)
    if ep:
        yield Fakes3(ep)
        return
    args = pytestconfig.getoption("fakes3_args") or os.environ.get("FAKES3_ARGS") or ""
    proc = Fakes3Process(find_binary(pytestconfig.getoption("fakes3_bin")), shlex.split(args),
                         keep=pytestconfig.getoption("fakes3_keep"))
    proc.start()
    try:
        yield Fakes3(proc.endpoint, process=proc)
    finally:
        problems = proc.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def s3(fakes3):
    """A boto3 S3 client; the server was reset just before (buckets, journal, faults, clock)."""
    fakes3.reset()
    return fakes3.client()


@pytest.fixture
def fakes3_bucket(s3, request):
    """A bucket made for this test (on the freshly reset server); answers its name."""
    slug = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = f"{slug or 'test'}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    return name
