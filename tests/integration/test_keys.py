"""Keys are rows, not paths: any UTF-8 key up to 1024 bytes round-trips through boto3, lists back
exactly, and nothing in a key (or a bucket name) reaches outside the root folder."""

import os

import pytest
from botocore.exceptions import ClientError

from s3lib import md5_hex, raw, utf8

MARK = "qzmark"  # appears in key names only: no file or folder under the root may carry it

KEYS = [
    f"{MARK} with space",
    f"{MARK}-ünïcödé-日本語-🎉",
    f"{MARK}+plus+sign",
    f"{MARK}%percent%20not-an-escape%",
    "%",
    "+",
    "..",
    ".",
    "../../etc/passwd",
    f"../../{MARK}-escape",
    f"../../../../../../../../tmp/{MARK}-abs",
    f"a/../../{MARK}-mid",
    f"a//{MARK}//b",
    f"/{MARK}-leading-slash",
    f"//{MARK}-double-leading",
    f"./{MARK}-dot",
    f"{MARK}-trailing/",
    f"{MARK}?question#hash",
    f"{MARK}&amp;<lt>\"quote'apos",
    f"{MARK} tab\there",
    f"{MARK}~tilde*star=eq;semi:colon@at!bang$dollar,comma",
    f"{MARK}\\backslash\\..\\x",
    "k" * 1024,
    "é" * 512,
]


def tree(path):
    out = set()
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            out.add(os.path.join(dirpath, n))
    return out


@pytest.fixture
def outside(tmp_path):
    """What exists around the root before the server writes: to compare afterwards."""
    watch = [tmp_path, tmp_path.parent, tmp_path.parent.parent, "/tmp"]
    before = {str(w): set(os.listdir(w)) for w in watch}
    return watch, before


def test_odd_keys_round_trip_and_stay_inside_root(outside, server, s3):
    watch, before = outside
    passwd = os.stat("/etc/passwd")
    s3.create_bucket(Bucket="odd-keys")
    bodies = {k: f"body of {k!r}".encode() for k in KEYS}
    for k, v in bodies.items():
        r = s3.put_object(Bucket="odd-keys", Key=k, Body=v)
        assert r["ETag"] == f'"{md5_hex(v)}"', k
    for k, v in bodies.items():
        g = s3.get_object(Bucket="odd-keys", Key=k)
        assert g["Body"].read() == v, k
        assert s3.head_object(Bucket="odd-keys", Key=k)["ContentLength"] == len(v), k

    want = sorted(KEYS, key=utf8)
    listed = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket="odd-keys", PaginationConfig={"PageSize": 5}) for o in p.get("Contents", [])]
    assert listed == want
    listed = [o["Key"] for p in s3.get_paginator("list_objects").paginate(
        Bucket="odd-keys", PaginationConfig={"PageSize": 7}) for o in p.get("Contents", [])]
    assert listed == want

    # Without encoding-type the XML itself must carry the exact keys (escaped as XML).
    x = raw(server.port, "GET", "/odd-keys?list-type=2").xml()
    assert [c.findtext("Key") for c in x.findall("Contents")] == want

    # Prefix and delimiter work on the raw bytes, not on a path.
    r = s3.list_objects_v2(Bucket="odd-keys", Prefix="../", Delimiter="/")
    assert [p["Prefix"] for p in r.get("CommonPrefixes", [])] == ["../../"]
    r = s3.list_objects_v2(Bucket="odd-keys", Prefix="/", Delimiter="/")
    assert [o["Key"] for o in r.get("Contents", [])] == [f"/{MARK}-leading-slash"]
    assert [p["Prefix"] for p in r.get("CommonPrefixes", [])] == ["//"]
    r = s3.list_objects_v2(Bucket="odd-keys", Prefix=f"a//{MARK}/")
    assert [o["Key"] for o in r.get("Contents", [])] == [f"a//{MARK}//b"]

    # Deleting works on the exact key too: "a//x//b" is not "a/x/b".
    assert s3.delete_object(Bucket="odd-keys", Key="../../etc/passwd")[
        "ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError):
        s3.get_object(Bucket="odd-keys", Key="../../etc/passwd")
    assert s3.get_object(Bucket="odd-keys", Key="..")["Body"].read() == bodies[".."]

    # Nothing outside the root changed, and no key became a path inside it.
    for w in watch:
        after = set(os.listdir(w))
        new = after - before[str(w)]
        if str(w) == str(server.workdir):
            new -= {os.path.basename(server.root), os.path.basename(server.stdout_path),
                    os.path.basename(server.stderr_path)}
        if str(w) == "/tmp":
            new = {n for n in new if MARK in n or n in ("etc", "passwd")}
        assert not new, f"new entries next to the root in {w}: {new}"
    assert os.stat("/etc/passwd").st_mtime == passwd.st_mtime
    inside = tree(server.root)
    assert inside, "the root is empty: where did the data go?"
    rel = [os.path.relpath(p, server.root) for p in inside]
    bad = [p for p in rel if MARK in p or os.path.basename(p) in ("passwd", "etc")]
    assert not bad, f"keys became paths under the root: {bad}"
    root_real = os.path.realpath(server.root)
    for p in inside:
        assert os.path.realpath(p).startswith(root_real + os.sep), f"{p} leads outside the root"


@pytest.mark.parametrize("target,must_fail", [
    ("/%2E%2E/escape-bucket-obj", True),          # bucket ".." spelled with escapes
    ("/..%2F..%2Ftmp/escape-obj", True),           # bucket with encoded slashes
    ("/.%2E/escape-obj", True),
    # S3 splits the raw path before decoding, so this is bucket "b/../../x" (invalid); a server
    # that decodes first sees bucket "b" and key "../../x/escape-obj", which is harmless too.
    ("/b%2F..%2F..%2Fx/escape-obj", False),
])
def test_bucket_names_cannot_escape(outside, server, target, must_fail):
    watch, before = outside
    r = raw(server.port, "PUT", target, b"payload")
    if must_fail:
        assert r.status >= 400, f"PUT {target} was accepted: {r}"
        x = raw(server.port, "GET", "/").xml()
        assert [n.text for n in x.findall("Buckets/Bucket/Name")] == []
    for w in watch:
        new = set(os.listdir(w)) - before[str(w)]
        new = {n for n in new if "escape" in n or n in ("tmp", "x")}
        assert not new, f"{target}: new entries in {w}: {new}"
    bad = [p for p in tree(server.root) if "escape" in os.path.relpath(p, server.root)]
    assert not bad, bad


def test_unicode_normalisation_is_not_applied(s3):
    # "é" precomposed (U+00E9) and decomposed (e + U+0301) are different keys to S3.
    s3.put_object(Bucket="nfc", Key="caf\u00e9", Body=b"nfc")
    s3.put_object(Bucket="nfc", Key="cafe\u0301", Body=b"nfd")
    assert s3.get_object(Bucket="nfc", Key="caf\u00e9")["Body"].read() == b"nfc"
    assert s3.get_object(Bucket="nfc", Key="cafe\u0301")["Body"].read() == b"nfd"
    assert len(s3.list_objects_v2(Bucket="nfc")["Contents"]) == 2


def test_keys_differing_only_in_case_are_distinct(s3):
    s3.put_object(Bucket="case", Key="Key", Body=b"upper")
    s3.put_object(Bucket="case", Key="key", Body=b"lower")
    assert s3.get_object(Bucket="case", Key="Key")["Body"].read() == b"upper"
    assert s3.get_object(Bucket="case", Key="key")["Body"].read() == b"lower"


def test_control_characters_in_keys_with_url_encoding(s3):
    # Valid UTF-8 that XML 1.0 cannot carry: S3 stores such keys and lists them intact when the
    # client asks for encoding-type=url (boto3 always does).
    keys = ["ctl\x01key", "ctl\x1f\x7fkey", "nl\nkey", "cr\rkey"]
    for k in keys:
        s3.put_object(Bucket="ctl-keys", Key=k, Body=k.encode())
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket="ctl-keys")["Contents"]]
    assert listed == sorted(keys, key=utf8)
    for k in keys:
        assert s3.get_object(Bucket="ctl-keys", Key=k)["Body"].read() == k.encode()
