"""Fixtures for the stress suite (`make test-stress`): the server helpers of tests/integration
(s3lib), a factory of servers that fails the test on a sanitizer report or an unclean stop, and
`figure(name, value)`, whose figures are printed at the end of the run."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from s3lib import ServerFactory  # noqa: E402

_FIGURES = []


@pytest.fixture
def servers(tmp_path):
    # A busy machine: a minute to come up and to stop.
    f = ServerFactory(tmp_path, ready_timeout=60.0, stop_timeout=60.0)
    yield f
    f.close()


@pytest.fixture
def figure(request):
    """figure(name, value): print now and again in the summary at the end of the run."""
    test = request.node.name

    def add(name, value):
        _FIGURES.append((test, name, value))
        print(f"  [{test}] {name}: {value}", flush=True)
    return add


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    terminalreporter.section("stress figures")
    for test, name, value in _FIGURES:
        terminalreporter.write_line(f"{test}: {name}: {value}")
