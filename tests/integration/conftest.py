"""Fixtures for the integration tests: each test gets a real fakes3 process (FAKES3_BIN, an
ASan/UBSan build) on a free loopback port with a temporary root, and fails if the process printed
a sanitizer report by the time it stopped."""

import os

import pytest

from s3lib import AwsCli, Netns, S3cmd, ServerFactory, fakes3_bin, make_client


@pytest.fixture
def server_factory(tmp_path, netns_factory):
    # Depends on netns_factory so that servers stop before their namespaces are removed.
    f = ServerFactory(tmp_path)
    yield f
    f.close()


@pytest.fixture
def server(server_factory):
    """A started fakes3 with default flags (access log on), root tmp_path/root."""
    return server_factory()


@pytest.fixture
def s3(server):
    """boto3 client, path-style addressing."""
    return server.client()


@pytest.fixture
def s3v(server):
    """boto3 client, virtual-host addressing through the compose alias: the endpoint is
    http://fakes3:PORT, so bucket requests carry `Host: <bucket>.fakes3:PORT` and service
    requests `Host: fakes3:PORT`; the socket goes to 127.0.0.1."""
    return make_client(f"http://fakes3:{server.port}", addressing_style="virtual",
                       connect_to=("127.0.0.1", server.port))


@pytest.fixture
def aws(server, tmp_path):
    return AwsCli(tmp_path, server.endpoint)


@pytest.fixture
def s3cmd(server, tmp_path):
    hp = f"127.0.0.1:{server.port}"
    return S3cmd(tmp_path, hp, hp)


@pytest.fixture
def netns_factory():
    made = []

    def make(hosts_names):
        ns = Netns(f"fakes3-{os.getpid()}-{len(made)}", hosts_names)
        made.append(ns)
        return ns.create_or_skip()

    yield make
    for ns in made:
        ns.destroy()


def pytest_report_header(config):
    return f"fakes3 binary: {fakes3_bin()}"
