"""What fakes3 stored, seen without any S3 client library: a ListObjectsV2 walk and a plain GET of
every key over http.client. Importable (observe()) and runnable as a script, so the same check can
run inside a network namespace:

    rawcheck.py HOST PORT BUCKET [HOSTHEADER|-] [ACCESS_KEY SECRET_KEY]
        -> JSON {"keys": [...], "objects": {key: {...}}}

Against a server with keys, each request is signed with SigV4 by tests/integration/s3lib.py's
small signer (hashlib and hmac; still no client library).
"""

import hashlib
import http.client
import json
import os
import sys
import xml.etree.ElementTree as ET
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integration"))
from s3lib import EMPTY_SHA256, sign_v4  # noqa: E402

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _request(conn, method, target, host_header, keys=None):
    headers = [("Host", host_header)]
    if keys:
        headers, _ = sign_v4(method, target, headers, EMPTY_SHA256, access_key=keys[0],
                             secret=keys[1])
    conn.request(method, target, headers=dict(headers))
    r = conn.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


def observe(host, port, bucket, host_header=None, keys=None):
    """Lists BUCKET (path style unless host_header names a virtual host) and GETs every key;
    keys=(access key, secret) signs each request.
    Returns {"keys": [...], "objects": {key: {"status", "size", "md5", "sha256", "etag"}}}."""
    host_header = host_header or f"{host}:{port}"
    base = "" if host_header.startswith(bucket + ".") else "/" + quote(bucket)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    creds, keys, token = keys, [], None
    try:
        while True:
            target = f"{base}/?list-type=2&max-keys=1000"
            if token:
                target += "&continuation-token=" + quote(token, safe="")
            status, _, body = _request(conn, "GET", target, host_header, creds)
            if status != 200:
                return {"error": f"list answered {status}: {body[:500]!r}"}
            root = ET.fromstring(body)
            keys += [c.findtext(NS + "Key") for c in root.findall(NS + "Contents")]
            if root.findtext(NS + "IsTruncated") != "true":
                break
            token = root.findtext(NS + "NextContinuationToken")
        objects = {}
        for k in keys:
            status, headers, data = _request(conn, "GET", f"{base}/" + quote(k, safe="/~"),
                                             host_header, creds)
            objects[k] = {"status": status, "size": len(data),
                          "md5": hashlib.md5(data).hexdigest(),
                          "sha256": hashlib.sha256(data).hexdigest(),
                          "etag": headers.get("etag"),
                          "content_encoding": headers.get("content-encoding")}
        return {"keys": keys, "objects": objects}
    finally:
        conn.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    hh = a[3] if len(a) > 3 and a[3] != "-" else None
    print(json.dumps(observe(a[0], int(a[1]), a[2], hh, tuple(a[4:6]) if len(a) > 5 else None)))
