#!/usr/bin/env bash
# The compose walk-through of docker/README.md, checked end to end (`make test-compose`):
#   1. install what is missing (podman, runc, debootstrap, docker-compose v1, aws CLI); SKIP if
#      that is impossible
#   2. `make image`: localhost/fakes3:latest and localhost/fakes3-s3cmd:latest
#   3. with podman: its Docker API on a socket under build/docker/ (DOCKER_HOST)
#   4. `docker-compose -p <unique> up -d`, host port FAKES3_COMPOSE_PORT (default 4569, else a
#      free one); its HEALTHCHECK (a probe of /_fakes3/health) is healthy
#   5. `aws s3 cp` from the host to s3://my-bucket (never created)
#   6. `s3cmd get s3://my-bucket/...` in the client container, through the alias my-bucket.fakes3
#      (the server's access log must show the virtual-host request), same sha256
#   7. stop fakes3 (SIGTERM: exit status 0), remove its container, start a new one on the same
#      volume, get the object again
#   8. `docker-compose down -v`, stop the podman service this script started: also on failure.
# Never prunes: podman's state is shared by the whole machine. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
say() { printf 'compose: %s\n' "$*"; }
t0=$(date +%s)
failed=0
fail() {
  echo "FAIL: compose walk-through: $*"
  failed=1
  exit 1
}

# 1. What is missing. apt-get failing (no network, not root) is a skip, not a failure.
if ! make -s compose-deps; then
  echo "SKIP: compose walk-through: could not install podman/runc/debootstrap/docker-compose"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
if ! command -v aws >/dev/null 2>&1; then
  if ! scripts/apt.sh install -y -qq --no-install-recommends awscli >/dev/null; then
    echo "SKIP: compose walk-through: could not install the aws CLI"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
  fi
fi
engine=$(make -s engine)
project=fakes3-test-$$-$(date +%s)
compose=(docker-compose -p "$project" -f docker/docker-compose.yml)
export COMPOSE_PROJECT_NAME=$project # for docker/connect_to_fakes3.sh
work=$(mktemp -d /tmp/fakes3-compose.XXXXXX)
started_service=0
upped=0
pidfile=build/docker/podman-service.pid

cleanup() {
  local rc=$?
  if ((upped)); then
    local t
    t=$(date +%s)
    if timeout 120 "${compose[@]}" down -v --remove-orphans >"$work/down.log" 2>&1; then
      say "docker-compose down -v: $(($(date +%s) - t)) s"
    else
      say "docker-compose down failed:"; tail -n 5 "$work/down.log"
    fi
  fi
  if ((started_service)); then make -s podman-service-stop; fi
  rm -rf "$work"
  say "took $(($(date +%s) - t0)) s"
  if ((failed)) || ((rc)); then
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "1 passed, 0 failed"
  exit 0
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

# 2. Images.
say "engine: $engine, project: $project"
t=$(date +%s)
make -s image >"$work/image.log" 2>&1 || { cat "$work/image.log"; fail "make image"; }
say "make image: $(($(date +%s) - t)) s"

# 3. The Docker API for docker-compose.
if [ "$engine" = podman ]; then
  # A service that runs already (someone's walk-through) is used and left running.
  if ! { [ -f "$pidfile" ] && tr '\0' ' ' <"/proc/$(cat "$pidfile")/cmdline" 2>/dev/null | grep -q 'podman system service'; }; then
    started_service=1
  fi
  line=$(make -s podman-service) || fail "podman system service did not start"
  eval "$line"
  export CONTAINERS_CONF=$root/build/docker/containers.conf
  inspect=(podman inspect)
else
  inspect=(docker inspect)
fi

# 4. Up, on a free host port.
port=${FAKES3_COMPOSE_PORT:-4569}
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1])))' "$1" 2>/dev/null; }
if ! port_free "$port"; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])')
  say "port ${FAKES3_COMPOSE_PORT:-4569} is busy, using $port"
fi
export FAKES3_HOST_PORT=$port
wait_ready() {
  python3 - "$port" <<'EOF' || fail "fakes3 does not answer on http://localhost:$port/"
import sys, time, urllib.request
url = "http://localhost:%s/" % sys.argv[1]
end = time.time() + 30
while True:
    try:
        urllib.request.urlopen(url, timeout=2).read()
        break
    except Exception as e:
        if time.time() > end:
            sys.exit("%s: %s" % (url, e))
        time.sleep(0.2)
EOF
}
t=$(date +%s)
upped=1
timeout 300 "${compose[@]}" up -d >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "docker-compose up"; }
wait_ready
say "docker-compose up: $(($(date +%s) - t)) s, fakes3 on http://localhost:$port"

# The HEALTHCHECK: the compose file's probes /_fakes3/health; it must pass. The image's own
# (`fakes3 --probe` without a URL) probes the same call on the default port.
cid=$("${compose[@]}" ps -q fakes3)
hc=$("${inspect[@]}" -f '{{.Config.Healthcheck.Test}}' "$cid")
[[ $hc == *"http://127.0.0.1:4569/_fakes3/health"* ]] || fail "HEALTHCHECK does not probe /_fakes3/health: $hc"
if [ "$engine" = podman ]; then
  podman healthcheck run "$cid" >/dev/null 2>&1 || fail "HEALTHCHECK (podman healthcheck run) is not healthy"
else
  for _ in $(seq 60); do
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$cid")" = healthy ] && break
    sleep 1
  done
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$cid")" = healthy ] || fail "HEALTHCHECK is not healthy"
fi
timeout 30 "${compose[@]}" exec -T fakes3 /usr/bin/fakes3 --probe >"$work/probe.log" 2>&1 ||
  { cat "$work/probe.log"; fail "the image's probe (fakes3 --probe) fails in the container"; }
say "HEALTHCHECK: healthy ($hc)"

# 5. Upload from the host, into a bucket nobody created.
export AWS_ACCESS_KEY_ID=fakes3 AWS_SECRET_ACCESS_KEY=fakes3 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
aws=(aws --endpoint-url "http://localhost:$port")
"${aws[@]}" s3 ls >"$work/ls0" 2>&1 || { cat "$work/ls0"; fail "aws s3 ls"; }
[ -s "$work/ls0" ] && { cat "$work/ls0"; fail "a fresh volume already has buckets"; }
head -c 1048576 /dev/urandom >"$work/hello.bin"
printf 'hello from the host\n' >>"$work/hello.bin"
want=$(sha256sum <"$work/hello.bin" | cut -d' ' -f1)
(cd "$work" && "${aws[@]}" s3 cp hello.bin s3://my-bucket/hello.bin >cp.log 2>&1) ||
  { cat "$work/cp.log"; fail "aws s3 cp to s3://my-bucket/hello.bin"; }
say "aws s3 cp: $(tr "\r" "\n" <"$work/cp.log" | tail -n 1 | sed "s/ *$//")"

# 6. Download in the client container, virtual-host style through the alias.
get_in_client() {
  timeout 120 docker/connect_to_fakes3.sh \
    s3cmd get --force s3://my-bucket/hello.bin /tmp/hello.bin >"$work/get.log" 2>&1 ||
    { cat "$work/get.log"; fail "s3cmd get s3://my-bucket/hello.bin in the client container ($1)"; }
  got=$(timeout 60 docker/connect_to_fakes3.sh sha256sum /tmp/hello.bin | cut -d' ' -f1)
  [ "$got" = "$want" ] || fail "sha256 differs ($1): sent $want, s3cmd got $got"
  say "s3cmd get ($1): sha256 $got matches"
}
get_in_client "first"
"${compose[@]}" logs --no-color fakes3 >"$work/fakes3.log" 2>&1
grep -q 'GET /hello.bin 200' "$work/fakes3.log" ||
  { tail -n 20 "$work/fakes3.log"; fail "no virtual-host GET /hello.bin in the fakes3 access log"; }
say "fakes3 log: $(grep -m1 'GET /hello.bin 200' "$work/fakes3.log" | sed 's/^[^|]*| *//')"

# 7. SIGTERM, a new container on the same volume, the object is still there.
t=$(date +%s)
timeout 120 "${compose[@]}" stop fakes3 >"$work/stop.log" 2>&1 || { cat "$work/stop.log"; fail "docker-compose stop fakes3"; }
code=$("${inspect[@]}" -f '{{.State.ExitCode}}' "$cid")
[ "$code" = 0 ] || fail "fakes3 exited with status $code on SIGTERM"
say "fakes3 stopped by SIGTERM in $(($(date +%s) - t)) s, exit status 0"
timeout 120 "${compose[@]}" rm -f fakes3 >"$work/rm.log" 2>&1 || { cat "$work/rm.log"; fail "docker-compose rm fakes3"; }
timeout 300 "${compose[@]}" up -d fakes3 >"$work/up2.log" 2>&1 || { cat "$work/up2.log"; fail "docker-compose up fakes3 again"; }
wait_ready
cid2=$("${compose[@]}" ps -q fakes3)
if [ -z "$cid2" ] || [ "$cid2" = "$cid" ]; then fail "fakes3 was not re-created ($cid -> $cid2)"; fi
get_in_client "new container, same volume"

echo "PASS: compose walk-through ($engine): aws cp from the host, s3cmd get via my-bucket.fakes3, data kept in the volume"
