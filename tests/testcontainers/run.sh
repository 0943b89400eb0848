#!/usr/bin/env bash
# Testcontainers for Node against the server image (`make test-compose` runs it after
# tests/compose/run.sh; docker/README.md):
#   1. the container engine as `make compose-deps` installs it (podman and runc when no Docker
#      daemon answers); SKIP only when it cannot be installed or cannot run a container at all
#   2. tests/testcontainers/install.sh: testcontainers and @aws-sdk/client-s3 with `npm ci`
#   3. `make image-server`: localhost/fakes3:latest
#   4. with podman: its Docker API on the socket of `make podman-service` (DOCKER_HOST); Ryuk, the
#      reaper, is off (its image would come from a registry): each test stops its own container
#   5. `node --test tests/testcontainers/fakes3.test.mjs`
#   6. removes, by id, whatever container of the test's Testcontainers session is left (a run that
#      died), stops the podman service if this script started it: also on failure.
# Never prunes: podman's state is shared by the whole machine. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
say() { printf 'testcontainers: %s\n' "$*"; }
t0=$(date +%s)
skip() {
  echo "SKIP: testcontainers: $*"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}

# 1. The engine. apt-get failing (no network, not root) is a skip, not a failure.
make -s compose-deps || skip "could not install the container engine (podman/runc or docker)"
engine=$(make -s engine)
work=$(mktemp -d /tmp/fakes3-testcontainers.XXXXXX)
pidfile=build/docker/podman-service.pid
started_service=0
passed=0
failed=0
if [ "$engine" = podman ]; then
  export CONTAINERS_CONF=$root/build/docker/containers.conf
  make -s podman-conf
fi

cleanup() {
  local rc=$? sid ids
  sid=$(cat "$work/session" 2>/dev/null)
  if [ -n "$sid" ]; then
    ids=$("$engine" ps -aq --filter "label=org.testcontainers.session-id=$sid" 2>/dev/null)
    if [ -n "$ids" ]; then
      say "removing containers left by the test: ${ids//$'\n'/ }"
      # shellcheck disable=SC2086 # one id per word
      "$engine" rm -f $ids >/dev/null 2>&1
      ((failed)) || failed=1
    fi
  fi
  if ((started_service)); then make -s podman-service-stop; fi
  rm -rf "$work"
  say "took $(($(date +%s) - t0)) s"
  if ((failed)) || ((rc)) || ((passed == 0)); then
    echo "$passed passed, $((failed ? failed : 1)) failed"
    exit 1
  fi
  echo "$passed passed, 0 failed"
  exit 0
}
trap cleanup EXIT
trap 'echo "FAIL: testcontainers: interrupted"; exit 1' INT TERM
fail() {
  echo "FAIL: testcontainers: $*"
  exit 1
}

# 2. The npm packages.
t=$(date +%s)
tests/testcontainers/install.sh || fail "tests/testcontainers/install.sh"
say "install: $(($(date +%s) - t)) s"

# 3. The image.
t=$(date +%s)
make -s image-server >"$work/image.log" 2>&1 || { cat "$work/image.log"; fail "make image-server"; }
image=${FAKES3_IMAGE:-localhost/fakes3:latest}
say "make image-server: $(($(date +%s) - t)) s"

# Can the engine run a container at all? Exit status 125 is the engine's own error (docker and
# podman alike); anything else comes from fakes3 in the image and is a failure.
out=$(timeout 120 "$engine" run --rm --entrypoint /usr/bin/fakes3 "$image" --version 2>&1)
case $? in
  0) ;;
  125) trap - EXIT; rm -rf "$work"; skip "$engine cannot run a container here: $(echo "$out" | tail -n 1)" ;;
  *) echo "$out"; fail "fakes3 --version in $image" ;;
esac

# 4. The Docker API for Testcontainers.
if [ "$engine" = podman ]; then
  # A service that runs already (someone's walk-through) is used and left running.
  if ! { [ -f "$pidfile" ] && tr '\0' ' ' <"/proc/$(cat "$pidfile")/cmdline" 2>/dev/null | grep -q 'podman system service'; }; then
    started_service=1
  fi
  line=$(make -s podman-service) || fail "podman system service did not start"
  eval "$line"
fi
export TESTCONTAINERS_RYUK_DISABLED=true FAKES3_IMAGE=$image FAKES3_TC_SESSION_FILE=$work/session
say "engine: $engine${DOCKER_HOST:+, DOCKER_HOST=$DOCKER_HOST}, image: $image"

# 5. The tests: spec on the terminal, TAP into a file for the counts.
t=$(date +%s)
timeout 600 node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$work/tap" tests/testcontainers/fakes3.test.mjs
rc=$?
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$work/tap")
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$work/tap")
passed=${passed:-0} failed=${failed:-0}
say "node --test: $(($(date +%s) - t)) s"
((rc == 0)) || fail "node --test exited with status $rc"
echo "PASS: testcontainers ($engine): GenericContainer $image, Wait.forHttp(\"/_fakes3/health\"), S3 with @aws-sdk/client-s3"
