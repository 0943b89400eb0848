"""The web console (/_fakes3/console/, files embedded in the binary) driven in a real Chromium.

console.mjs (playwright-core, Debian's /usr/bin/chromium; both installed by
tests/browser/install.sh) performs the whole flow of one mode by clicking, typing and dropping
files as a person would, and prints what the page showed as JSON; every assertion is made here,
and what the console claims to have done is checked against the server with boto3.

- open mode: create buckets (one with object lock and a region), see a bucket's configuration,
  delete a bucket (confirmation dialog), upload three files by drag and drop (one of 12 MiB goes
  multipart: its progress bar takes values between 0 and its size before the upload completes),
  make a folder and drop a file in it, browse into it, an object's details, a presigned link
  (fetched here, bytes compared), download, prefix search, delete two objects (confirmation
  dialog), pagination over 250 keys (100 a page, next/previous), the versions view with a delete
  marker, the journal (the requests just made, a new one followed live, a filter, one request's
  headers), a fault rule whose hit count rises after a matching request, the clock advanced by
  3 days (by keyboard), the charts, a narrow window.
- signed mode (--access-key/--secret-key): the login form, a wrong secret refused with a message,
  login, S3 screens signed (bucket, upload, presigned link), the journal, logout back to the form.

In both, the page makes no request outside the server's origin. Screenshots of each screen are
kept under build/artefacts/console/ (paths printed) with the first contentful paint time
(timing.json; printed, not asserted); the object browser's is copied to docs/console.png when
that is missing or FAKES3_CONSOLE_SCREENSHOT=1."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from s3lib import DUMMY_KEY_ID, DUMMY_SECRET, Server  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

INSTALL_HINT = "run tests/browser/install.sh"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = os.path.join(REPO, "build", "artefacts", "console")
BUCKET = "console-bkt"
SEEDED = "console-seeded"
LOCKED = "console-locked"
BIG = 12 * 1024 * 1024 + 345678
LARGE = 33 * 1024 * 1024 + 5  # over the console's 32 MiB: downloaded through a presigned link


def pattern(size, seed):
    """The bytes console.mjs puts in a dropped file: byte i is (i * 31 + seed) & 255."""
    period = bytes((i * 31 + seed) & 255 for i in range(256))
    return (period * (size // 256 + 1))[:size]


@pytest.fixture(scope="module")
def node():
    for what, path in (("node", shutil.which("node")), ("Chromium", CHROMIUM),
                       ("playwright-core", os.path.join(HERE, "node_modules", "playwright-core",
                                                        "package.json"))):
        if not path or not os.path.exists(path):
            pytest.fail(f"{what} is missing ({path}): {INSTALL_HINT}", pytrace=False)
    os.makedirs(ARTEFACTS, exist_ok=True)
    return shutil.which("node")


def start(tmp_path, args=()):
    srv = Server(tmp_path, args=list(args))
    srv.start()
    return srv


def stop(srv):
    rc = srv.stop()
    report = srv.sanitizer_report()
    assert not report, f"sanitizer report from fakes3:\n{report[-6000:]}"
    assert rc == 0, f"fakes3 exited {rc} on SIGTERM; stderr:\n{srv.stderr()[-3000:]}"


def drive(node, tmp_path, spec):
    spec = {"artefacts": ARTEFACTS, "timeout_ms": 30000, **spec}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    # console.mjs bounds every wait itself (30 s each); this bound is for a wedged process.
    p = subprocess.run([node, os.path.join(HERE, "console.mjs"), str(path)], cwd=HERE,
                       capture_output=True, text=True, timeout=600)
    assert p.stdout.strip(), f"console.mjs printed nothing (exit {p.returncode}):\n{p.stderr[-3000:]}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    for shot in out["screenshots"]:
        print(f"screenshot: {shot}")
    assert "error" not in out, (f"console.mjs failed at {out['steps'][-1]}: {out['error']}\n"
                                f"console: {out['console']}\nscreenshots: {out['screenshots']}")
    assert p.returncode == 0, p.stderr[-3000:]
    return out


def record_timing(mode, out):
    path = os.path.join(ARTEFACTS, "timing.json")
    try:
        with open(path) as f:
            timing = json.load(f)
    except (OSError, ValueError):
        timing = {}
    timing[mode] = out["timing"]
    with open(path, "w") as f:
        json.dump(timing, f, indent=1)
    print(f"first screen ({mode}): {out['timing']} (recorded in {path})")


def assert_same_origin(out, base, cancelled=()):
    outside = [u for u in out["requests"]
               if not (u.startswith(base + "/") or u.startswith("blob:") or u.startswith("data:"))]
    assert outside == [], f"requests outside {base}: {outside}"
    # The only requests that may fail are the uploads the flow cancelled.
    failed = [f for f in out["failed"]
              if not (f["error"] == "net::ERR_ABORTED" and any(c in f["url"] for c in cancelled))]
    assert failed == [], failed
    errors = [c for c in out["console"] if c.startswith(("pageerror", "error"))
              # A refused call is logged by Chromium as a failed resource load; those are expected
              # where the flow provokes them (a wrong login, a fault rule, "not set" configs).
              and "Failed to load resource" not in c]
    assert errors == [], errors


def test_console_assets(tmp_path):
    """The files are served from the binary with their headers, a 304 for a matching ETag, 404
    for an unknown one, and /_fakes3/console redirects to /_fakes3/console/; no signature is
    needed even when signatures are checked."""
    srv = start(tmp_path, ["--access-key", DUMMY_KEY_ID, "--secret-key", DUMMY_SECRET])
    try:
        base = f"http://127.0.0.1:{srv.port}/_fakes3/console"

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as e:
            opener.open(base)
        assert e.value.code in (301, 302) and e.value.headers["Location"] == "/_fakes3/console/"
        types = {"": "text/html", "index.html": "text/html", "style.css": "text/css",
                 "app.js": "text/javascript", "sigv4.js": "text/javascript",
                 "s3api.js": "text/javascript", "ops.js": "text/javascript"}
        for name, ctype in types.items():
            with urllib.request.urlopen(f"{base}/{name}") as r:
                body = r.read()
                h = r.headers
            assert r.status == 200 and h["Content-Type"].startswith(ctype), (name, dict(h))
            src = os.path.join(REPO, "console", name or "index.html")
            with open(src, "rb") as f:
                assert body == f.read(), f"{name}: served bytes differ from console/{name}"
            assert h["Cache-Control"] == "no-cache"
            assert h["X-Content-Type-Options"] == "nosniff"
            csp = h["Content-Security-Policy"]
            for d in ("default-src 'self'", "script-src 'self'", "connect-src 'self'",
                      "frame-ancestors 'none'"):
                assert d in csp, csp
            etag = h["ETag"]
            assert etag.startswith('"') and etag.endswith('"')
            req = urllib.request.Request(f"{base}/{name}", headers={"If-None-Match": etag})
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req)
            assert e.value.code == 304 and e.value.headers["ETag"] == etag
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{base}/nope.js")
        assert e.value.code == 404
        # The rest of the control namespace still needs a signature.
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/_fakes3/info")
        assert e.value.code == 403
    finally:
        stop(srv)


def test_console_open_mode(node, tmp_path):
    srv = start(tmp_path)
    try:
        s3 = srv.client()
        # A bucket with more keys than a page, and a versioned key with a delete marker.
        s3.create_bucket(Bucket=SEEDED)
        s3.put_bucket_versioning(Bucket=SEEDED, VersioningConfiguration={"Status": "Enabled"})
        for i in range(250):
            s3.put_object(Bucket=SEEDED, Key=f"many/{i:04d}", Body=b"x")
        s3.put_object(Bucket=SEEDED, Key="v.txt", Body=b"one")
        s3.put_object(Bucket=SEEDED, Key="v.txt", Body=b"two!")
        s3.delete_object(Bucket=SEEDED, Key="v.txt")
        large = pattern(LARGE, 9)
        s3.put_object(Bucket=SEEDED, Key="large.bin", Body=large)
        s3.put_bucket_tagging(Bucket=SEEDED, Tagging={"TagSet": [{"Key": "team", "Value": "qa"}]})

        base = f"http://127.0.0.1:{srv.port}"
        # The journal view shows the newest 300: keep the seeding out of it.
        urllib.request.urlopen(urllib.request.Request(f"{base}/_fakes3/requests", method="DELETE")).close()
        out = drive(node, tmp_path, {"base": base, "mode": "open", "bucket": BUCKET,
                                     "seeded": SEEDED, "lock_bucket": LOCKED})
        record_timing("open", out)
        assert out["landed"] == f"{base}/_fakes3/console/"
        assert "open mode" in out["who"]

        # Buckets: created, the object-lock one deleted again (after its confirmation).
        names = [r["name"] for r in out["bucket_rows"]]
        assert BUCKET in names and LOCKED in names and SEEDED in names
        assert "Delete the bucket " + LOCKED in out["delete_bucket_dialog"]
        with pytest.raises(ClientError) as e:
            s3.head_bucket(Bucket=LOCKED)
        assert e.value.response["Error"]["Code"] in ("404", "NoSuchBucket")
        # Objects and sizes from the metrics (fakes3_bucket_objects/_bytes) when they are there.
        rows = {r["name"]: r for r in out["bucket_rows"]}
        print(f"bucket rows: {out['bucket_rows']}")
        if _has_metrics(base):
            assert rows[SEEDED]["objects"] == "251" and rows[SEEDED]["bytes"] == "33 MiB", rows
            assert rows[BUCKET]["objects"] == "0", rows
        else:
            assert rows[SEEDED]["objects"] == "–", rows
        # The seeded bucket's configuration, "not set" where S3 says there is none.
        conf = out["config"]
        assert conf["versioning"] == "Enabled"
        assert conf["tagging"] == "team=qa"
        for sub in ("cors", "policy", "lifecycle"):
            assert conf[sub] == "not set", (sub, conf)
        assert "grant" in conf["acl"], conf

        # Uploads by drag and drop; the big one went multipart with a rising progress bar.
        assert out["uploads"] == {"hello.txt": "done", "big.bin": "done", "notes.md": "done"}, out
        events = [e for e in out["progress"] if e["key"] == "big.bin"]
        done_at = next(i for i, e in enumerate(events) if e.get("state") == "done")
        values = [e["value"] for e in events[:done_at] if "value" in e]
        partial = [v for v in values if 0 < v < BIG]
        assert partial, f"no progress value between 0 and {BIG} before completion: {events}"
        assert values == sorted(values), values
        assert s3.head_object(Bucket=BUCKET, Key="big.bin")["ETag"].endswith('-3"'), "not multipart"
        assert s3.get_object(Bucket=BUCKET, Key="big.bin")["Body"].read() == pattern(BIG, 2)
        assert s3.get_object(Bucket=BUCKET, Key="docs/inside.txt")["Body"].read() == pattern(777, 4)
        assert s3.get_object(Bucket=BUCKET, Key="docs/inside.txt")["ContentType"] == "text/plain"

        # The cancelled upload (its UploadPart slowed by a fault rule) was aborted on the server.
        assert out["cancel"]["cancel.bin"] == "cancelled", out["cancel"]
        assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
        with pytest.raises(ClientError):
            s3.head_object(Bucket=BUCKET, Key="cancel.bin")

        # Folders, details, presigned link, download, search.
        assert out["root_folders"] == ["docs/"]
        assert sorted(out["root_keys"]) == ["big.bin", "hello.txt", "notes.md"]
        assert out["folder_keys"] == ["docs/inside.txt"]
        assert out["details_headers"]["content-length"] == "777"
        assert out["details_headers"]["content-type"] == "text/plain"
        url = out["presigned"]
        assert url.startswith(f"{base}/{BUCKET}/docs/inside.txt?") and "X-Amz-Expires=900" in url
        with urllib.request.urlopen(url) as r:
            assert r.read() == pattern(777, 4)
        assert out["download"] == {"name": "hello.txt",
                                   "sha256": hashlib.sha256(pattern(1234, 1)).hexdigest()}
        assert out["search_keys"] == ["hello.txt"]

        # Delete of two selected objects, after the confirmation.
        assert "Delete 2 objects?" in out["delete_dialog"]
        assert sorted(out["after_delete_keys"]) == ["big.bin"]
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))
        assert keys == ["big.bin", "docs/", "docs/inside.txt"], keys

        # Pagination: 100 a page, next twice, previous once.
        assert out["pages"] == [{"n": 100, "first": "many/0000", "last": "many/0099"},
                                {"n": 100, "first": "many/0100", "last": "many/0199"},
                                {"n": 50, "first": "many/0200", "last": "many/0249"}]
        assert out["prev_disabled_first"] and out["next_disabled_last"]
        assert out["back_page"][0] == "many/0100" and len(out["back_page"]) == 100
        # Versions: v.txt's two versions and its delete marker.
        assert out["seeded_root_keys"] == ["large.bin"]  # v.txt is deleted
        vs = [v for v in out["versions"] if v["key"] == "v.txt"]
        assert len(vs) == 3 and sum(v["dm"] for v in vs) == 1, vs
        ids = {v["VersionId"] for v in s3.list_object_versions(Bucket=SEEDED, Prefix="v.txt")["Versions"]}
        assert all(any(i in v["text"] for v in vs) for i in ids)

        dl = out["download_large"]
        assert dl["name"] == "large.bin" and "X-Amz-Signature=" in dl["url"], dl
        assert "response-content-disposition=attachment" in dl["url"], dl
        assert dl["sha256"] == hashlib.sha256(large).hexdigest()

        # Journal: what the console did, a request followed live, a filter, a detail.
        ops = set(out["journal_ops"])
        for op in ("CreateBucket", "DeleteBucket", "PutObject", "CreateMultipartUpload", "UploadPart",
                   "CompleteMultipartUpload", "ListObjectsV2", "HeadObject", "GetObject",
                   "DeleteObjects", "ListObjectVersions"):
            assert op in ops, (op, ops)
        assert out["journal_followed"] == "HeadObject"
        assert set(out["journal_filtered"]) == {"DeleteObjects"}
        assert "Request headers" in out["journal_detail"] and "content-type" in out["journal_detail"]

        # Fault rule: hits 0, then 1 after a matching GetObject, which got the rule's error.
        assert out["fault_hits_before"] == "0" and out["fault_hits_after"] == "1"
        assert out["fault_answer"] == "SlowDown"
        assert srv.client().head_object(Bucket=BUCKET, Key="big.bin")  # the rule is gone

        # Clock: advanced 3 days, then reset.
        assert out["clock_offset"].startswith("+3 d")
        assert out["clock_after"][:10] > out["clock_before"][:10]
        # Frozen, then set: it stays at the instant set (the view polls it every second).
        assert out["clock_set"] == "2030-01-02T03:04:05.000Z" and out["clock_frozen"] == "yes"
        assert out["freeze_label"] == "Unfreeze"

        # Charts: numbers when the metrics are there.
        if _has_metrics(base):
            assert out["charts"]["rps"].startswith("now "), out["charts"]
        print(f"charts: {out['charts']}")
        assert out["narrow_overflow"] <= 0, "horizontal scrolling at 420 px"

        assert_same_origin(out, base, cancelled=[f"/{BUCKET}/cancel.bin?partNumber="])
        # The README's picture: written when missing or asked for (FAKES3_CONSOLE_SCREENSHOT=1),
        # so that a test run does not leave the checkout changed.
        readme_png = os.path.join(REPO, "docs", "console.png")
        if os.environ.get("FAKES3_CONSOLE_SCREENSHOT") == "1" or not os.path.exists(readme_png):
            os.makedirs(os.path.dirname(readme_png), exist_ok=True)
            shutil.copyfile(os.path.join(ARTEFACTS, "open-objects.png"), readme_png)
            print(f"README screenshot: {readme_png}")
    finally:
        stop(srv)


def _has_metrics(base):
    try:
        with urllib.request.urlopen(f"{base}/_fakes3/metrics"):
            return True
    except urllib.error.HTTPError:
        return False


def test_console_signed_mode(node, tmp_path):
    srv = start(tmp_path, ["--access-key", DUMMY_KEY_ID, "--secret-key", DUMMY_SECRET])
    try:
        base = f"http://127.0.0.1:{srv.port}"
        out = drive(node, tmp_path, {"base": base, "mode": "signed", "bucket": "signed-bkt",
                                     "access_key": DUMMY_KEY_ID, "secret_key": DUMMY_SECRET,
                                     "wrong_secret": "not-the-secret-" + DUMMY_SECRET[15:]})
        record_timing("signed", out)
        assert out["nav_hidden"]
        assert "SignatureDoesNotMatch" in out["wrong_message"], out["wrong_message"]
        assert out["wrong_storage"] == 0
        assert DUMMY_KEY_ID in out["who"] and "admin" in out["who"]
        assert out["session_keys"] == ["fakes3.console.creds"] and out["local_keys"] == []
        odd = "a b+ü&=%(1)'.txt"
        assert out["uploads"] == {"hello.txt": "done", odd: "done"}, out["uploads"]
        assert sorted(out["signed_keys"]) == sorted(["hello.txt", odd])
        s3 = srv.client()
        assert s3.get_object(Bucket="signed-bkt", Key="hello.txt")["Body"].read() == pattern(1234, 1)
        assert s3.get_object(Bucket="signed-bkt", Key=odd)["Body"].read() == pattern(100, 6)
        # The presigned link is signed with the real key: it works; tampered, it does not.
        url = out["presigned"]
        assert f"X-Amz-Credential={DUMMY_KEY_ID}" in url and "X-Amz-Expires=60" in url
        with urllib.request.urlopen(url) as r:
            assert r.read() == pattern(1234, 1)
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"))
        assert e.value.code == 403
        # The journal saw the signed PutObject, the signature redacted.
        assert DUMMY_KEY_ID in out["journal_detail"] and "REDACTED" in out["journal_detail"]
        # With the server's clock 3 days on, the console's S3 calls still went through.
        assert sorted(out["skewed_keys"]) == sorted(["hello.txt", odd])
        assert out["reload_view"] == "buckets"
        assert out["after_logout_storage"] == [] and out["after_logout_reload"] == "login"
        assert_same_origin(out, base)
        # Nothing the wrong login sent got through.
        log = srv.stdout()
        assert "403" in log
    finally:
        stop(srv)



def test_console_non_admin(node, tmp_path):
    """A user who is not an admin gets the S3 screens; the control screens say they need an
    admin (and the page does not call them)."""
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": [
        {"access_key": "AKADMIN", "secret_key": "SKADMIN-secret", "admin": True},
        {"access_key": "AKUSER", "secret_key": "SKUSER-secret"}]}))
    srv = start(tmp_path, ["--users", str(users)])
    try:
        base = f"http://127.0.0.1:{srv.port}"
        out = drive(node, tmp_path, {"base": base, "mode": "nonadmin", "bucket": "user-bkt",
                                     "access_key": "AKUSER", "secret_key": "SKUSER-secret"})
        assert "AKUSER" in out["who"] and "admin" not in out["who"]
        assert out["bucket_rows"] == ["user-bkt"]
        for view, text in out["needs_admin"].items():
            assert "needs an admin" in text, (view, text)
        assert not [u for u in out["requests"] if "/_fakes3/" in u and "/console/" not in u
                    and not u.endswith("/_fakes3/info") and "/_fakes3/metrics" not in u]
        assert_same_origin(out, base)
    finally:
        stop(srv)
