#!/bin/sh
# imagebuild real-engine test harness.
#   sh harness/engines.sh up|down|env|status|purge
# Run dir: $IBH_DIR (default /tmp/ibh; keep it short, unix socket paths must stay < 108 bytes).
# Ports: $IBH_PLAIN_PORT (5000), $IBH_TLS_PORT (5443), $IBH_DOCKER_TLS_PORT (2376), $IBH_SSH_PORT (2222),
# $IBH_PG_PORT (5433), recorded per run dir.
#   up      install missing Debian packages, generate configs, start the podman API service, dockerd
#           (unix socket + tcp://127.0.0.1:2376 with mutual TLS), a private sshd on 127.0.0.1:2222 whose
#           only command is `docker system dial-stdio` to that dockerd (ssh:// endpoint), and registries A (plain, 127.0.0.1:5000) and B (TLS + htpasswd, 127.0.0.1:5443), build the
#           a private PostgreSQL 15 cluster (127.0.0.1:5433, data under the run dir, PG_URL in the env),
#           fixtures (cached) and load them into both engines and both registries, write $IBH_DIR/env.
#           Running services are detected by pid; `up` twice is harmless.
#   down    stop everything `up` started (containers first, then by pid), kill leftovers in our cgroups,
#           remove our cgroups and any mount under the run dir. Harmless after a crash or twice.
#   env     print the env file (KEY=value lines).
#   status  show what is running.
#   purge   down, then delete the run dir (fixture caches, images, registry data included).
# The real work is done in bash; this prelude only re-executes under bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root() { [ "$(id -u)" = 0 ] || die "the harness needs root (daemons, cgroups, namespaces)"; }

# Debian packages the harness and its fixtures need; installed only when one is missing.
PACKAGES="podman buildah skopeo runc docker.io docker-registry qemu-utils busybox-static apache2-utils jq curl openssl debootstrap iptables util-linux openssh-server rpm postgresql-15"
install_packages() {
  local missing="" p
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  say "installing:$missing"
  local t0; t0=$(now_ms)
  # Without systemd, a package's postinst may still try to start its daemon (docker.io would start a
  # system dockerd that rewrites iptables). A policy-rc.d that denies starts prevents it; one we add is
  # removed again.
  local added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; added_policy=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; } \
    > "$B/logs/apt.log" 2>&1 || rc=$?
  [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || { tail -20 "$B/logs/apt.log" >&2; die "apt-get install failed (log: $B/logs/apt.log)"; }
  say "packages installed in $(since "$t0")"
}

write_env() {
  local S=$B/registry/secure f=$B/env
  {
    echo "IBH_DIR=$B"
    echo "PODMAN_SOCKET=$PODMAN_SOCK"
    echo "DOCKER_SOCKET=$DOCKER_SOCK"
    echo "PODMAN_URL=unix://$PODMAN_SOCK"
    echo "DOCKER_URL=unix://$DOCKER_SOCK"
    echo "DOCKER_TLS_URL=tcp://$DOCKER_TLS_ADDR"
    echo "DOCKER_TLS_CERT_PATH=$B/docker/client"
    echo "DOCKER_SSH_URL=ssh://root@127.0.0.1:$SSH_PORT"
    echo "DOCKER_SSH_KEY=$B/ssh/client_key"
    echo "DOCKER_SSH_HOST_KEY=$B/ssh/host_ed25519_key.pub"
    echo "REGISTRY_PLAIN=$PLAIN_ADDR"
    echo "REGISTRY_TLS=$TLS_ADDR"
    echo "REGISTRY_CA=$S/certs/ca.crt"
    echo "REGISTRY_CERTS_D=$B/registry/certs.d"
    echo "REGISTRY_USER=$(cat "$S/user")"
    echo "REGISTRY_PASSWORD=$(cat "$S/password")"
    echo "REGISTRY_AUTH_FILE=$B/registry/auth.json"
    echo "BASE_IMAGE=localhost/bootc-base:latest"
    echo "BASE_IMAGE_PLAIN=$PLAIN_ADDR/fixtures/bootc-base:latest"
    echo "BASE_IMAGE_TLS=$TLS_ADDR/fixtures/bootc-base:latest"
    echo "BIB_IMAGE=localhost/bib-standin:latest"
    echo "BIB_IMAGE_PLAIN=$PLAIN_ADDR/fixtures/bib-standin:latest"
    echo "BIB_IMAGE_TLS=$TLS_ADDR/fixtures/bib-standin:latest"
    echo "PODMAN_GRAPHROOT=$B/podman/root"
    echo "IBH_TMP=$B/tmp"
    echo "PG_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  } > "$f.tmp"
  chmod 0600 "$f.tmp"; mv "$f.tmp" "$f"
}

cmd_up() {
  need_root
  local t0; t0=$(now_ms)
  mkdir -p "$B/run" "$B/logs"
  [ ${#PODMAN_SOCK} -lt 100 ] || die "IBH_DIR too long for unix sockets: $B"
  exec 9>"$B/run/lock"; flock 9
  install_packages
  "$HARNESS/bin/setup-config"
  "$HARNESS/bin/start-registries"
  "$HARNESS/bin/start-podman"
  "$HARNESS/bin/start-dockerd"
  "$HARNESS/bin/start-sshd"
  "$HARNESS/bin/start-postgres"
  say "services ready in $(since "$t0")"
  "$HARNESS/fixtures/build-base.sh"
  "$HARNESS/fixtures/build-bib.sh"
  "$HARNESS/fixtures/publish.sh"
  write_env
  say "up in $(since "$t0"); env: $B/env (npm run engines:env)"
}

cmd_down() {
  need_root
  [ -d "$B" ] || { say "nothing to stop ($B does not exist)"; return 0; }
  local t0; t0=$(now_ms)
  mkdir -p "$B/run"
  exec 9>"$B/run/lock"; flock 9
  local rc=0
  if [ -x "$B/bin/stop-pid" ]; then "$HARNESS/bin/stop-all" || rc=$?; fi
  rm -f "$B/env"
  say "down in $(since "$t0")"
  return $rc
}

cmd_env() {
  [ -f "$B/env" ] || die "no harness env at $B/env: run 'npm run engines:up' first"
  cat "$B/env"
}

cmd_status() {
  local n f rc=0
  for n in podman dockerd sshd registry-plain registry-secure postgres; do
    f=$B/run/$n.pid
    if pid_alive "$f"; then echo "$n: running (pid $(sed -n 1p "$f"))"; else echo "$n: stopped"; rc=3; fi
  done
  ping_sock "$PODMAN_SOCK" && echo "podman socket: $PODMAN_SOCK OK" || echo "podman socket: not answering"
  ping_sock "$DOCKER_SOCK" && echo "docker socket: $DOCKER_SOCK OK" || echo "docker socket: not answering"
  return $rc
}

cmd_purge() {
  cmd_down
  if awk -v b="$B/" 'index($2, b) == 1 {f=1} END {exit !f}' /proc/self/mounts; then die "mounts remain under $B"; fi
  rm -rf "$B"
  say "removed $B"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  purge) cmd_purge ;;
  *) echo "usage: sh harness/engines.sh up|down|env|status|purge   (run dir: \$IBH_DIR, default /tmp/ibh)" >&2; exit 2 ;;
esac
