"""`fakes3 ctl ...`: the control calls from the command line, through the real binary against a
real server. Exit 0 and the server's JSON on stdout for a 2xx answer, exit 1 and the answer on
stderr for an error answer, exit 2 for a usage error or no connection; SigV4-signed with keys so
that an admin passes a server with users.

The calls of the journal, fault rules, clock, reset and snapshots are tested end to end against
the contract (ctl_api.md); each such test runs only when the server binary has that call (a probe
at collection: anything but 404 NoSuchControlCall)."""

import json
import subprocess
import tempfile
from datetime import timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import (SANITIZER_MARKERS, Server, clean_env, error_code, fakes3_bin, free_port,
                   memory_mode, parse_iso8601_ms, raw)

ADMIN_AK, ADMIN_SK = "AKCTLADMIN", "ctl/admin+secret"


# --- the probe: which control calls the binary has ---------------------------------------------
_PROBE_PATHS = {
    "reset": "/_fakes3/reset",
    "snapshots": "/_fakes3/snapshots/probe",
    "requests": "/_fakes3/requests",
    "requests/wait": "/_fakes3/requests/wait",
    "faults": "/_fakes3/faults",
    "clock": "/_fakes3/clock",
}
_probed = None


def _probe():
    """PATCH (a method no call takes) on each call's path of a throwaway open server: 405 when
    the path is a call, 404 NoSuchControlCall when it is not. Nothing changes."""
    found = {}
    with tempfile.TemporaryDirectory() as d:
        s = Server(d).start()
        try:
            for call, path in _PROBE_PATHS.items():
                r = raw(s.port, "PATCH", path)
                missing = r.status == 404 and b"NoSuchControlCall" in r.body
                found[call] = not missing
        finally:
            s.stop()
        report = s.sanitizer_report()
        assert not report, report
    return found


def server_has(call):
    global _probed
    if _probed is None:
        _probed = _probe()
    return _probed[call]


def needs(call):
    return pytest.mark.skipif(not server_has(call),
                              reason=f"the server has no /_fakes3/ {call} call yet")


# --- running fakes3 ctl ------------------------------------------------------------------------
def ctl(endpoint, *args, keys=None, env=None, timeout=120):
    """Run `fakes3 ctl --endpoint ENDPOINT [keys] ARGS` with a clean environment (plus env)."""
    argv = [fakes3_bin(), "ctl"]
    if endpoint is not None:
        argv += ["--endpoint", endpoint]
    if keys:
        argv += ["--access-key", keys[0], "--secret-key", keys[1]]
    argv += [str(a) for a in args]
    r = subprocess.run(argv, capture_output=True, text=True, env=clean_env(env), timeout=timeout,
                       stdin=subprocess.DEVNULL)
    assert not any(m in r.stderr for m in SANITIZER_MARKERS), r.stderr
    return r


def ok(r):
    """The JSON a call printed on success."""
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert r.stderr == ""
    return json.loads(r.stdout)


def fails(r, code):
    """The JSON error answer a call printed on stderr, with exit 1."""
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    j = json.loads(r.stderr)
    assert j["error"] == code, j
    return j


def usage(r, text):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert text in r.stderr, r.stderr
    assert "fakes3 ctl --help" in r.stderr


def keyed_client(endpoint, ak, sk):
    cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                 retries={"total_max_attempts": 1})
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                          aws_access_key_id=ak, aws_secret_access_key=sk,
                                          config=cfg)


@pytest.fixture
def admin_server(server_factory):
    return server_factory(args=["--access-key", ADMIN_AK, "--secret-key", ADMIN_SK])


# --- what the server has now: health, info, signatures, exits ----------------------------------
def test_health_and_info(server, s3):
    assert ok(ctl(server.endpoint, "health")) == {"status": "ok"}
    s3.create_bucket(Bucket="ctl-info")
    info = ok(ctl(server.endpoint, "info"))
    assert info["mode"] == "open"
    assert info["backend"] == ("memory" if memory_mode() else "sqlite")
    assert info["root"] == server.root
    assert info["counts"]["buckets"] == 1
    assert "-p" in info["args"] and str(server.port) in info["args"]
    parse_iso8601_ms(info["now"])


def test_endpoint_from_the_environment(server):
    r = ctl(None, "health", env={"FAKES3_ENDPOINT": server.endpoint + "/"})
    assert ok(r) == {"status": "ok"}
    # the flag wins over the variable
    r = ctl(server.endpoint, "health", env={"FAKES3_ENDPOINT": "http://127.0.0.1:1"})
    assert ok(r) == {"status": "ok"}
    # beside a server configured by FAKES3_PORT, that port of 127.0.0.1
    assert ok(ctl(None, "health", env={"FAKES3_PORT": str(server.port)})) == {"status": "ok"}
    # a host name is looked up
    assert ok(ctl(f"http://localhost:{server.port}", "health")) == {"status": "ok"}


def test_no_connection_exits_2():
    port = free_port()
    r = ctl(f"http://127.0.0.1:{port}", "info")
    assert r.returncode == 2 and r.stdout == ""
    assert f"127.0.0.1:{port}/_fakes3/info" in r.stderr and "connect" in r.stderr, r.stderr


def test_usage_errors_exit_2(server):
    e = server.endpoint
    usage(ctl(e), "which command")
    usage(ctl(e, "status"), "unknown command 'status'")
    usage(ctl(e, "clock", "+3w"), "not '+3w'")
    usage(ctl(e, "requests", "--limit", "many"), "--limit wants a whole number")
    usage(ctl(e, "fault", "add", "{not json"), "not a JSON object")
    usage(ctl(e, "snapshot", "save"), "one NAME")
    usage(ctl("https://127.0.0.1:1", "info"), "plain http:// only")
    usage(ctl(e, "info", env={"FAKES3_ACCESS_KEY": "AK"}), "give both")


def test_help_lists_every_command():
    r = ctl(None, "--help")
    assert r.returncode == 0 and r.stderr == ""
    for words in ("health", "info", "reset [BUCKET]", "snapshot save NAME", "snapshot restore",
                  "snapshot delete", "snapshot list", "requests [FILTERS]", "requests wait",
                  "--count N", "--timeout S", "requests clear", "fault add JSON", "--delay-ms",
                  "--reset before_head|after_head", "--truncate-after", "--probability P",
                  "fault list", "fault clear [ID]", "+30d", "-2h", "clock set",
                  "clock freeze", "clock reset", "--endpoint URL", "FAKES3_ENDPOINT",
                  "AWS_SECRET_ACCESS_KEY", "--region R"):
        assert words in r.stdout, words
    assert ctl(None, "fault", "add", "--help").stdout == r.stdout


def test_error_answer_goes_to_stderr_with_exit_1(server_factory):
    srv = server_factory(args=["--no-control"])
    r = ctl(srv.endpoint, "info")
    # with no control namespace the path is a bucket's, and S3's XML error says so
    assert r.returncode == 1 and r.stdout == ""
    assert "<Code>NoSuchBucket</Code>" in r.stderr, r.stderr
    assert ctl(srv.endpoint, "health").returncode == 1


def test_signed_admin_passes_others_do_not(admin_server):
    e = admin_server.endpoint
    info = ok(ctl(e, "info", keys=(ADMIN_AK, ADMIN_SK)))
    assert info["mode"] == "signed"
    fails(ctl(e, "info", keys=(ADMIN_AK, "wrong")), "SignatureDoesNotMatch")
    fails(ctl(e, "info", keys=("AKNOBODY", ADMIN_SK)), "InvalidAccessKeyId")
    fails(ctl(e, "info"), "AccessDenied")
    # health never needs a signature, and takes one
    assert ok(ctl(e, "health")) == {"status": "ok"}
    assert ok(ctl(e, "health", keys=(ADMIN_AK, ADMIN_SK))) == {"status": "ok"}


def test_keys_from_the_environment(admin_server):
    e = admin_server.endpoint
    fakes3_env = {"FAKES3_ACCESS_KEY": ADMIN_AK, "FAKES3_SECRET_KEY": ADMIN_SK}
    aws_env = {"AWS_ACCESS_KEY_ID": ADMIN_AK, "AWS_SECRET_ACCESS_KEY": ADMIN_SK}
    assert ok(ctl(e, "info", env=fakes3_env))["mode"] == "signed"
    assert ok(ctl(e, "info", env=aws_env))["mode"] == "signed"
    # FAKES3_* before AWS_*, a flag before both
    fails(ctl(e, "info", env={**aws_env, "FAKES3_SECRET_KEY": "wrong"}), "SignatureDoesNotMatch")
    assert ok(ctl(e, "info", keys=(ADMIN_AK, ADMIN_SK),
                  env={"FAKES3_ACCESS_KEY": "x", "FAKES3_SECRET_KEY": "y"}))["mode"] == "signed"


def test_signed_post_with_body_and_encoded_query(admin_server):
    """A POST's body and a query with spaces, '/', '%' and UTF-8 are signed as the server checks
    them: the answer is never a signature error (the call itself may not exist yet)."""
    e = admin_server.endpoint
    for args in (("clock", "+1s"), ("fault", "add", "--op", "GetObject", "--key", "a b/%ü*",
                                    "--delay-ms", "1", "--times", "1"),
                 ("requests", "--key", "a b/%ü?&=", "--limit", "1"), ("snapshot", "save", "s-1")):
        r = ctl(e, *args, keys=(ADMIN_AK, ADMIN_SK))
        if r.returncode == 1:
            assert json.loads(r.stderr)["error"] == "NoSuchControlCall", (args, r.stderr)
        else:
            assert r.returncode == 0, (args, r.stderr)
        fails(ctl(e, *args, keys=(ADMIN_AK, ADMIN_SK + "x")), "SignatureDoesNotMatch")


def test_region_of_the_signature(server_factory):
    srv = server_factory(args=["--access-key", ADMIN_AK, "--secret-key", ADMIN_SK,
                               "--region", "eu-west-1"])
    keys = (ADMIN_AK, ADMIN_SK)
    fails(ctl(srv.endpoint, "info", keys=keys), "AuthorizationHeaderMalformed")
    assert ok(ctl(srv.endpoint, "--region", "eu-west-1", "info", keys=keys))["mode"] == "signed"
    assert ok(ctl(srv.endpoint, "info", keys=keys, env={"FAKES3_REGION": "eu-west-1"}))


def test_users_file_admin_and_plain_user(server_factory, tmp_path):
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": [
        {"access_key": "AKBOSS", "secret_key": "SKBOSS", "admin": True},
        {"access_key": "AKUSER", "secret_key": "SKUSER"}]}))
    srv = server_factory(args=["--users", str(users)])
    assert ok(ctl(srv.endpoint, "info", keys=("AKBOSS", "SKBOSS")))["mode"] == "signed"
    fails(ctl(srv.endpoint, "info", keys=("AKUSER", "SKUSER")), "AccessDenied")


# --- reset -------------------------------------------------------------------------------------
@needs("reset")
def test_reset_one_bucket_then_all(server, s3):
    for b in ("keep-me", "drop-me"):
        s3.create_bucket(Bucket=b)
        s3.put_object(Bucket=b, Key="k", Body=b"x")
    j = ok(ctl(server.endpoint, "reset", "drop-me"))
    assert j["reset"] == "drop-me" and isinstance(j["ms"], (int, float))
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["keep-me"]
    assert s3.get_object(Bucket="keep-me", Key="k")["Body"].read() == b"x"
    fails(ctl(server.endpoint, "reset", "drop-me"), "NoSuchBucket")
    assert ok(ctl(server.endpoint, "reset"))["reset"] == "all"
    assert s3.list_buckets()["Buckets"] == []


@needs("reset")
def test_reset_signed(admin_server):
    c = keyed_client(admin_server.endpoint, ADMIN_AK, ADMIN_SK)
    c.create_bucket(Bucket="gone")
    fails(ctl(admin_server.endpoint, "reset"), "AccessDenied")
    assert ok(ctl(admin_server.endpoint, "reset", keys=(ADMIN_AK, ADMIN_SK)))["reset"] == "all"
    assert c.list_buckets()["Buckets"] == []


# --- snapshots ---------------------------------------------------------------------------------
@needs("snapshots")
def test_snapshot_save_restore_list_delete(server, s3):
    e = server.endpoint
    s3.create_bucket(Bucket="snap")
    s3.put_object(Bucket="snap", Key="k", Body=b"before")
    j = ok(ctl(e, "snapshot", "save", "clean"))
    assert (j["name"], j["buckets"], j["objects"]) == ("clean", 1, 1)
    assert j["created"][:4].isdigit() and "T" in j["created"]
    s3.put_object(Bucket="snap", Key="k", Body=b"after")
    s3.create_bucket(Bucket="later")
    assert ok(ctl(e, "snapshot", "restore", "clean"))["name"] == "clean"
    assert s3.get_object(Bucket="snap", Key="k")["Body"].read() == b"before"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["snap"]
    ok(ctl(e, "snapshot", "save", "b-2.x_y"))
    listed = ok(ctl(e, "snapshot", "list"))["snapshots"]
    assert [s["name"] for s in listed] == ["b-2.x_y", "clean"]
    assert ok(ctl(e, "snapshot", "delete", "clean")) == {"deleted": "clean"}
    fails(ctl(e, "snapshot", "restore", "clean"), "NoSuchSnapshot")
    fails(ctl(e, "snapshot", "delete", "clean"), "NoSuchSnapshot")
    fails(ctl(e, "snapshot", "save", ".hidden"), "InvalidSnapshotName")
    fails(ctl(e, "snapshot", "save", "x" * 65), "InvalidSnapshotName")
    fails(ctl(e, "snapshot", "save", "a b"), "InvalidSnapshotName")


# --- the request journal -----------------------------------------------------------------------
@needs("requests")
def test_requests_filters(server, s3):
    e = server.endpoint
    s3.create_bucket(Bucket="jnl-a")
    for k in ("logs/a", "logs/b", "other"):
        s3.put_object(Bucket="jnl-a", Key=k, Body=b"x")
    with pytest.raises(ClientError):
        s3.get_object(Bucket="jnl-a", Key="missing")
    puts = ok(ctl(e, "requests", "--op", "PutObject", "--bucket", "jnl-a"))["requests"]
    assert [r["key"] for r in puts] == ["logs/a", "logs/b", "other"]
    assert all(r["method"] == "PUT" and r["status"] == 200 for r in puts)
    assert [r["key"] for r in ok(ctl(e, "requests", "--key", "logs/"))["requests"]] == \
        ["logs/a", "logs/b"]
    missing = ok(ctl(e, "requests", "--error", "NoSuchKey"))["requests"]
    assert [(r["key"], r["status"]) for r in missing] == [("missing", 404)]
    assert len(ok(ctl(e, "requests", "--status", "4xx"))["requests"]) == 1
    assert [r["key"] for r in ok(ctl(e, "requests", "--method", "PUT", "--limit", "1"))[
        "requests"]] == ["other"]
    j = ok(ctl(e, "requests"))
    first = j["requests"][0]["id"]
    assert [r["id"] for r in ok(ctl(e, "requests", "--since", first))["requests"]] == \
        [r["id"] for r in j["requests"][1:]]
    # a clear empties it; control calls are never journaled
    assert ok(ctl(e, "requests", "clear"))["cleared"] == len(j["requests"])
    assert ok(ctl(e, "requests"))["requests"] == []


@needs("requests")
def test_requests_answer_larger_than_64k(server, s3):
    s3.create_bucket(Bucket="many")
    for i in range(150):
        s3.put_object(Bucket="many", Key=f"k{i:03d}", Body=b"x")
    r = ctl(server.endpoint, "requests", "--op", "PutObject")
    assert len(r.stdout) > 65536
    assert [x["key"] for x in ok(r)["requests"]] == [f"k{i:03d}" for i in range(150)]


@needs("requests/wait")
def test_requests_wait_until_a_request_comes(server, s3):
    e = server.endpoint
    s3.create_bucket(Bucket="jnl-b")
    s3.put_object(Bucket="jnl-b", Key="k", Body=b"x")
    last = ok(ctl(e, "requests"))["last_id"]
    argv = [fakes3_bin(), "ctl", "--endpoint", e, "requests", "wait", "--op", "GetObject",
            "--since", str(last), "--count", "2", "--timeout", "120"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=clean_env())
    try:
        s3.get_object(Bucket="jnl-b", Key="k")
        s3.head_object(Bucket="jnl-b", Key="k")
        s3.get_object(Bucket="jnl-b", Key="k")
        out, err = p.communicate(timeout=150)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    got = json.loads(out)["requests"]
    assert [r["op"] for r in got] == ["GetObject", "GetObject"]
    assert all(r["id"] > last for r in got)


@needs("requests/wait")
def test_requests_wait_timeout_exits_1(server):
    j = fails(ctl(server.endpoint, "requests", "wait", "--op", "DeleteBucket", "--timeout", "0.5"),
              "Timeout")
    assert j["requests"] == []


@needs("requests")
def test_journal_off(server_factory):
    srv = server_factory(args=["--journal", "0"])
    fails(ctl(srv.endpoint, "requests"), "JournalOff")


# --- fault rules -------------------------------------------------------------------------------
@needs("faults")
def test_fault_add_from_flags_fires_then_stops(server, s3):
    e = server.endpoint
    s3.create_bucket(Bucket="flt-a")
    rule = ok(ctl(e, "fault", "add", "--op", "PutObject", "--bucket", "flt-a", "--key", "a*",
                  "--error", "SlowDown", "--status", "503", "--times", "1"))
    assert isinstance(rule["id"], str) and rule["hits"] == 0
    assert rule["match"]["op"] == "PutObject" and rule["action"]["status"] == 503
    s3.put_object(Bucket="flt-a", Key="b", Body=b"x")  # does not match the key glob
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket="flt-a", Key="a1", Body=b"x")
    assert error_code(ei.value) == "SlowDown"
    s3.put_object(Bucket="flt-a", Key="a1", Body=b"x")  # times 1: spent
    listed = ok(ctl(e, "fault", "list"))["faults"]
    assert [(f["id"], f["hits"]) for f in listed] == [(rule["id"], 1)]
    assert ok(ctl(e, "fault", "clear", rule["id"])) == {"deleted": rule["id"]}
    fails(ctl(e, "fault", "clear", rule["id"]), "NoSuchFault")
    assert ok(ctl(e, "fault", "list"))["faults"] == []


@needs("faults")
def test_fault_add_json_after_and_clear_all(server, s3):
    e = server.endpoint
    s3.create_bucket(Bucket="flt-b")
    s3.put_object(Bucket="flt-b", Key="k", Body=b"x")
    ok(ctl(e, "fault", "add", json.dumps({"match": {"op": "GetObject"},
                                          "action": {"error": "InternalError", "status": 500},
                                          "after": 1})))
    ok(ctl(e, "fault", "add", "--op", "HeadObject", "--error", "NoSuchKey", "--status", "404",
           "--probability", "1", "--seed", "7"))
    assert s3.get_object(Bucket="flt-b", Key="k")["Body"].read() == b"x"  # after 1: passes
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket="flt-b", Key="k")
    assert error_code(ei.value) == "InternalError"
    assert ok(ctl(e, "fault", "clear")) == {"cleared": 2}
    assert s3.get_object(Bucket="flt-b", Key="k")["Body"].read() == b"x"
    fails(ctl(e, "fault", "add", '{"action": {"status": "soon"}}'), "InvalidFaultRule")
    fails(ctl(e, "fault", "add", "--reset", "sometimes"), "InvalidFaultRule")


@needs("faults")
def test_fault_shaping_flags_reach_the_rule(server):
    e = server.endpoint
    ok(ctl(e, "fault", "add", "--method", "GET", "--header", "Range", "--client", "127.0.0.1",
           "--delay-ms", "5", "--body-delay-ms", "6", "--reset", "after_head",
           "--truncate-after", "10", "--rate", "1000", "--times", "3", "--after", "2"))
    [rule] = ok(ctl(e, "fault", "list"))["faults"]
    assert rule["match"] == {"method": "GET", "header": "Range", "client": "127.0.0.1"}
    assert {k: rule["action"][k] for k in ("delay_ms", "body_delay_ms", "reset", "truncate_after",
                                          "rate")} == \
        {"delay_ms": 5, "body_delay_ms": 6, "reset": "after_head", "truncate_after": 10,
         "rate": 1000}
    assert (rule["times"], rule["after"], rule["hits"]) == (3, 2, 0)


# --- the clock ---------------------------------------------------------------------------------
@needs("clock")
def test_clock_show_move_freeze_reset(server):
    e = server.endpoint
    j = ok(ctl(e, "clock"))
    assert set(j) >= {"now", "offset_seconds", "frozen"} and j["frozen"] is False
    t0 = parse_iso8601_ms(ok(ctl(e, "clock", "freeze"))["now"])
    j = ok(ctl(e, "clock"))
    assert j["frozen"] is True and parse_iso8601_ms(j["now"]) == t0
    assert parse_iso8601_ms(ok(ctl(e, "clock", "+30d"))["now"]) == t0 + timedelta(days=30)
    assert parse_iso8601_ms(ok(ctl(e, "clock", "-2h"))["now"]) == \
        t0 + timedelta(days=30, hours=-2)
    assert parse_iso8601_ms(ok(ctl(e, "clock", "+90s"))["now"]) == \
        t0 + timedelta(days=30, hours=-2, seconds=90)
    assert parse_iso8601_ms(ok(ctl(e, "clock", "+1.5"))["now"]) == \
        t0 + timedelta(days=30, hours=-2, seconds=91.5)
    j = ok(ctl(e, "clock", "set", "2030-01-01T00:00:00Z"))
    assert j["now"] == "2030-01-01T00:00:00.000Z" and j["frozen"] is True
    assert ok(ctl(e, "clock", "unfreeze"))["frozen"] is False
    fails(ctl(e, "clock", "set", "next tuesday"), "InvalidClockRequest")
    j = ok(ctl(e, "clock", "reset"))
    assert j["frozen"] is False and j["offset_seconds"] == 0


@needs("clock")
def test_clock_advance_runs_lifecycle(server, s3):
    s3.create_bucket(Bucket="lcy")
    s3.put_bucket_lifecycle_configuration(Bucket="lcy", LifecycleConfiguration={"Rules": [
        {"ID": "x", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
         "Expiration": {"Days": 1}}]})
    s3.put_object(Bucket="lcy", Key="tmp/a", Body=b"x")
    s3.put_object(Bucket="lcy", Key="keep", Body=b"x")
    ok(ctl(server.endpoint, "clock", "+3d"))
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lcy").get("Contents", [])]
    assert keys == ["keep"]


@needs("clock")
def test_signed_calls_after_the_clock_moved(admin_server):
    """The CLI signs with the real time; a server whose clock moved 30 days still takes an admin's
    signed calls (else nobody could move it back)."""
    keys = (ADMIN_AK, ADMIN_SK)
    ok(ctl(admin_server.endpoint, "clock", "+30d", keys=keys))
    assert ok(ctl(admin_server.endpoint, "clock", "reset", keys=keys))["offset_seconds"] == 0
