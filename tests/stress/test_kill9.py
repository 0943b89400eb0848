"""kill -9 under mixed concurrent load, round after round: puts, overwrites, deletes and multipart
uploads from several clients; SIGKILL once a seeded random number of writes were acknowledged;
restart on the same root. Every acknowledged write is there with its bytes, a write in flight at
the kill is either wholly there or wholly absent, and nothing half-written is visible or left in
tmp/."""

import hashlib
import os
import random
import threading
import time

from botocore.exceptions import ClientError

from s3lib import md5_hex

SEED = int(os.environ.get("FAKES3_STRESS_SEED", "20261207"))
ROUNDS = int(os.environ.get("FAKES3_STRESS_KILL_ROUNDS", "20"))
THREADS = 4
KEYS_PER_THREAD = 8
PART = 5 * 1024 * 1024
ACK_WAIT_S = 120.0  # bound on waiting for a round's acknowledgements (a busy machine)
ABSENT = None


class Model:
    """Each thread owns its keys, so every key has one acknowledged state and at most one write
    in flight."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}     # key -> (bytes, etag) or ABSENT
        self.pending = {}   # key -> (bytes, etag-kind) or ABSENT, the write in flight
        self.acks = 0

    def begin(self, key, value):
        with self.lock:
            self.pending[key] = value

    def ack(self, key, value):
        with self.lock:
            self.acked[key] = value
            self.pending.pop(key, None)
            self.acks += 1


def worker(client, tid, rnd, model, stop, errors):
    keys = [f"t{tid}/k{j}" for j in range(KEYS_PER_THREAD)]
    while not stop.is_set():
        key = rnd.choice(keys)
        op = rnd.random()
        try:
            if op < 0.15:
                model.begin(key, ABSENT)
                client.delete_object(Bucket="kill", Key=key)
                model.ack(key, ABSENT)
            elif op < 0.25:
                parts = [rnd.randbytes(PART), rnd.randbytes(rnd.randint(1, 70000))]
                body = b"".join(parts)
                model.begin(key, (body, "multipart"))
                up = client.create_multipart_upload(Bucket="kill", Key=key)["UploadId"]
                etags = [client.upload_part(Bucket="kill", Key=key, UploadId=up, PartNumber=i + 1,
                                            Body=p)["ETag"] for i, p in enumerate(parts)]
                client.complete_multipart_upload(
                    Bucket="kill", Key=key, UploadId=up,
                    MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e}
                                               for i, e in enumerate(etags)]})
                model.ack(key, (body, "multipart"))
            else:
                body = rnd.randbytes(rnd.choice((0, 1, 100, 4096, 65536, 300000)))
                model.begin(key, (body, "single"))
                client.put_object(Bucket="kill", Key=key, Body=body)
                model.ack(key, (body, "single"))
        except Exception as e:  # the kill: connection refused or reset; the write stays pending
            if not stop.is_set():
                errors.append(f"{key}: {e!r}")
            return


def read_back(s3, key):
    try:
        g = s3.get_object(Bucket="kill", Key=key)
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return ABSENT
        raise
    return g["Body"].read(), g["ETag"]


def matches(got, want):
    if want is ABSENT or got is ABSENT:
        return got is want
    body, kind = want
    data, etag = got
    if data != body:
        return False
    if kind == "single":
        return etag == f'"{md5_hex(body)}"'
    parts = [body[:PART], body[PART:]]
    return etag == '"' + hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + '-2"'


def test_kill_9_under_load_keeps_every_acknowledged_write(servers, figure):
    rnd = random.Random(SEED)
    srv = servers(args=["-q"])
    srv.client().create_bucket(Bucket="kill")
    model = Model()
    in_flight_total = new_seen = old_seen = 0
    t0 = time.monotonic()
    for rnd_no in range(ROUNDS):
        stop = threading.Event()
        errors = []
        target = model.acks + rnd.randint(3, 40)
        ts = [threading.Thread(target=worker, daemon=True,
                               args=(srv.client(), tid, random.Random(rnd.random()), model, stop,
                                     errors))
              for tid in range(THREADS)]
        for t in ts:
            t.start()
        end = time.monotonic() + ACK_WAIT_S
        while model.acks < target and time.monotonic() < end and not errors:
            time.sleep(0.005)
        assert not errors, f"round {rnd_no}: a write failed before the kill: {errors[:3]}"
        assert model.acks >= target, f"round {rnd_no}: {model.acks}/{target} acks in {ACK_WAIT_S} s"
        srv.kill()  # SIGKILL at this seeded point of the load
        stop.set()
        for t in ts:
            t.join(timeout=60)
            assert not t.is_alive(), "a load thread did not end after the kill"

        srv.start(wait=False)
        srv.wait_ready(timeout=60)
        tmpdir = os.path.join(srv.root, "tmp")
        left = os.listdir(tmpdir) if os.path.isdir(tmpdir) else []
        assert left == [], f"round {rnd_no}: partial bodies left in tmp/: {left}"
        s3 = srv.client()
        listed = {o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="kill")
                  for o in p.get("Contents", [])}
        keys = set(model.acked) | set(model.pending)
        for key in sorted(keys):
            got = read_back(s3, key)
            acked = model.acked.get(key, ABSENT)
            if key in model.pending:
                in_flight_total += 1
                if matches(got, model.pending[key]):
                    new_seen += 1
                    model.acked[key] = model.pending[key]
                else:
                    assert matches(got, acked), (f"round {rnd_no}: {key} is neither the acknowledged "
                                                 "version nor the one in flight")
                    old_seen += 1
                del model.pending[key]
            else:
                assert matches(got, acked), f"round {rnd_no}: acknowledged write to {key} lost or wrong"
            assert (key in listed) == (model.acked.get(key, ABSENT) is not ABSENT), key
        assert listed <= keys, listed - keys
    took = time.monotonic() - t0
    live = sum(1 for v in model.acked.values() if v is not ABSENT)
    figure("kill -9 rounds", f"{ROUNDS} in {took:.1f} s (seed {SEED})")
    figure("acknowledged writes", model.acks)
    figure("writes in flight at a kill: there after restart / not there",
           f"{new_seen} / {old_seen} (of {in_flight_total})")
    figure("objects at the end", live)
