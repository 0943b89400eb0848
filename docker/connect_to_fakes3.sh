#!/usr/bin/env bash
# Opens a shell in the s3cmd client container of the compose project (docker/docker-compose.yml),
# like fake-s3's connect_to_fake_s3.sh. Inside: `s3cmd ls`, `s3cmd get s3://my-bucket/file`, ...
# Arguments run a command instead of the shell: docker/connect_to_fakes3.sh s3cmd ls s3://my-bucket
# The project is COMPOSE_PROJECT_NAME (default fakes3, as in `docker-compose -p fakes3 up -d`).
# With podman, run `eval "$(make -s podman-service)"` first: it sets DOCKER_HOST.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
compose=${COMPOSE:-docker-compose}
(($#)) || set -- bash
tty=; [ -t 0 ] && [ -t 1 ] || tty=-T
exec $compose -p "${COMPOSE_PROJECT_NAME:-fakes3}" -f "$here/docker-compose.yml" exec $tty s3cmd "$@"
