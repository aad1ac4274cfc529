# shellcheck shell=bash
# Shared by harness/engines.sh and harness/bin/*: run-dir layout and small helpers.
# B is the run dir: $IBH_DIR, default /tmp/ibh. Unix socket paths must stay under 108 bytes.
B=${B:-${IBH_DIR:-/tmp/ibh}}
case "$B" in /*) ;; *) B="$(pwd)/$B" ;; esac
B=${B%/}
export B
HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Registry ports: 5000 / 5443 unless IBH_PLAIN_PORT / IBH_TLS_PORT say otherwise (a second harness in
# another run dir needs other ports). The first `up` of a run dir records them in $B/ports.
if [ -z "${IBH_PLAIN_PORT:-}${IBH_TLS_PORT:-}${IBH_DOCKER_TLS_PORT:-}${IBH_SSH_PORT:-}${IBH_PG_PORT:-}" ] && [ -f "$B/ports" ]; then . "$B/ports"; fi
PLAIN_PORT=${IBH_PLAIN_PORT:-${PLAIN_PORT:-5000}}
TLS_PORT=${IBH_TLS_PORT:-${TLS_PORT:-5443}}
# dockerd's second listener: tcp with mutual TLS (client certs in $B/docker/client), port 2376 unless
# IBH_DOCKER_TLS_PORT says otherwise (recorded in $B/ports like the registry ports).
DOCKER_TLS_PORT=${IBH_DOCKER_TLS_PORT:-${DOCKER_TLS_PORT:-2376}}
DOCKER_TLS_ADDR=127.0.0.1:$DOCKER_TLS_PORT
# A private sshd (127.0.0.1:2222 unless IBH_SSH_PORT) whose only command is `docker system dial-stdio`
# to our dockerd: the ssh:// engine endpoint.
SSH_PORT=${IBH_SSH_PORT:-${SSH_PORT:-2222}}
# A private PostgreSQL 15 cluster (Debian's packages) on 127.0.0.1:5433 unless IBH_PG_PORT: the builder's
# PostgresStore tests and bench. 5433, not 5432, so a system cluster never collides with ours.
PG_PORT=${IBH_PG_PORT:-${PG_PORT:-5433}}
PG_BIN=/usr/lib/postgresql/15/bin
PLAIN_ADDR=127.0.0.1:$PLAIN_PORT
TLS_ADDR=127.0.0.1:$TLS_PORT
# Name of our nested cgroups: ibh-podman / ibh-docker for the default run dir, ibh-<hash>-... otherwise,
# so two harnesses never share (or tear down) each other's cgroups.
if [ "$B" = /tmp/ibh ]; then CG_TAG=ibh; else CG_TAG=ibh-$(printf '%s' "$B" | sha256sum | cut -c1-8); fi
PODMAN_SOCK=$B/run/podman.sock
DOCKER_SOCK=$B/run/docker.sock
API=v1.41

say()  { printf 'ibh: %s\n' "$*" >&2; [ -d "$B/logs" ] && printf '%s %s\n' "$(date -u +%FT%TZ)" "$*" >> "$B/logs/harness.log"; return 0; }
die()  { printf 'ibh: ERROR: %s\n' "$*" >&2; [ -d "$B/logs" ] && printf '%s ERROR %s\n' "$(date -u +%FT%TZ)" "$*" >> "$B/logs/harness.log"; exit 1; }
now_ms() { date +%s%3N; }
since() { echo "$(( ($(now_ms) - $1) ))ms"; }

# pidfile format: line 1 pid, line 2 the process start time (field 22 of /proc/PID/stat), so a
# recycled pid is never taken for ours.
pid_alive() { # PIDFILE
  [ -f "$1" ] || return 1
  local p st
  p=$(sed -n 1p "$1"); st=$(sed -n 2p "$1")
  [ -n "$p" ] && [ -d "/proc/$p" ] || return 1
  [ -z "$st" ] || [ "$(awk '{print $22}' "/proc/$p/stat" 2>/dev/null)" = "$st" ]
}

# launch NAME CMD [ARGS...]: start CMD as a session leader in the background, stdin from /dev/null,
# output to $B/logs/NAME.log; write $B/run/NAME.pid (pid + start time).
launch() {
  local name=$1; shift
  local pf="$B/run/$name.pid"
  rm -f "$pf.tmp"
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pf.tmp" "$@" </dev/null >>"$B/logs/$name.log" 2>&1 9>&- &
  local i=0
  while [ ! -s "$pf.tmp" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done
  local p; p=$(cat "$pf.tmp" 2>/dev/null) || die "could not start $name"
  printf '%s\n%s\n' "$p" "$(awk '{print $22}' "/proc/$p/stat" 2>/dev/null)" > "$pf"
  rm -f "$pf.tmp"
}

ping_sock() { # SOCKET -> 0 when the engine answers /_ping with OK
  [ -S "$1" ] && [ "$(curl -s --max-time 3 --unix-socket "$1" http://d/_ping 2>/dev/null)" = OK ]
}

# api SOCKET METHOD PATH [curl args...]: Docker-compatible API call, prints the body, fails on HTTP >= 400
api() {
  local sock=$1 method=$2 path=$3; shift 3
  curl -sS --fail-with-body --unix-socket "$sock" -X "$method" "http://d$path" "$@"
}

# HTTP status, or 000 when nothing answers: never fails, so `x=$(http_code …)` under `set -e` does not
# end the script when a server is not listening yet (curl's exit status 7).
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" 2>/dev/null || true; }
