"""Real clients against fakes3: each of the 9 clients whose traffic is in ../shared/fixtures/wire runs
one workflow against a fresh server (FAKES3_BIN, the ASan build): create bucket, put small and a
20 MiB single-part object, get, ranged get, head, list with prefix and delimiter, copy, delete,
batch delete (where the client has it), remove a bucket, and at the end the stored bytes are read
back without any client library (py/rawcheck.py) and compared.

The clients are installed by tests/clients/install.sh. The library clients run helper programs
(py/boto3_workflow.py, js/*.mjs, go/minio_go_workflow.go) that do the steps and write what they
saw to a report; every assertion is made here, from the same expectations for all. The shared
helpers and the per-test server live in clientlib.py; test_clients_auth.py runs these same
workflows against a server with keys."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from clientlib import (B_TXT, BATCH, CONTENT, COPY, DELETE, FINAL, INSTALL_HINT,  # noqa: E402,F401
                       LARGE, LARGE_SIZE, LIST_DELIM, LIST_PREFIX, RANGE, SMALL, TOP, Workspace,
                       b64, boto3_env, build_go, check_stored, check_wire, check_workflow, checksum,
                       need, node_modules_ok, pyenv_python, read, run, run_helper, same_bytes,
                       srv, srv_factory, with_access_log, write)
from s3lib import DUMMY_KEY_ID, DUMMY_SECRET, AwsCli, S3cmd, clean_env, md5_hex, which_aws  # noqa: E402


def test_checksum_helpers_against_check_values():
    """The local checksum functions the client tests compare with, against published values."""
    assert checksum("CRC32", b"123456789") == b64(0xCBF43926, 32)
    assert checksum("CRC32C", b"123456789") == b64(0xE3069283, 32)
    assert checksum("CRC64NVME", b"123456789") == b64(0xAE8B14860A799888, 64)


# =================================================================================================
# boto3: the pyenv one (1.43, CRC32 by default) and Debian's (1.26, Content-MD5 era)
# =================================================================================================
def _boto3_workflow(srv, tmp_path, python, want_major_minor, bucket):
    ws = Workspace(tmp_path, bucket, srv.endpoint)
    rep, _ = run_helper([python, os.path.join(HERE, "py", "boto3_workflow.py")], ws,
                        f"boto3 workflow ({python})", env=boto3_env())
    assert rep["boto3"].startswith(want_major_minor), rep["boto3"]
    check_workflow(ws, rep)
    assert rep["range_status"] == 206 and rep["content_range"] == \
        f"bytes {RANGE[0]}-{RANGE[0] + RANGE[1] - 1}/{LARGE_SIZE}", rep
    assert rep["list_v1"] == rep["list"], rep
    assert rep["put_etag"] == f'"{md5_hex(SMALL)}"', rep
    for key, sums in rep["put_checksums"].items():
        for alg, value in sums.items():
            want = checksum(alg, CONTENT[key])
            assert value == want, f"PutObject {key} Checksum{alg}: {value!r}, want {want!r}"
            got = rep["head_checksums"][key][alg]
            assert got == want, f"HeadObject ChecksumMode=ENABLED {key} Checksum{alg}: {got!r}"
    check_wire(srv, bucket)
    check_stored(srv.observe(bucket), FINAL)
    return rep


@with_access_log
def test_boto3_pyenv(srv, tmp_path):
    python, version = pyenv_python()
    _boto3_workflow(srv, tmp_path, python, "1.4", "wf-boto3-new")


@with_access_log
def test_boto3_debian(srv, tmp_path):
    python = need("/usr/bin/python3", "Debian's python3")
    _boto3_workflow(srv, tmp_path, python, "1.26.", "wf-boto3-deb")


# =================================================================================================
# aws CLI (v1.45, botocore 1.43)
# =================================================================================================
@with_access_log
def test_awscli(srv, tmp_path):
    if not which_aws():
        pytest.fail(f"the aws CLI is not on PATH: {INSTALL_HINT}", pytrace=False)
    B = "wf-awscli"
    ws = Workspace(tmp_path, B, srv.endpoint)
    aws = AwsCli(tmp_path, srv.endpoint)
    # Keep every transfer single-part (the default threshold is 8 MB).
    with open(aws.config, "w") as f:
        f.write("[default]\nregion = us-east-1\noutput = json\n"
                "s3 =\n    multipart_threshold = 64MB\n    multipart_chunksize = 64MB\n")
    out = ws.out
    f = ws.files

    def j(*args):
        return json.loads(aws(*args).stdout or "{}")

    rep = {}
    r = aws("s3", "mb", f"s3://{B}")
    assert f"make_bucket: {B}" in r.stdout, r.stdout
    aws("s3api", "create-bucket", "--bucket", ws.rm_bucket)

    aws("s3", "cp", f["dir/a.txt"], f"s3://{B}/dir/a.txt")
    put = j("s3api", "put-object", "--bucket", B, "--key", "dir/b.txt", "--body", f["dir/b.txt"],
            "--checksum-algorithm", "SHA256")
    assert put.get("ChecksumSHA256") == checksum("SHA256", B_TXT), put
    aws("s3", "cp", f["dir/sub/c.txt"], f"s3://{B}/dir/sub/c.txt")
    # From standard input: size unknown to the CLI, still one PutObject under the threshold.
    r = subprocess.run([aws.bin, "--endpoint-url", srv.endpoint, "s3", "cp", "-", f"s3://{B}/top.txt"],
                       input=TOP, capture_output=True, env=aws.env(), timeout=120)
    assert r.returncode == 0, r.stderr
    r = aws("s3", "cp", f["large.bin"], f"s3://{B}/large.bin")
    assert "upload: " in r.stdout and f"s3://{B}/large.bin" in r.stdout, r.stdout

    aws("s3", "cp", f"s3://{B}/dir/a.txt", out / "a.txt")
    aws("s3", "cp", f"s3://{B}/large.bin", out / "large.bin")
    off, n = RANGE
    g = j("s3api", "get-object", "--bucket", B, "--key", "large.bin", "--range",
          f"bytes={off}-{off + n - 1}", out / "range.bin")
    assert g.get("ContentRange") == f"bytes {off}-{off + n - 1}/{LARGE_SIZE}", g
    assert g.get("ContentLength") == n, g

    h = j("s3api", "head-object", "--bucket", B, "--key", "large.bin")
    rep["head"] = {"size": h["ContentLength"], "etag": h["ETag"]}

    lst = j("s3api", "list-objects-v2", "--bucket", B, "--prefix", LIST_PREFIX,
            "--delimiter", LIST_DELIM)
    rep["list"] = {"keys": [o["Key"] for o in lst.get("Contents", [])],
                   "prefixes": [p["Prefix"] for p in lst.get("CommonPrefixes", [])]}
    # The high-level listing (list-objects-v2 with delimiter under the hood) agrees.
    lines = aws("s3", "ls", f"s3://{B}/dir/").stdout.splitlines()
    ls = {"keys": [], "prefixes": []}
    for line in lines:
        parts = line.split()
        if parts[:1] == ["PRE"]:
            ls["prefixes"].append("dir/" + parts[1])
        else:
            ls["keys"].append("dir/" + parts[3])
    rep["list_ls"] = ls

    r = aws("s3", "cp", f"s3://{B}/{COPY[0]}", f"s3://{B}/{COPY[1]}")
    assert f"copy: s3://{B}/{COPY[0]} to s3://{B}/{COPY[1]}" in r.stdout, r.stdout

    r = aws("s3", "rm", f"s3://{B}/{DELETE}")
    assert f"delete: s3://{B}/{DELETE}" in r.stdout, r.stdout
    r = aws("s3api", "head-object", "--bucket", B, "--key", DELETE, check=False)
    rep["deleted_head"] = 404 if r.returncode != 0 and "(404)" in r.stderr else (r.returncode, r.stderr)

    d = j("s3api", "delete-objects", "--bucket", B, "--delete",
          json.dumps({"Objects": [{"Key": k} for k in BATCH]}))
    rep["batch_deleted"] = sorted(o["Key"] for o in d.get("Deleted", []))
    rep["batch_errors"] = d.get("Errors", [])

    r = aws("s3", "rb", f"s3://{ws.rm_bucket}")
    assert f"remove_bucket: {ws.rm_bucket}" in r.stdout, r.stdout
    rep["buckets"] = sorted(b["Name"] for b in j("s3api", "list-buckets")["Buckets"])

    rep["final_keys"] = [o["Key"] for o in j("s3api", "list-objects-v2", "--bucket", B)["Contents"]]
    aws("s3", "cp", f"s3://{B}/{COPY[1]}", out / "copy.bin")

    check_workflow(ws, rep)
    assert rep["list_ls"] == rep["list"], rep["list_ls"]
    check_wire(srv, B)
    check_stored(srv.observe(B), FINAL)


# =================================================================================================
# s3cmd 2.3: path style with SigV4, and virtual-host style with SigV2 in a network namespace
# =================================================================================================
def _s3cmd_workflow(srv, tmp_path, s3c, B, ws):
    out = ws.out
    f = ws.files
    rep = {}

    r = s3c("mb", f"s3://{B}")
    assert f"Bucket 's3://{B}/' created" in r.stdout, r.stdout
    s3c("mb", f"s3://{ws.rm_bucket}")
    # Several files into one prefix in one command, then single files; never multipart.
    s3c("put", f["dir/a.txt"], f["dir/b.txt"], f"s3://{B}/dir/")
    s3c("put", f["dir/sub/c.txt"], f"s3://{B}/dir/sub/c.txt")
    s3c("put", f["top.txt"], f"s3://{B}/top.txt")
    s3c("put", "--disable-multipart", f["large.bin"], f"s3://{B}/large.bin")

    s3c("get", f"s3://{B}/dir/a.txt", out / "a.txt")
    s3c("get", f"s3://{B}/large.bin", out / "large.bin")
    # Ranged get: `get --continue` asks for the rest of a partial file (Range: bytes=N-).
    off = RANGE[0]
    write(out / "resumed.bin", LARGE[:off])
    s3c("get", "--continue", f"s3://{B}/large.bin", out / "resumed.bin")
    same_bytes(read(out / "resumed.bin"), LARGE, f"s3cmd get --continue from byte {off}")

    # Head: `info` is HEAD object plus GET ?acl (and ?policy/?cors for a bucket).
    info = s3c("info", f"s3://{B}/large.bin").stdout
    fields = dict((k.strip(), v.strip()) for k, _, v in
                  (line.partition(":") for line in info.splitlines()[1:]) if k.strip())
    rep["head"] = {"size": int(fields.get("File size", "-1")), "etag": fields.get("MD5 sum", "")}
    binfo = s3c("info", f"s3://{B}").stdout
    assert "Policy:" in binfo and "CORS:" in binfo, binfo

    ls = {"keys": [], "prefixes": []}
    for line in s3c("ls", f"s3://{B}/{LIST_PREFIX}").stdout.splitlines():
        parts = line.split()
        if parts[0] == "DIR":
            ls["prefixes"].append(parts[1][len(f"s3://{B}/"):])
        else:
            ls["keys"].append(parts[3][len(f"s3://{B}/"):])
    rep["list"] = ls

    r = s3c("cp", f"s3://{B}/{COPY[0]}", f"s3://{B}/{COPY[1]}")
    assert f"remote copy: 's3://{B}/{COPY[0]}' -> 's3://{B}/{COPY[1]}'" in r.stdout, r.stdout

    r = s3c("del", f"s3://{B}/{DELETE}")
    assert f"delete: 's3://{B}/{DELETE}'" in r.stdout, r.stdout
    r = s3c("info", f"s3://{B}/{DELETE}", check=False)
    rep["deleted_head"] = 404 if r.returncode != 0 and "404" in r.stderr else (r.returncode, r.stderr)

    # Batch delete: a recursive delete with an exclude goes through one DeleteObjects.
    # (--exclude matches the key relative to the URI given.)
    r = s3c("del", "--recursive", "--exclude", "a.txt", f"s3://{B}/dir/")
    rep["batch_deleted"] = sorted(line.split("'")[1][len(f"s3://{B}/"):]
                                  for line in r.stdout.splitlines() if line.startswith("delete: "))
    rep["batch_errors"] = []

    r = s3c("rb", f"s3://{ws.rm_bucket}")
    assert f"Bucket 's3://{ws.rm_bucket}/' removed" in r.stdout, r.stdout
    rep["buckets"] = sorted(line.split()[-1][len("s3://"):] for line in s3c("ls").stdout.splitlines())

    rep["final_keys"] = sorted(line.split()[-1][len(f"s3://{B}/"):]
                               for line in s3c("ls", "--recursive", f"s3://{B}").stdout.splitlines())
    s3c("get", f"s3://{B}/{COPY[1]}", out / "copy.bin")

    check_workflow(ws, rep, range_file=None)
    return rep


def s3cmd_signature(s3c, v2):
    """Sets s3cmd's config to sign with SigV2 (v2) or SigV4."""
    with open(s3c.path) as fh:
        cfg = fh.read()
    cfg = cfg.replace("signature_v2 = False", f"signature_v2 = {v2}")
    with open(s3c.path, "w") as fh:
        fh.write(cfg)


@with_access_log
def test_s3cmd_path_style(srv, tmp_path, v2=False):
    need("/usr/bin/s3cmd", "s3cmd")
    B = "wf-s3cmd-path"
    ws = Workspace(tmp_path, B, srv.endpoint)
    hp = f"127.0.0.1:{srv.port}"
    s3c = S3cmd(tmp_path, hp, hp, name="s3cfg-path")
    s3cmd_signature(s3c, v2)
    _s3cmd_workflow(srv, tmp_path, s3c, B, ws)
    log = srv.server.stdout()
    assert f"PUT /{B}/large.bin " in log, "path-style requests expected in the access log"
    check_wire(srv, B)
    check_stored(srv.observe(B), FINAL)


def test_s3cmd_vhost_sigv2(srv_factory, tmp_path, v2=True):
    need("/usr/bin/s3cmd", "s3cmd")
    B = "wf-s3cmd-vhost"
    srv = srv_factory(netns_hosts=["localhost", "fakes3", f"{B}.fakes3", f"{B}-rm.fakes3"])
    try:
        ws = Workspace(tmp_path, B, f"http://fakes3:{srv.port}")
        s3c = S3cmd(tmp_path, f"fakes3:{srv.port}", f"%(bucket)s.fakes3:{srv.port}",
                    netns=srv.server.netns, name="s3cfg-vhost")
        s3cmd_signature(s3c, v2)
        _s3cmd_workflow(srv, tmp_path, s3c, B, ws)
        # Virtual-host requests carry the key alone as the target.
        log = srv.server.stdout()
        assert "PUT /large.bin " in log and f"/{B}/" not in log, \
            "only virtual-host requests expected in the access log"
        check_wire(srv, B, vhost=True)
        check_stored(srv.observe(B), FINAL)
    except (AssertionError, subprocess.SubprocessError, OSError) as e:
        raise AssertionError(f"{e}\n--- fakes3 access log (tail) ---\n{srv.log_tail()}") from None


# =================================================================================================
# rclone 1.60 (s3 remote, provider Other, path style)
# =================================================================================================
@with_access_log
def test_rclone(srv, tmp_path):
    need("rclone", "rclone")
    B = "wf-rclone"
    ws = Workspace(tmp_path, B, srv.endpoint)
    cfg = tmp_path / "rclone.conf"
    cfg.write_text("[fk]\ntype = s3\nprovider = Other\nenv_auth = false\n"
                   f"access_key_id = {DUMMY_KEY_ID}\nsecret_access_key = {DUMMY_SECRET}\n"
                   f"endpoint = {srv.endpoint}\nregion = us-east-1\nforce_path_style = true\n")
    env = clean_env({"HOME": str(tmp_path), "RCLONE_CONFIG": str(cfg)})
    base = ["rclone", "--config", cfg, "-q", "--retries", "1", "--low-level-retries", "1",
            "--s3-upload-cutoff", "64M", "--s3-chunk-size", "64M", "--multi-thread-cutoff", "1G"]

    def rc(*args, check=True, text=True):
        return run(base + list(args), f"rclone {args[0]}", env=env, check=check, text=text)

    def lsjson(*args):
        return json.loads(rc("lsjson", *args).stdout)

    out, f = ws.out, ws.files
    rep = {}
    rc("mkdir", f"fk:{B}")
    rc("mkdir", f"fk:{ws.rm_bucket}")
    for key in ("dir/a.txt", "dir/b.txt", "dir/sub/c.txt", "top.txt", "large.bin"):
        rc("copyto", f[key], f"fk:{B}/{key}")

    rc("copyto", f"fk:{B}/dir/a.txt", out / "a.txt")
    rc("copyto", f"fk:{B}/large.bin", out / "large.bin")
    off, n = RANGE
    r = rc("cat", "--offset", off, "--count", n, f"fk:{B}/large.bin", text=False)
    write(out / "range.bin", r.stdout)

    st = lsjson("--stat", "--hash", f"fk:{B}/large.bin")
    rep["head"] = {"size": st["Size"], "etag": st.get("Hashes", {}).get("md5", "")}

    ls = {"keys": [], "prefixes": []}
    for e in lsjson(f"fk:{B}/dir"):
        if e["IsDir"]:
            ls["prefixes"].append(f"dir/{e['Path']}/")
        else:
            ls["keys"].append(f"dir/{e['Path']}")
    rep["list"] = ls

    rc("copyto", f"fk:{B}/{COPY[0]}", f"fk:{B}/{COPY[1]}")  # server-side CopyObject

    rc("deletefile", f"fk:{B}/{DELETE}")
    # rclone stats a path with HEAD; with no object there it answers a directory entry.
    st = lsjson("--stat", f"fk:{B}/{DELETE}")
    rep["deleted_head"] = 404 if st.get("IsDir") is True and st.get("Size") == -1 else st

    # rclone deletes one key at a time (no DeleteObjects in 1.60): delete with a filter.
    rc("delete", f"fk:{B}/dir", "--exclude", "/a.txt")
    rc("rmdir", f"fk:{ws.rm_bucket}")
    rep["buckets"] = sorted(e["Path"] for e in lsjson("fk:"))

    rep["final_keys"] = sorted(e["Path"] for e in lsjson("-R", "--files-only", f"fk:{B}"))
    write(out / "copy.bin", rc("cat", f"fk:{B}/{COPY[1]}", text=False).stdout)

    check_workflow(ws, rep, batch=False)
    check_wire(srv, B, batch=False)
    check_stored(srv.observe(B), FINAL)


# =================================================================================================
# AWS SDK for JavaScript v3 (default checksums: CRC32, aws-chunked trailers for streams)
# =================================================================================================
@with_access_log
def test_aws_sdk_js_v3(srv, tmp_path):
    need("node", "node")
    node_modules_ok()
    B = "wf-js-v3"
    ws = Workspace(tmp_path, B, srv.endpoint)
    rep, _ = run_helper(["node", os.path.join(HERE, "js", "aws_sdk_v3_workflow.mjs")], ws,
                        "AWS SDK for JavaScript v3 workflow")
    check_workflow(ws, rep)
    assert rep["content_range"] == f"bytes {RANGE[0]}-{RANGE[0] + RANGE[1] - 1}/{LARGE_SIZE}", rep
    # The SDK's default checksum on a Buffer PutObject, and what it announced on the stream puts.
    assert rep["put_crc32"] == checksum("CRC32", SMALL), rep["put_crc32"]
    assert rep["large_crc32"] == checksum("CRC32", LARGE), rep["large_crc32"]
    assert rep["large_framing"] == "aws-chunked", rep["large_framing"]
    # One small stream per algorithm (aws-chunked, trailer): stored, returned by PutObject and by
    # HeadObject with ChecksumMode=ENABLED, and the body read back intact.
    data = rep["sums_body"].encode()
    assert sorted(rep["sums"]) == ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"], rep["sums"]
    for alg, s in rep["sums"].items():
        want = checksum(alg, data)
        assert s["put"] == want, f"{alg}: PutObject answered {s['put']!r}, want {want!r}"
        assert s["head"] == want, f"{alg}: HeadObject answered {s['head']!r}, want {want!r}"
        assert s["get_ok"] is True, f"{alg}: {s['get_ok']!r}"
    assert rep["sums_deleted"] == [], rep["sums_deleted"]
    assert rep["upload_lib_storage"] is True, rep
    check_wire(srv, B)
    check_stored(srv.observe(B), FINAL)


# =================================================================================================
# minio-js 8
# =================================================================================================
@with_access_log
def test_minio_js(srv, tmp_path):
    need("node", "node")
    node_modules_ok()
    B = "wf-minio-js"
    ws = Workspace(tmp_path, B, srv.endpoint, port=srv.port)
    rep, _ = run_helper(["node", os.path.join(HERE, "js", "minio_js_workflow.mjs")], ws,
                        "minio-js workflow")
    check_workflow(ws, rep)
    assert rep["list_v1"] == rep["list"], rep
    check_wire(srv, B)
    check_stored(srv.observe(B), FINAL)


# =================================================================================================
# minio-go 7 (Debian's source; signs every chunk: STREAMING-AWS4-HMAC-SHA256-PAYLOAD)
# =================================================================================================
@with_access_log
def test_minio_go(srv, tmp_path):
    exe = build_go()
    B = "wf-minio-go"
    ws = Workspace(tmp_path, B, srv.endpoint, port=srv.port)
    rep, _ = run_helper([exe], ws, "minio-go workflow")
    check_workflow(ws, rep)
    assert rep["list_v1"] == rep["list"], rep
    assert rep["put_etag"] == md5_hex(SMALL), rep["put_etag"]
    assert rep["meta_color"] == "green", rep  # user metadata on a chunk-signed upload
    check_wire(srv, B)
    check_stored(srv.observe(B), FINAL)


# =================================================================================================
# s3fs-fuse 1.90
# =================================================================================================
@with_access_log
def test_s3fs(srv, tmp_path):
    need("s3fs", "s3fs")
    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse is missing: s3fs cannot mount here")
    B = "wf-s3fs"
    ws = Workspace(tmp_path, B, srv.endpoint)
    # s3fs cannot create a bucket: a raw PUT does.
    r = srv.raw("PUT", f"/{B}")
    assert r.status == 200, r
    pw = tmp_path / "s3fs.passwd"
    pw.write_text(f"{DUMMY_KEY_ID}:{DUMMY_SECRET}\n")
    os.chmod(pw, 0o600)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    logf = open(tmp_path / "s3fs.log", "wb")
    proc = subprocess.Popen(
        ["s3fs", B, str(mnt), "-f",
         "-o", f"url={srv.endpoint},use_path_request_style,passwd_file={pw},nomultipart,"
               "endpoint=us-east-1,stat_cache_expire=1,dbglevel=warn,retries=1"],
        stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=clean_env())
    logf.close()
    try:
        deadline = time.monotonic() + 20
        while not os.path.ismount(mnt):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"s3fs did not mount (exit {proc.poll()}):\n"
                                     f"{(tmp_path / 's3fs.log').read_text()[-3000:]}")
            time.sleep(0.05)
        M = str(mnt)
        out = ws.out
        rep = {}
        os.makedirs(os.path.join(M, "dir", "sub"))
        for key in ("dir/a.txt", "dir/b.txt", "dir/sub/c.txt", "top.txt", "large.bin"):
            shutil.copyfile(ws.files[key], os.path.join(M, key))

        # Reads go through s3fs's cache file, filled with ranged GETs.
        shutil.copyfile(os.path.join(M, "dir", "a.txt"), out / "a.txt")
        shutil.copyfile(os.path.join(M, "large.bin"), out / "large.bin")
        off, n = RANGE
        with open(os.path.join(M, "large.bin"), "rb") as fh:
            fh.seek(off)
            write(out / "range.bin", fh.read(n))
        rep["head"] = {"size": os.stat(os.path.join(M, "large.bin")).st_size, "etag": None}

        ents = sorted(os.listdir(os.path.join(M, "dir")))
        rep["list"] = {"keys": [f"dir/{e}" for e in ents if not os.path.isdir(os.path.join(M, "dir", e))],
                       "prefixes": [f"dir/{e}/" for e in ents if os.path.isdir(os.path.join(M, "dir", e))]}

        # Copy: a client-side copy, then a rename (CopyObject + DeleteObject); chmod is a copy
        # of the object onto itself with REPLACE.
        os.mkdir(os.path.join(M, "copy"))
        shutil.copyfile(os.path.join(M, COPY[0]), os.path.join(M, "copy", "tmp.txt"))
        os.rename(os.path.join(M, "copy", "tmp.txt"), os.path.join(M, COPY[1]))
        os.chmod(os.path.join(M, COPY[0]), 0o600)
        assert os.stat(os.path.join(M, COPY[0])).st_mode & 0o777 == 0o600

        os.remove(os.path.join(M, DELETE))
        rep["deleted_head"] = 404 if not os.path.exists(os.path.join(M, DELETE)) else "still there"
        # No batch delete in s3fs: a tree removal is one DeleteObject per key.
        os.remove(os.path.join(M, "dir", "b.txt"))
        shutil.rmtree(os.path.join(M, "dir", "sub"))

        rep["final_keys"] = sorted(
            os.path.relpath(os.path.join(d, fn), M) for d, _, fns in os.walk(M) for fn in fns)
        shutil.copyfile(os.path.join(M, COPY[1]), out / "copy.bin")
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)

    check_workflow(ws, rep, etag=False, batch=False, buckets=False)
    check_wire(srv, B, batch=False)
    # s3fs keeps a directory object per folder it made.
    final = dict(FINAL)
    final["dir/"] = b""
    final["copy/"] = b""
    check_stored(srv.observe(B), final)
    # The chmod (copy onto itself, REPLACE) kept the bytes and recorded the mode.
    h = srv.raw("HEAD", f"/{B}/{COPY[0]}")
    assert h.status == 200 and h.header("x-amz-meta-mode") is not None, h
    assert int(h.header("x-amz-meta-mode")) & 0o777 == 0o600, h
