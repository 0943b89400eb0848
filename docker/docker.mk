# Container images and the compose walk-through (docker/README.md). Included by the Makefile.
#
#   make image             both images: localhost/fakes3:latest and localhost/fakes3-s3cmd:latest
#   make podman-service    (podman only) the Docker API on a socket for docker-compose; prints the
#                          DOCKER_HOST to export
#   make podman-service-stop
#   make test-compose      tests/compose/run.sh: the walk-through, checked end to end; then
#                          tests/testcontainers/run.sh: the image under Testcontainers for Node
#
# The engine: docker when a Docker daemon answers, else podman (ENGINE=docker|podman overrides).
# Podman is set up as this machine needs it: runc instead of crun, explicit ulimits, in a
# containers.conf under build/docker/ that CONTAINERS_CONF points at (only for these targets).

DOCKER_DIR     := build/docker
FAKES3_IMAGE   ?= localhost/fakes3:latest
CLIENT_IMAGE   ?= localhost/fakes3-s3cmd:latest
PODMAN_CONF    := $(CURDIR)/$(DOCKER_DIR)/containers.conf
# A unix socket path has at most 107 bytes: a deep checkout gets one under /tmp instead.
PODMAN_SOCK     = $(eval PODMAN_SOCK := $(shell p=$(CURDIR)/$(DOCKER_DIR)/podman.sock; \
  if [ $${#p} -le 100 ]; then echo $$p; else echo /tmp/fakes3-podman-$$(echo $$p | md5sum | cut -c1-12).sock; fi))$(PODMAN_SOCK)
PODMAN_PID     := $(DOCKER_DIR)/podman-service.pid
# Shared libraries are found where ldd finds them on the build machine; the loader too.
FAKES3_LIBS     = $(shell ldd build/fakes3 | awk '/=> \//{print $$3} /^\t\/[^ ]*ld-linux/{print $$1}')

# Evaluated once, on first use. A DOCKER_HOST naming our own podman socket is not a Docker daemon.
ENGINE = $(eval ENGINE := $(shell \
  if [ "$$DOCKER_HOST" != "unix://$(PODMAN_SOCK)" ] && command -v docker >/dev/null 2>&1 \
     && timeout 20 docker info >/dev/null 2>&1; then echo docker; else echo podman; fi))$(ENGINE)
ENGINE_ENV = $(if $(filter podman,$(ENGINE)),CONTAINERS_CONF=$(PODMAN_CONF))

.PHONY: image image-server image-client compose-deps engine podman-conf podman-service \
  podman-service-stop test-compose

# Installs what is missing (Debian packages), as measured on this machine: podman and runc (when
# no Docker daemon answers) and debootstrap for the client image with their recommends,
# docker-compose v1 without (podman-compose ignores network aliases).
compose-deps:
	@want="debootstrap"; [ "$(ENGINE)" = docker ] || want="podman runc $$want"; missing=; \
	for p in $$want; do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	norec=; command -v docker-compose >/dev/null 2>&1 || norec=docker-compose; \
	if [ -n "$$missing$$norec" ]; then \
	  echo "compose-deps: installing$$missing $$norec" >&2; \
	  scripts/apt.sh update -qq >/dev/null || true; \
	  if [ -n "$$missing" ]; then scripts/apt.sh install -y -qq $$missing >/dev/null || exit 1; fi; \
	  if [ -n "$$norec" ]; then scripts/apt.sh install -y -qq --no-install-recommends $$norec >/dev/null || exit 1; fi; \
	fi

# Which engine `make image` uses: docker or podman.
engine:
	@echo $(ENGINE)

# Rewritten only when its content changes (the hard nofile limit is this machine's).
podman-conf:
	@mkdir -p $(DOCKER_DIR)
	@h=$$(ulimit -Hn); printf '%s\n' '# Written by make (docker/docker.mk): podman as this machine needs it.' \
	  '[containers]' "default_ulimits = [\"nofile=$$h:$$h\", \"nproc=32768:32768\"]" \
	  '[engine]' 'runtime = "runc"' > $(PODMAN_CONF).tmp
	@cmp -s $(PODMAN_CONF).tmp $(PODMAN_CONF) && rm -f $(PODMAN_CONF).tmp || mv $(PODMAN_CONF).tmp $(PODMAN_CONF)

image: image-server image-client

# The build context: the binary, its libraries, the loader, a passwd line for uid 10001, /tmp and
# an empty folder for the data volumes. Everything is copied fresh on each run (it takes ms); the
# build cache makes an unchanged binary the same image. The image it replaces is removed (unless a
# container still uses it), so that rebuilds leave no untagged images behind.
image-server: build/fakes3 compose-deps podman-conf
	@rm -rf $(DOCKER_DIR)/server && mkdir -p $(DOCKER_DIR)/server/rootfs/usr/bin \
	  $(DOCKER_DIR)/server/rootfs/etc $(DOCKER_DIR)/server/rootfs/tmp $(DOCKER_DIR)/server/empty
	@chmod 1777 $(DOCKER_DIR)/server/rootfs/tmp
	@cp build/fakes3 $(DOCKER_DIR)/server/rootfs/usr/bin/fakes3
	@for f in $(FAKES3_LIBS); do \
	  mkdir -p $(DOCKER_DIR)/server/rootfs$$(dirname $$f) && cp -L $$f $(DOCKER_DIR)/server/rootfs$$f || exit 1; \
	done
	@echo 'root:x:0:0:root:/:/sbin/nologin' > $(DOCKER_DIR)/server/rootfs/etc/passwd
	@echo 'fakes3:x:10001:10001:fakes3:/data:/sbin/nologin' >> $(DOCKER_DIR)/server/rootfs/etc/passwd
	@printf 'root:x:0:\nfakes3:x:10001:\n' > $(DOCKER_DIR)/server/rootfs/etc/group
	@old=$$($(ENGINE_ENV) $(ENGINE) image inspect --format '{{.Id}}' $(FAKES3_IMAGE) 2>/dev/null); \
	echo "$(ENGINE) build -t $(FAKES3_IMAGE) -f docker/Dockerfile $(DOCKER_DIR)/server"; \
	$(ENGINE_ENV) $(ENGINE) build $(if $(filter podman,$(ENGINE)),--format docker) -q \
	  -t $(FAKES3_IMAGE) -f docker/Dockerfile $(DOCKER_DIR)/server >/dev/null || exit 1; \
	new=$$($(ENGINE_ENV) $(ENGINE) image inspect --format '{{.Id}}' $(FAKES3_IMAGE)); \
	echo "server: built $(FAKES3_IMAGE)"; \
	if [ -n "$$old" ] && [ "$$old" != "$$new" ]; then \
	  $(ENGINE_ENV) $(ENGINE) rmi "$$old" >/dev/null 2>&1 || true; \
	fi

# The Debian root file system is cached in build/docker/client-rootfs.tar (about a minute once).
image-client: compose-deps podman-conf
	@$(ENGINE_ENV) FAKES3_CLIENT_IMAGE=$(CLIENT_IMAGE) docker/client/build.sh $(ENGINE) $(DOCKER_DIR)

# The Docker API served by podman, for docker-compose and the docker client. Idempotent: a
# service this Makefile started and that still runs is kept.
podman-service: podman-conf
	@if [ -f $(PODMAN_PID) ] && tr '\0' ' ' </proc/$$(cat $(PODMAN_PID))/cmdline 2>/dev/null | \
	    grep -q 'podman system service' && [ -S $(PODMAN_SOCK) ]; then :; else \
	  rm -f $(PODMAN_SOCK); \
	  CONTAINERS_CONF=$(PODMAN_CONF) setsid podman system service --time=0 unix://$(PODMAN_SOCK) \
	    </dev/null >$(DOCKER_DIR)/podman-service.log 2>&1 & echo $$! > $(PODMAN_PID); \
	  for i in $$(seq 100); do [ -S $(PODMAN_SOCK) ] && break; sleep 0.1; done; \
	  [ -S $(PODMAN_SOCK) ] || { echo "podman-service: no socket, see $(DOCKER_DIR)/podman-service.log" >&2; exit 1; }; \
	fi
	@echo "export DOCKER_HOST=unix://$(PODMAN_SOCK)"

# Stops the service that podman-service started (its pid file), nothing else.
podman-service-stop:
	@if [ -f $(PODMAN_PID) ]; then \
	  pid=$$(cat $(PODMAN_PID)); \
	  tr '\0' ' ' </proc/$$pid/cmdline 2>/dev/null | grep -q 'podman system service' && kill $$pid; \
	  for i in $$(seq 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	  rm -f $(PODMAN_PID) $(PODMAN_SOCK); \
	fi

# Both run, also when the first fails: the walk-through, then Testcontainers for Node.
test-compose:
	@./tests/compose/run.sh; a=$$?; ./tests/testcontainers/run.sh; b=$$?; [ $$a = 0 ] && [ $$b = 0 ]
