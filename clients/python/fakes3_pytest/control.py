"""A handle on one fakes3 server: its endpoint, boto3 clients for it, and the control namespace
/_fakes3/ (reset, snapshots, request journal, fault rules, clock) as methods. Control calls are
JSON over HTTP; when credentials are configured they are SigV4-signed (botocore's signer), as a
server with users requires. Errors of the control API raise Fakes3Error with its code."""

import datetime
import http.client
import json
import os
import ssl
from urllib.parse import quote, urlencode, urlsplit

DUMMY_ACCESS_KEY = "fakes3-access-key"
DUMMY_SECRET_KEY = "fakes3-secret-key"

# The status S3 answers with for the codes a fault rule most often injects, so that
# `action="SlowDown"` is enough; any other code needs {"error": ..., "status": ...}.
_ERROR_STATUS = {
    "SlowDown": 503, "ServiceUnavailable": 503, "InternalError": 500, "RequestTimeout": 400,
    "RequestTimeTooSkewed": 403, "AccessDenied": 403, "NoSuchKey": 404, "NoSuchBucket": 404,
    "NoSuchUpload": 404, "PreconditionFailed": 412, "OperationAborted": 409,
    "ExpiredToken": 400, "BadDigest": 400, "EntityTooLarge": 400,
}


class Fakes3Error(Exception):
    """A control call answered an error: .status (HTTP), .code ("NoSuchSnapshot"...), .message,
    .body (the whole JSON document)."""

    def __init__(self, status, code, message, body=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body or {}


class Fakes3Timeout(Fakes3Error, AssertionError):
    """wait_requests() saw fewer matches than it waited for; .requests holds those it saw. An
    AssertionError, so a test that waits fails (rather than errors) with pytest's report."""

    def __init__(self, status, code, message, body=None):
        super().__init__(status, code, message, body)
        self.requests = (body or {}).get("requests", [])


def _utc(iso):
    """ISO-8601 with a Z (what fakes3 answers) as an aware datetime."""
    if iso.endswith("Z"):
        iso = iso[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(iso)


def _iso(when):
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        when = when.astimezone(datetime.timezone.utc)
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return str(when)


class Fault(str):
    """The id of a fault rule (a str, as the API's ids are) that is also a context manager: the
    `with` block runs with the rule in place and removes it at the end. .rule is the rule as the
    server answered it (with "id" and "hits": 0)."""

    def __new__(cls, fid, owner, rule):
        self = super().__new__(cls, fid)
        self._owner = owner
        self.rule = rule
        return self

    def remove(self):
        """Deletes the rule; a rule already gone (reset, clear_faults) is not an error."""
        try:
            self._owner.delete_fault(self)
        except Fakes3Error as e:
            if e.code != "NoSuchFault":
                raise

    def state(self):
        """The rule as the server has it now (with "hits" and "matched"); None once removed."""
        for r in self._owner.faults():
            if str(r.get("id")) == str(self):
                return r
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


class Clock:
    """fakes3's one clock (GET/POST /_fakes3/clock). Every method but now() answers the clock's
    document: {"now", "offset_seconds", "frozen"}."""

    def __init__(self, owner):
        self._owner = owner

    def state(self):
        return self._owner.call("GET", "/clock")

    def now(self):
        """The server's time as an aware UTC datetime."""
        return _utc(self.state()["now"])

    def advance(self, seconds):
        """Moves the clock by seconds (a float or timedelta, may be negative); the lifecycle
        pass has run when it returns."""
        if isinstance(seconds, datetime.timedelta):
            seconds = seconds.total_seconds()
        return self._owner.call("POST", "/clock", {"advance": seconds})

    def set(self, when):
        """Sets the clock to when (an ISO-8601 string or a datetime; naive means UTC)."""
        return self._owner.call("POST", "/clock", {"set": _iso(when)})

    def freeze(self):
        return self._owner.call("POST", "/clock", {"freeze": True})

    def unfreeze(self):
        return self._owner.call("POST", "/clock", {"freeze": False})

    def reset(self):
        """Real time again, unfrozen."""
        return self._owner.call("POST", "/clock", {"reset": True})


class Fakes3:
    """One fakes3 server, started by the plugin (process is its Fakes3Process) or reached at an
    endpoint. Credentials default to FAKES3_ACCESS_KEY / FAKES3_SECRET_KEY; without them clients
    get dummy keys (an open server accepts any) and control calls go unsigned."""

    def __init__(self, endpoint, access_key=None, secret_key=None, region=None, process=None,
                 verify=True):
        self.endpoint = endpoint.rstrip("/")
        env_ak, env_sk = os.environ.get("FAKES3_ACCESS_KEY"), os.environ.get("FAKES3_SECRET_KEY")
        self.access_key = access_key if access_key is not None else env_ak
        self.secret_key = secret_key if secret_key is not None else env_sk
        self.signed = bool(self.access_key and self.secret_key)
        self.region = region or os.environ.get("FAKES3_REGION") or "us-east-1"
        self.process = process
        self.verify = verify
        self.clock = Clock(self)
        self._session = None
        u = urlsplit(self.endpoint)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"fakes3 endpoint {endpoint!r} is not an http(s):// URL")
        self._scheme, self._host, self._port = u.scheme, u.hostname, u.port
        self._prefix = u.path.rstrip("/")

    def __repr__(self):
        return f"<Fakes3 {self.endpoint}{' signed' if self.signed else ''}>"

    # --- boto3 ------------------------------------------------------------------------------
    def session(self):
        """The boto3 Session every client comes from (credentials and region set, so the
        user's ~/.aws credentials and the AWS_* keys of the environment are not used)."""
        if self._session is None:
            import boto3
            self._session = boto3.session.Session(
                aws_access_key_id=self.access_key if self.signed else DUMMY_ACCESS_KEY,
                aws_secret_access_key=self.secret_key if self.signed else DUMMY_SECRET_KEY,
                region_name=self.region)
        return self._session

    def _config(self, config):
        from botocore.config import Config
        base = Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                      retries={"mode": "standard", "total_max_attempts": 3})
        return base.merge(config) if config is not None else base

    def client(self, config=None, **kw):
        """A boto3 S3 client for this server: path-style addressing, SigV4, standard retries with
        3 attempts in all, as AWS's SDKs default to (override with config=botocore.config.Config(
        ...), merged over these option by option)."""
        kw.setdefault("endpoint_url", self.endpoint)
        kw.setdefault("verify", self.verify)
        return self.session().client("s3", config=self._config(config), **kw)

    def resource(self, config=None, **kw):
        """A boto3 S3 resource for this server, configured as client()."""
        kw.setdefault("endpoint_url", self.endpoint)
        kw.setdefault("verify", self.verify)
        return self.session().resource("s3", config=self._config(config), **kw)

    # --- the control namespace --------------------------------------------------------------
    def call(self, method, path, body=None, query=None, timeout=60.0):
        """One control call: method on /_fakes3<path>, body a dict sent as JSON, query a dict
        (None values left out). Answers the JSON document; raises Fakes3Error on 4xx/5xx."""
        target = self._prefix + "/_fakes3" + path
        if query:
            q = {k: str(v).lower() if isinstance(v, bool) else str(v)
                 for k, v in query.items() if v is not None}
            if q:
                target += "?" + urlencode(sorted(q.items()), quote_via=quote, safe="-_.~")
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.signed:
            headers = self._sign(method, target, data, headers)
        if self._scheme == "https":
            ctx = ssl.create_default_context() if self.verify else ssl._create_unverified_context()
            if isinstance(self.verify, str):
                ctx.load_verify_locations(self.verify)
            conn = http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=ctx)
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        try:
            conn.request(method, target, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            status = resp.status
        finally:
            conn.close()
        try:
            doc = json.loads(raw) if raw else {}
        except ValueError:
            doc = {"error": "NotJSON", "message": raw[:300].decode("utf-8", "replace")}
        if status >= 400:
            err = Fakes3Timeout if status == 408 else Fakes3Error
            raise err(status, doc.get("error", "Unknown"), doc.get("message", ""), doc)
        return doc

    def _sign(self, method, target, data, headers):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        netloc = self._host if self._port is None else f"{self._host}:{self._port}"
        if ":" in self._host:  # an IPv6 literal
            netloc = f"[{self._host}]" + ("" if self._port is None else f":{self._port}")
        req = AWSRequest(method=method, url=f"{self._scheme}://{netloc}{target}", data=data,
                         headers=headers)
        S3SigV4Auth(Credentials(self.access_key, self.secret_key), "s3", self.region).add_auth(req)
        return dict(req.headers.items())

    def health(self):
        return self.call("GET", "/health")

    def info(self):
        return self.call("GET", "/info")

    def reset(self, bucket=None):
        """Everything back to a fresh server (buckets, objects, fault rules, journal, clock;
        snapshots kept), or with bucket= only that bucket removed."""
        return self.call("POST", "/reset", {"bucket": bucket} if bucket else {})

    # snapshots
    def snapshot(self, name):
        """Saves the whole stored state as name (replacing one of that name)."""
        return self.call("POST", "/snapshots/" + quote(name, safe=""))

    def restore(self, name):
        """The stored state becomes what it was at snapshot(name); journal, faults, clock stay."""
        return self.call("POST", "/snapshots/" + quote(name, safe="") + "/restore")

    def snapshots(self):
        return self.call("GET", "/snapshots")["snapshots"]

    def delete_snapshot(self, name):
        return self.call("DELETE", "/snapshots/" + quote(name, safe=""))

    # the request journal
    def requests(self, **filters):
        """The journal's entries, oldest first, that match every filter: op, method, bucket,
        key (a prefix), status (503 or "5xx"), error, since (an id), limit (the newest N)."""
        return self.call("GET", "/requests", query=filters)["requests"]

    def last_request_id(self):
        """The id of the newest entry (0 when none): pass it as since= to see only later ones."""
        return self.call("GET", "/requests", query={"limit": 1})["last_id"]

    def wait_requests(self, count=1, timeout=10, **filters):
        """Waits until count entries match the filters (with since=ID: count new ones) and
        answers them; raises Fakes3Timeout (an AssertionError) after timeout seconds."""
        return self.call("GET", "/requests/wait",
                         query=dict(filters, count=count, timeout=timeout),
                         timeout=float(timeout) + 30.0)["requests"]

    def clear_requests(self):
        return self.call("DELETE", "/requests")["cleared"]

    # fault rules
    def fault(self, match=None, action=None, times=None, after=None, probability=None, seed=None,
              **extra):
        """Adds a fault rule and answers its id (a Fault: also a context manager that removes the
        rule). match: a dict of op/method/bucket/key(glob)/header/client, or a str meaning op.
        action: a dict ({"error": "SlowDown", "status": 503}, {"delay_ms": 500}, ...) or an error
        code str (its usual status added for the common codes)."""
        if isinstance(match, str):
            match = {"op": match}
        if isinstance(action, str):
            action = {"error": action}
            if action["error"] in _ERROR_STATUS:
                action["status"] = _ERROR_STATUS[action["error"]]
        rule = {"match": match or {}, "action": action or {}}
        for k, v in (("times", times), ("after", after), ("probability", probability),
                     ("seed", seed)):
            if v is not None:
                rule[k] = v
        rule.update(extra)
        doc = self.call("POST", "/faults", rule)
        return Fault(str(doc["id"]), self, doc)

    def faults(self):
        """Every rule, with "hits" (times it fired) and "matched"."""
        return self.call("GET", "/faults")["faults"]

    def delete_fault(self, fid):
        return self.call("DELETE", "/faults/" + quote(str(fid), safe=""))

    def clear_faults(self):
        return self.call("DELETE", "/faults")["cleared"]
