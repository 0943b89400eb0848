"""The README's examples are copies of code that runs: each fenced block preceded by
`<!-- example: PATH -->` must appear verbatim in PATH (a test file that `make test` runs, or a file a test runs on,
such as docs/prometheus.yml), so an
example cannot drift from the test it was copied from."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = re.compile(r"<!-- example: (\S+) -->\n```[a-z]*\n(.*?)```\n", re.S)


def examples():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return MARK.findall(f.read())


def test_the_readme_has_its_examples():
    paths = {p for p, _ in examples()}
    assert {"clients/python/example/test_example.py", "clients/js/example/example.test.mjs",
            "tests/testcontainers/fakes3.test.mjs", "docs/prometheus.yml"} <= paths


@pytest.mark.parametrize("path,code", examples(), ids=[p for p, _ in examples()])
def test_example_is_copied_from_a_test_that_runs(path, code):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        source = f.read()
    assert code.strip() in source, f"the README's example from {path} no longer matches it"
