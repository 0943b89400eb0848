"""Fixtures for the stress suite (`make test-stress`): the server helpers of tests/integration
(s3lib), a factory of servers that fails the test on a sanitizer report or an unclean stop, and
`figure(name, value)`, whose figures are printed at the end of the run."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from s3lib import Server  # noqa: E402

_FIGURES = []


class Servers:
    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.all = []

    def __call__(self, start=True, **kw):
        s = Server(self.tmp_path, **kw)
        self.all.append(s)
        if start:
            s.start(wait=False)
            s.wait_ready(timeout=60.0)
        return s

    def finish(self):
        problems = []
        for s in self.all:
            try:
                rc = s.stop(timeout=60.0)
            except AssertionError as e:
                problems.append(str(e))
                rc = None
            report = s.sanitizer_report()
            if report:
                problems.append(f"sanitizer report from {s.argv()}:\n{report[-6000:]}")
            elif rc not in (None, 0) and not s.killed:
                problems.append(f"server {s.argv()} exited {rc} (want 0 on SIGTERM); stderr:\n"
                                f"{s.stderr()[-3000:]}")
        return problems


@pytest.fixture
def servers(tmp_path):
    f = Servers(tmp_path)
    yield f
    problems = f.finish()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


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
