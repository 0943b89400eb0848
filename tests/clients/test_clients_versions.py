"""Real clients on versioned buckets: the aws CLI's s3api version commands (and the high-level
`aws s3` ones, which see only current objects), rclone 1.60's `backend versioning`, `--s3-versions`
listings, reads and copies of old versions and `backend cleanup-hidden`, the AWS SDK for
JavaScript v3's ListObjectVersions paging and delete-marker errors, and s3cmd 2.3 (which knows
nothing of versions) working on a versioned bucket.

Each test has its own server (FAKES3_BIN, the ASan build; access log on), started by clientlib's
srv fixture as in the other client suites. What S3 keeps is checked with boto3 next to each
client's own view; every expected value (version ids, bytes, ETags, rclone's version names) is
computed here from what was written. The clients are installed by tests/clients/install.sh."""

import json
import os
import sys
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, HERE)

from s3lib import (DUMMY_KEY_ID, DUMMY_SECRET, AwsCli, S3cmd, clean_env, make_client,  # noqa: E402
                   md5_hex, wait_for, which_aws)
# The client suites' shared helpers and the per-test server fixture (srv, srv_factory).
from clientlib import (INSTALL_HINT, WorkDirs, need, node_modules_ok, read, run,  # noqa: E402,F401
                       same_bytes, srv, srv_factory, with_access_log, write)

MiB = 1024 * 1024


# --- helpers ----------------------------------------------------------------------------------------
def q(b):
    return f'"{md5_hex(b)}"'


def all_versions(c, bucket, **kw):
    """Every version and delete marker, as boto3 sees them: (versions, delete markers)."""
    vs, dms = [], []
    for page in c.get_paginator("list_object_versions").paginate(Bucket=bucket, **kw):
        vs += page.get("Versions", [])
        dms += page.get("DeleteMarkers", [])
    return vs, dms


def vid_list(entries):
    return [(e["Key"], e["VersionId"], e["IsLatest"]) for e in entries]


def wait_past(c, bucket, key):
    """Waits until the clock is past the LastModified of key's newest version or marker (what
    the server answered, in milliseconds), so that the next write is strictly newer."""
    vs, dms = all_versions(c, bucket, Prefix=key)
    newest = max(e["LastModified"] for e in vs + dms if e["Key"] == key)
    wait_for(lambda: datetime.now(timezone.utc) > newest + timedelta(milliseconds=2),
             timeout=10, what=f"the clock to pass {newest}")


def enable_versioning(c, bucket):
    c.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


# =================================================================================================
# aws CLI (v1.45, botocore 1.43): s3api on versions; aws s3 sees only current objects
# =================================================================================================
@with_access_log
def test_awscli_s3api_versions(srv, tmp_path):
    if not which_aws():
        pytest.fail(f"the aws CLI is not on PATH: {INSTALL_HINT}", pytrace=False)
    B = "ver-awscli"
    aws = AwsCli(tmp_path, srv.endpoint)
    c = make_client(srv.endpoint)

    def j(*args):
        return json.loads(aws(*args).stdout or "{}")

    aws("s3api", "create-bucket", "--bucket", B)
    assert "Status" not in j("s3api", "get-bucket-versioning", "--bucket", B)
    aws("s3api", "put-bucket-versioning", "--bucket", B,
        "--versioning-configuration", "Status=Enabled")
    assert j("s3api", "get-bucket-versioning", "--bucket", B).get("Status") == "Enabled"

    bodies = [b"one\n", b"two, a longer one\n", b"three\n"]
    ids = []
    for i, body in enumerate(bodies):
        p = tmp_path / f"v{i}.txt"
        p.write_bytes(body)
        ids.append(j("s3api", "put-object", "--bucket", B, "--key", "doc.txt",
                     "--body", str(p))["VersionId"])
    assert len(set(ids)) == 3 and "null" not in ids, ids

    # --page-size 1: the CLI walks key-marker/version-id-marker one entry at a time and joins.
    lv = j("s3api", "list-object-versions", "--bucket", B, "--page-size", "1")
    assert vid_list(lv["Versions"]) == [("doc.txt", ids[2], True), ("doc.txt", ids[1], False),
                                        ("doc.txt", ids[0], False)], lv
    assert lv.get("DeleteMarkers", []) == []
    assert [(v["Size"], v["ETag"]) for v in lv["Versions"]] == \
        [(len(b), q(b)) for b in bodies[::-1]]

    out = tmp_path / "got"
    out.mkdir()
    g = j("s3api", "get-object", "--bucket", B, "--key", "doc.txt", "--version-id", ids[0],
          str(out / "old.txt"))
    assert g["VersionId"] == ids[0] and read(out / "old.txt") == bodies[0], g
    h = j("s3api", "head-object", "--bucket", B, "--key", "doc.txt", "--version-id", ids[1])
    assert (h["VersionId"], h["ContentLength"], h["ETag"]) == (ids[1], len(bodies[1]), q(bodies[1]))

    # aws s3 rm: a delete marker; aws s3 ls no longer shows the key.
    r = aws("s3", "rm", f"s3://{B}/doc.txt")
    assert f"delete: s3://{B}/doc.txt" in r.stdout, r.stdout
    r = aws("s3", "ls", f"s3://{B}/", check=False)
    assert "doc.txt" not in r.stdout, r.stdout
    lv = j("s3api", "list-object-versions", "--bucket", B)
    [dm] = lv["DeleteMarkers"]
    mid = dm["VersionId"]
    assert (dm["Key"], dm["IsLatest"]) == ("doc.txt", True) and mid not in ids
    assert [v["IsLatest"] for v in lv["Versions"]] == [False, False, False]

    # The marker by version id: 405 for HEAD and GET.
    r = aws("s3api", "head-object", "--bucket", B, "--key", "doc.txt", "--version-id", mid,
            check=False)
    assert r.returncode != 0 and "(405)" in r.stderr, r.stderr
    r = aws("s3api", "get-object", "--bucket", B, "--key", "doc.txt", "--version-id", mid,
            str(out / "marker"), check=False)
    assert r.returncode != 0 and "MethodNotAllowed" in r.stderr, r.stderr
    r = aws("s3", "rb", f"s3://{B}", check=False)
    assert r.returncode != 0 and "BucketNotEmpty" in r.stderr, (r.stdout, r.stderr)

    # Removing the marker brings the key back.
    d = j("s3api", "delete-object", "--bucket", B, "--key", "doc.txt", "--version-id", mid)
    assert d == {"DeleteMarker": True, "VersionId": mid}, d
    aws("s3", "cp", f"s3://{B}/doc.txt", str(out / "current.txt"))
    assert read(out / "current.txt") == bodies[2]

    d = j("s3api", "delete-objects", "--bucket", B, "--delete",
          json.dumps({"Objects": [{"Key": "doc.txt", "VersionId": ids[0]}]}))
    assert d.get("Deleted") == [{"Key": "doc.txt", "VersionId": ids[0]}], d
    cp = j("s3api", "copy-object", "--bucket", B, "--key", "restored.txt",
           "--copy-source", f"{B}/doc.txt?versionId={ids[1]}")
    assert cp["CopySourceVersionId"] == ids[1] and cp["VersionId"] not in (None, "null"), cp

    vs, dms = all_versions(c, B)
    assert vid_list(vs) == [("doc.txt", ids[2], True), ("doc.txt", ids[1], False),
                            ("restored.txt", cp["VersionId"], True)], vs
    assert dms == []
    assert c.get_object(Bucket=B, Key="restored.txt")["Body"].read() == bodies[1]


# =================================================================================================
# rclone 1.60: backend versioning, --s3-versions, cleanup-hidden, purge
# =================================================================================================
def rclone_version_name(key, t):
    """rclone's lib/version.Add (v1.60): the name an old version gets in --s3-versions listings,
    "-vYYYY-MM-DD-HHMMSS-mmm" (milliseconds truncated) put before the extension (Go's path.Ext of
    the whole key), from the version's LastModified in UTC."""
    ext = ""
    for i in range(len(key) - 1, -1, -1):
        if key[i] == "/":
            break
        if key[i] == ".":
            ext = key[i:]
            break
    base = key[:len(key) - len(ext)]
    if ext and not base:
        base, ext = ext, ""
    t = t.astimezone(timezone.utc)
    return f"{base}-v{t:%Y-%m-%d-%H%M%S}-{t.microsecond // 1000:03d}{ext}"


def test_rclone_version_name_matches_rclone():
    """The cases of rclone's own lib/version/version_test.go (TestVersionAdd), and a key with a
    directory."""
    t0 = datetime(1970, 1, 1, 1, 1, 1, 123456, tzinfo=timezone.utc)
    t1 = datetime(2001, 2, 3, 4, 5, 6, 123000, tzinfo=timezone.utc)
    for t, key, want in [
        (t0, "potato.txt", "potato-v1970-01-01-010101-123.txt"),
        (t0, "potato-v2001-02-03-040506-123.txt",
         "potato-v2001-02-03-040506-123-v1970-01-01-010101-123.txt"),
        (t0, "123.!!lipps", "123-v1970-01-01-010101-123.!!lipps"),
        (t1, "potato", "potato-v2001-02-03-040506-123"),
        (t1, ".potato", ".potato-v2001-02-03-040506-123"),
        (t1, ".potato.conf", ".potato-v2001-02-03-040506-123.conf"),
        (t1, "", "-v2001-02-03-040506-123"),
        (t1, "dir.d/gone.txt", "dir.d/gone-v2001-02-03-040506-123.txt"),
        (t1, "dir.d/gone", "dir.d/gone-v2001-02-03-040506-123"),
    ]:
        assert rclone_version_name(key, t) == want, (key, want)


@with_access_log
def test_rclone_s3_versions(srv, tmp_path):
    need("rclone", "rclone")
    B = "ver-rclone"
    c = make_client(srv.endpoint)
    cfg = tmp_path / "rclone.conf"
    cfg.write_text("[fk]\ntype = s3\nprovider = Other\nenv_auth = false\n"
                   f"access_key_id = {DUMMY_KEY_ID}\nsecret_access_key = {DUMMY_SECRET}\n"
                   f"endpoint = {srv.endpoint}\nregion = us-east-1\nforce_path_style = true\n")
    env = clean_env({"HOME": str(tmp_path), "RCLONE_CONFIG": str(cfg)})
    base = ["rclone", "--config", cfg, "-q", "--retries", "1", "--low-level-retries", "1"]

    def rc(*args, check=True, text=True, **kw):
        return run(base + list(args), f"rclone {args[0]}", env=env, check=check, text=text, **kw)

    def lsjson(*args):
        return json.loads(rc("lsjson", *args).stdout)

    rc("mkdir", f"fk:{B}")
    assert rc("backend", "versioning", f"fk:{B}").stdout.strip() == "Unversioned"
    assert rc("backend", "versioning", f"fk:{B}", "Enabled").stdout.strip() == "Enabled"
    assert c.get_bucket_versioning(Bucket=B)["Status"] == "Enabled"

    # Three versions of notes.txt, one of dir/gone.txt then deleted (a marker).
    bodies = [b"notes, first\n", b"notes, second edition\n", b"notes, third\n"]
    for i, body in enumerate(bodies):
        if i:
            wait_past(c, B, "notes.txt")
        rc("rcat", f"fk:{B}/notes.txt", text=False, input=body)
    rc("rcat", f"fk:{B}/dir/gone.txt", text=False, input=b"gone soon\n")
    rc("deletefile", f"fk:{B}/dir/gone.txt")
    vs, dms = all_versions(c, B)
    assert [(v["Key"], v["IsLatest"]) for v in vs] == [
        ("dir/gone.txt", False), ("notes.txt", True), ("notes.txt", False), ("notes.txt", False)]
    assert [(m["Key"], m["IsLatest"]) for m in dms] == [("dir/gone.txt", True)]
    assert [v["ETag"] for v in vs if v["Key"] == "notes.txt"] == [q(b) for b in bodies[::-1]]

    # Without --s3-versions: current objects only. With it: old versions under rclone's names,
    # delete markers left out (backend/s3 versionsList.List).
    assert [e["Path"] for e in lsjson("-R", "--files-only", f"fk:{B}")] == ["notes.txt"]
    want = sorted(v["Key"] if v["IsLatest"] else rclone_version_name(v["Key"], v["LastModified"])
                  for v in vs)
    got = lsjson("-R", "--files-only", "--s3-versions", f"fk:{B}")
    assert sorted(e["Path"] for e in got) == want, (got, want)
    sizes = {e["Path"]: e["Size"] for e in got}
    oldest = [v for v in vs if v["Key"] == "notes.txt"][-1]
    oldest_name = rclone_version_name("notes.txt", oldest["LastModified"])
    assert sizes[oldest_name] == len(bodies[0])

    # An old version read by its name (GetObject with its versionId), and copied server-side
    # (CopyObject with ?versionId in x-amz-copy-source).
    r = rc("cat", "--s3-versions", f"fk:{B}/{oldest_name}", text=False)
    same_bytes(r.stdout, bodies[0], f"rclone cat --s3-versions {oldest_name}")
    rc("copyto", "--s3-versions", f"fk:{B}/{oldest_name}", f"fk:{B}/restored.txt")
    assert c.get_object(Bucket=B, Key="restored.txt")["Body"].read() == bodies[0]
    assert c.get_object(Bucket=B, Key="notes.txt")["Body"].read() == bodies[2]

    # cleanup-hidden: every noncurrent version and every current delete marker go.
    rc("backend", "cleanup-hidden", f"fk:{B}")
    vs, dms = all_versions(c, B)
    assert [(v["Key"], v["IsLatest"], v["ETag"]) for v in vs] == [
        ("notes.txt", True, q(bodies[2])), ("restored.txt", True, q(bodies[0]))], vs
    assert dms == []

    # purge: every version, then the bucket.
    rc("purge", f"fk:{B}")
    with pytest.raises(ClientError) as e:
        c.head_bucket(Bucket=B)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# =================================================================================================
# AWS SDK for JavaScript v3: ListObjectVersions paging, delete-marker errors
# =================================================================================================
JS_VERSIONS = r"""
"use strict";
// Run as `node versions.cjs SPEC.json` by tests/clients/test_clients_versions.py; writes what it
// saw to OUT/report.json, and the test asserts. The SDK comes from tests/clients/js/node_modules.
const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");
const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const sdk = createRequire(path.join(spec.js_dir, "package.json"))("@aws-sdk/client-s3");
const B = spec.bucket;

const s3 = new sdk.S3Client({
  endpoint: spec.endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1,
  credentials: { accessKeyId: spec.access_key, secretAccessKey: spec.secret_key },
});
// The raw answer of the last request, seen below the deserializer (which throws on errors).
let raw = null;
s3.middlewareStack.add((next) => async (args) => {
  const r = await next(args);
  raw = { status: r.response.statusCode, headers: { ...r.response.headers } };
  return r;
}, { step: "deserialize", name: "fakes3RawResponse", priority: "low" });

const text = async (b) => Buffer.from(await b.transformToByteArray()).toString("utf8");
const failure = async (fn) => {
  raw = null;
  try {
    await fn();
    return "succeeded";
  } catch (e) {
    const h = (raw && raw.headers) || {};
    return { name: e.name, status: (e.$metadata && e.$metadata.httpStatusCode) || null,
             raw_status: raw ? raw.status : null, delete_marker: h["x-amz-delete-marker"] || null,
             version: h["x-amz-version-id"] || null, allow: h["allow"] || null };
  }
};
const entries = (r) => ({
  versions: (r.Versions || []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest,
    size: v.Size, etag: v.ETag, storage: v.StorageClass })),
  markers: (r.DeleteMarkers || []).map((m) => ({ key: m.Key, id: m.VersionId, latest: m.IsLatest })),
});

(async () => {
  const report = {};
  await s3.send(new sdk.CreateBucketCommand({ Bucket: B }));
  report.versioning_before = (await s3.send(new sdk.GetBucketVersioningCommand({ Bucket: B }))).Status || null;
  await s3.send(new sdk.PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }));
  report.versioning_after = (await s3.send(new sdk.GetBucketVersioningCommand({ Bucket: B }))).Status || null;

  report.put = [];
  for (const b of spec.bodies) {
    const r = await s3.send(new sdk.PutObjectCommand({ Bucket: B, Key: "doc.txt", Body: Buffer.from(b) }));
    report.put.push(r.VersionId || null);
  }
  report.other_put = (await s3.send(new sdk.PutObjectCommand({ Bucket: B, Key: "dir/other.txt", Body: Buffer.from(spec.other) }))).VersionId || null;
  const d = await s3.send(new sdk.DeleteObjectCommand({ Bucket: B, Key: "dir/other.txt" }));
  report.delete = { marker: d.DeleteMarker === undefined ? null : d.DeleteMarker, id: d.VersionId || null };

  report.pages = [];
  let km, vm;
  for (let i = 0; i < 20; i++) {
    const r = await s3.send(new sdk.ListObjectVersionsCommand({ Bucket: B, MaxKeys: 2, KeyMarker: km, VersionIdMarker: vm }));
    report.pages.push({ ...entries(r), truncated: r.IsTruncated, next_key: r.NextKeyMarker || null,
                        next_version: r.NextVersionIdMarker || null });
    if (!r.IsTruncated) break;
    km = r.NextKeyMarker;
    vm = r.NextVersionIdMarker;
  }
  report.full = entries(await s3.send(new sdk.ListObjectVersionsCommand({ Bucket: B })));

  const g = await s3.send(new sdk.GetObjectCommand({ Bucket: B, Key: "doc.txt", VersionId: report.put[0] }));
  report.get_old = { body: await text(g.Body), id: g.VersionId || null };
  const h = await s3.send(new sdk.HeadObjectCommand({ Bucket: B, Key: "doc.txt" }));
  report.head_latest = { id: h.VersionId || null, length: h.ContentLength };

  const mid = report.delete.id;
  report.head_marker = await failure(() => s3.send(new sdk.HeadObjectCommand({ Bucket: B, Key: "dir/other.txt", VersionId: mid })));
  report.get_marker = await failure(() => s3.send(new sdk.GetObjectCommand({ Bucket: B, Key: "dir/other.txt", VersionId: mid })));
  report.get_deleted = await failure(() => s3.send(new sdk.GetObjectCommand({ Bucket: B, Key: "dir/other.txt" })));

  const dd = await s3.send(new sdk.DeleteObjectCommand({ Bucket: B, Key: "dir/other.txt", VersionId: mid }));
  report.delete_marker = { marker: dd.DeleteMarker === undefined ? null : dd.DeleteMarker, id: dd.VersionId || null };
  report.restored = await text((await s3.send(new sdk.GetObjectCommand({ Bucket: B, Key: "dir/other.txt" }))).Body);
  report.current_keys = ((await s3.send(new sdk.ListObjectsV2Command({ Bucket: B }))).Contents || []).map((o) => o.Key);
  fs.writeFileSync(path.join(spec.out, "report.json"), JSON.stringify(report, null, 1));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@with_access_log
def test_aws_sdk_js_v3_list_object_versions(srv, tmp_path):
    need("node", "node")
    node_modules_ok()
    B = "ver-js-v3"
    bodies = ["first\n", "second, longer\n", "third\n"]
    other = "other object\n"
    work = WorkDirs(tmp_path)
    script = work.dir / "versions.cjs"
    script.write_text(JS_VERSIONS)
    spec = work.dir / "spec.json"
    spec.write_text(json.dumps({
        "endpoint": srv.endpoint, "bucket": B, "bodies": bodies, "other": other,
        "js_dir": os.path.join(HERE, "js"), "out": str(work.out),
        "access_key": DUMMY_KEY_ID, "secret_key": DUMMY_SECRET}))
    run(["node", script, spec], "AWS SDK v3 versions", env=clean_env({"NODE_NO_WARNINGS": "1"}),
        cwd=str(work.dir))
    rep = work.report()

    assert (rep["versioning_before"], rep["versioning_after"]) == (None, "Enabled"), rep
    ids = rep["put"]
    assert None not in ids and "null" not in ids and len(set(ids)) == 3, ids
    other_id = rep["other_put"]
    assert other_id not in (None, "null")
    mid = rep["delete"]["id"]
    assert rep["delete"]["marker"] is True and mid not in (None, "null", other_id), rep["delete"]

    # The whole list: by key ("dir/other.txt" < "doc.txt"), newest first, markers apart.
    full = rep["full"]
    assert [(v["key"], v["id"], v["latest"]) for v in full["versions"]] == [
        ("dir/other.txt", other_id, False), ("doc.txt", ids[2], True), ("doc.txt", ids[1], False),
        ("doc.txt", ids[0], False)], full
    assert [(m["key"], m["id"], m["latest"]) for m in full["markers"]] == \
        [("dir/other.txt", mid, True)], full
    docs = [v for v in full["versions"] if v["key"] == "doc.txt"]
    assert [(v["size"], v["etag"], v["storage"]) for v in docs] == \
        [(len(b), q(b.encode()), "STANDARD") for b in bodies[::-1]], docs

    # Pages of two: MaxKeys counts markers and versions alike, and the next markers name the last
    # entry of the page (moto test_list_object_versions_with_paging, aws_verified).
    pages = rep["pages"]
    got = [([(v["key"], v["id"]) for v in p["versions"]], [(m["key"], m["id"]) for m in p["markers"]],
            p["truncated"], p["next_key"], p["next_version"]) for p in pages]
    assert got == [
        ([("dir/other.txt", other_id)], [("dir/other.txt", mid)], True, "dir/other.txt", other_id),
        ([("doc.txt", ids[2]), ("doc.txt", ids[1])], [], True, "doc.txt", ids[1]),
        ([("doc.txt", ids[0])], [], False, None, None),
    ], got

    assert rep["get_old"] == {"body": bodies[0], "id": ids[0]}, rep["get_old"]
    assert rep["head_latest"] == {"id": ids[2], "length": len(bodies[2])}, rep["head_latest"]
    hm = rep["head_marker"]
    assert hm != "succeeded" and (hm["status"], hm["raw_status"]) == (405, 405), hm
    assert (hm["delete_marker"], hm["allow"]) == ("true", "DELETE"), hm
    gm = rep["get_marker"]
    assert gm != "succeeded" and (gm["name"], gm["status"]) == ("MethodNotAllowed", 405), gm
    assert gm["delete_marker"] == "true", gm
    gd = rep["get_deleted"]
    assert gd != "succeeded" and (gd["name"], gd["status"]) == ("NoSuchKey", 404), gd
    assert (gd["delete_marker"], gd["version"]) == ("true", mid), gd
    assert rep["delete_marker"] == {"marker": True, "id": mid}, rep["delete_marker"]
    assert rep["restored"] == other
    assert rep["current_keys"] == ["dir/other.txt", "doc.txt"]


# =================================================================================================
# s3cmd 2.3 (no version commands) on a versioned bucket
# =================================================================================================
@with_access_log
def test_s3cmd_on_a_versioned_bucket(srv, tmp_path):
    need("/usr/bin/s3cmd", "s3cmd")
    B = "ver-s3cmd"
    hp = f"127.0.0.1:{srv.port}"
    s3c = S3cmd(tmp_path, hp, hp, name="s3cfg-versions")
    c = make_client(srv.endpoint)
    work = WorkDirs(tmp_path)

    r = s3c("mb", f"s3://{B}")
    assert f"Bucket 's3://{B}/' created" in r.stdout, r.stdout
    enable_versioning(c, B)

    first, second = b"first version\n", b"second version, longer\n"
    write(work.inp / "first.txt", first)
    write(work.inp / "second.txt", second)
    s3c("put", work.inp / "first.txt", f"s3://{B}/doc.txt")
    s3c("put", work.inp / "second.txt", f"s3://{B}/doc.txt")
    vs, dms = all_versions(c, B)
    assert [(v["Key"], v["IsLatest"], v["ETag"]) for v in vs] == [
        ("doc.txt", True, q(second)), ("doc.txt", False, q(first))] and dms == []

    s3c("get", f"s3://{B}/doc.txt", work.out / "doc.txt")
    assert read(work.out / "doc.txt") == second
    info = s3c("info", f"s3://{B}/doc.txt").stdout
    assert f"File size: {len(second)}" in info and f"MD5 sum:   {md5_hex(second)}" in info, info
    r = s3c("cp", f"s3://{B}/doc.txt", f"s3://{B}/copy.txt")
    assert f"remote copy: 's3://{B}/doc.txt' -> 's3://{B}/copy.txt'" in r.stdout, r.stdout

    # A multipart upload: CompleteMultipartUpload makes a version.
    big = os.urandom(11 * MiB)
    write(work.inp / "big.bin", big)
    s3c("put", "--multipart-chunk-size-mb=5", work.inp / "big.bin", f"s3://{B}/big.bin")
    g = c.get_object(Bucket=B, Key="big.bin")
    assert g["VersionId"] not in (None, "null") and g["ETag"].endswith('-3"'), g["ETag"]
    same_bytes(g["Body"].read(), big, "big.bin after s3cmd's multipart put")

    # Deletes: one key, then a recursive delete (one DeleteObjects) -- markers, versions kept.
    for name in ("a", "b", "c"):
        write(work.inp / name, name.encode())
        s3c("put", work.inp / name, f"s3://{B}/dir/{name}")
    r = s3c("del", f"s3://{B}/doc.txt")
    assert f"delete: 's3://{B}/doc.txt'" in r.stdout, r.stdout
    r = s3c("del", "--recursive", f"s3://{B}/dir/")
    assert sorted(line for line in r.stdout.splitlines() if line.startswith("delete: ")) == \
        [f"delete: 's3://{B}/dir/{n}'" for n in ("a", "b", "c")], r.stdout
    ls = sorted(line.split()[-1] for line in s3c("ls", "--recursive", f"s3://{B}").stdout.splitlines())
    assert ls == [f"s3://{B}/big.bin", f"s3://{B}/copy.txt"], ls
    r = s3c("info", f"s3://{B}/doc.txt", check=False)
    assert r.returncode != 0 and "404" in r.stderr, r.stderr
    vs, dms = all_versions(c, B)
    assert sorted((m["Key"], m["IsLatest"]) for m in dms) == [
        ("dir/a", True), ("dir/b", True), ("dir/c", True), ("doc.txt", True)], dms
    assert [(v["Key"], v["IsLatest"]) for v in vs if v["Key"].startswith(("doc", "dir"))] == [
        ("dir/a", False), ("dir/b", False), ("dir/c", False), ("doc.txt", False),
        ("doc.txt", False)], vs
    doc = [v for v in vs if v["Key"] == "doc.txt"]
    assert c.get_object(Bucket=B, Key="doc.txt", VersionId=doc[0]["VersionId"])["Body"].read() == \
        second

    # rb --recursive deletes every current object, then DeleteBucket: versions and markers are
    # still there, so S3 answers 409 BucketNotEmpty and the bucket stays.
    r = s3c("rb", "--recursive", f"s3://{B}", check=False)
    assert r.returncode != 0 and "BucketNotEmpty" in r.stdout + r.stderr, (r.stdout, r.stderr)
    assert c.head_bucket(Bucket=B)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert c.list_objects_v2(Bucket=B)["KeyCount"] == 0
    vs, dms = all_versions(c, B)
    assert len(vs) == 7 and all(not v["IsLatest"] for v in vs), vs
    assert len(dms) == 6 and all(m["IsLatest"] for m in dms), dms
