#!/bin/bash
# Leak check, run after `engines.sh down` (CI does): proves that no harness process, no ibh* cgroup,
# no mount under the run dir, no listener on dockerd's tcp+TLS port or the sshd port, no DOCKER/NETAVARK iptables rule and no docker0/podman0 or test veth (ibt*) link is left.
# Exits non-zero and lists what it found otherwise.
#   IBH_STRICT=1 (default when CI=true): any dockerd/containerd/podman/conmon/docker-registry process
#   and any ibh* cgroup counts, not only those of this run dir (a developer machine may run others).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -uo pipefail
. "$(dirname "$0")/lib.sh"
strict=${IBH_STRICT:-$([ "${CI:-}" = true ] && echo 1 || echo 0)}
fail=0
bad() { echo "LEAK: $*"; fail=1; }

# 1. processes
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  comm=$(cat "$p/comm" 2>/dev/null) || continue
  case "$comm" in dockerd|containerd|containerd-shim*|podman|conmon|docker-registry|docker-proxy|runc|netavark|aardvark-dns|postgres) ;; *) continue ;; esac
  if [ "$strict" != 1 ]; then
    mine=0
    tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF "$B/" && mine=1
    case "$(readlink "$p/cwd" 2>/dev/null)" in "$B"|"$B"/*) mine=1 ;; esac
    grep -q "/$CG_TAG-" "$p/cgroup" 2>/dev/null && mine=1
    [ $mine = 1 ] || continue
  fi
  bad "process $pid $comm: $(tr '\0' ' ' < "$p/cmdline" 2>/dev/null | cut -c1-160)"
done
# 2. cgroups
if [ "$strict" = 1 ]; then pat='ibh*'; else pat="$CG_TAG-*"; fi
while read -r d; do bad "cgroup $d"; done < <(find /sys/fs/cgroup -type d -name "$pat" 2>/dev/null)
# 3. mounts under the run dir, in this namespace and in any other process's
while read -r m; do bad "mount $m"; done < <(awk -v b="$B/" 'index($2, b) == 1 {print $2}' /proc/self/mounts)
for p in /proc/[0-9]*; do
  [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$(readlink /proc/self/ns/mnt)" ] && continue
  n=$(awk -v b="$B/" 'index($2, b) == 1' "$p/mounts" 2>/dev/null | wc -l)
  [ "${n:-0}" = 0 ] || bad "process ${p#/proc/} ($(cat "$p/comm" 2>/dev/null)) holds $n mounts under $B"
done
# 4. iptables rules and bridges
if command -v iptables-save >/dev/null 2>&1; then
  n=$(iptables-save 2>/dev/null | grep -cE 'DOCKER|NETAVARK')
  [ "$n" = 0 ] || bad "$n DOCKER/NETAVARK iptables lines: $(iptables-save 2>/dev/null | grep -E 'DOCKER|NETAVARK' | head -3 | tr '\n' ' ')"
fi
for l in docker0 podman0; do ip link show "$l" >/dev/null 2>&1 && bad "network link $l"; done
# the host ends of the veth pairs test/runners/netns-process.ts creates (they go with the test's namespace)
while read -r l; do bad "network link $l (a test network namespace's veth)"; done < <(ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^ibt/ {sub(/@.*/, "", $2); print $2}')
# 5. sockets
for s in "$PODMAN_SOCK" "$DOCKER_SOCK"; do [ -e "$s" ] && bad "socket $s"; done
# 6. dockerd's tcp+TLS listener and our sshd (its processes, by their config path under $B, and its port)
for port in "$DOCKER_TLS_PORT" "$SSH_PORT" "$PG_PORT"; do
  if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
    bad "a listener on port $port (the harness's dockerd tcp+TLS / sshd / postgres port): $(ss -Hltnp "sport = :$port" 2>/dev/null | head -1)"
  fi
done
for p in /proc/[0-9]*; do
  [ "$(cat "$p/comm" 2>/dev/null)" = sshd ] || continue
  tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF "$B/" && bad "process ${p#/proc/} sshd: $(tr '\0' ' ' < "$p/cmdline" | cut -c1-160)"
done
if [ $fail = 0 ]; then echo "check-clean: OK (no process, cgroup, mount, iptables rule or link left by the harness in $B)"; fi
exit $fail
