#!/usr/bin/env bash
# Make a Docker Engine available on this machine, idempotently.
#
#   scripts/docker/ensure-dockerd.sh
#
# - installs Debian's docker.io (and debootstrap) with apt when dockerd is missing;
# - if no daemon answers `docker info`, starts dockerd in the background
#   (log: .cache/dockerd.log) and records it in .cache/dockerd.started-by-us
#   (pid), so scripts/docker/stop-dockerd.sh only ever stops a daemon started here;
# - storage driver: overlay2, falling back to fuse-overlayfs, then vfs
#   (override with DOCKERD_STORAGE_DRIVER=...); the driver that worked is
#   remembered in .cache/dockerd.storage-driver so restarts keep the same images;
# - iptables: the default (nft) backend, falling back to iptables-legacy;
# - verifies that `docker run --rm` works (with lhcb-platform/base:bookworm once
#   it exists, else with a throwaway image made from the host's busybox, if any).
# Environment: DOCKERD_STORAGE_DRIVER, DOCKERD_DATA_ROOT (/var/lib/docker),
# DOCKERD_WAIT_SECS (60), DOCKERD_GOGC (the daemon's GOGC, 400). The daemon listens on
# unix:///var/run/docker.sock.
set -euo pipefail
# shellcheck source=scripts/docker/lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$CACHE_DIR"
LOG="$CACHE_DIR/dockerd.log"
MARKER="$CACHE_DIR/dockerd.started-by-us"
DRIVER_FILE="$CACHE_DIR/dockerd.storage-driver"
SOCK=/var/run/docker.sock
DATA_ROOT="${DOCKERD_DATA_ROOT:-/var/lib/docker}"
WAIT_SECS="${DOCKERD_WAIT_SECS:-60}"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

daemon_answers() { timeout 10 docker info >/dev/null 2>&1; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v iptables >/dev/null || missing+=(iptables)
  # docker.io provides /usr/bin/docker; a newer client elsewhere on PATH is fine too.
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing with apt: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" ca-certificates pigz xz-utils >>"$LOG" 2>&1
  fi
  command -v dockerd >/dev/null || die "dockerd still missing after apt install"
}

ensure_cgroups() {
  # cgroup v2 (unified) needs nothing; for v1, make sure the hierarchies are mounted.
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then return; fi
  if ! mountpoint -q /sys/fs/cgroup; then
    log "mounting cgroup v1 hierarchies"
    $SUDO mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
    # shellcheck disable=SC2013  # one controller name per line, no spaces
    for c in $(awk 'NR>1 && $4==1 {print $1}' /proc/cgroups); do
      $SUDO mkdir -p "/sys/fs/cgroup/$c"
      mountpoint -q "/sys/fs/cgroup/$c" || $SUDO mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" || true
    done
  fi
}

our_pid() { # pid of the daemon we started, if alive
  [ -f "$MARKER" ] || return 1
  local pid; pid=$(cat "$MARKER")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && echo "$pid"
}

start_daemon() { # driver iptables-flavour -> 0 when it answers
  local driver=$1 ipt=$2 pid waited=0
  local path_prefix=""
  if [ "$ipt" = legacy ]; then
    # dockerd calls `iptables`; put a directory first on its PATH that maps to legacy.
    path_prefix="$CACHE_DIR/iptables-legacy-bin"
    mkdir -p "$path_prefix"
    ln -sf "$(command -v iptables-legacy)" "$path_prefix/iptables"
    ln -sf "$(command -v ip6tables-legacy)" "$path_prefix/ip6tables"
  fi
  log "starting dockerd (storage-driver=$driver, iptables=$ipt, data-root=$DATA_ROOT); log: $LOG"
  {
    echo "===== $(date -Is) starting dockerd storage-driver=$driver iptables=$ipt"
  } >>"$LOG"
  # setsid: detach from this script's session so the daemon outlives it.
  # GOGC: see DOCKERD_GOGC in scripts/site/files.ts (dockerd runs itself again 4-5 times per
  # container; at 400 those runs do not collect garbage while they initialize).
  PATH="${path_prefix:+$path_prefix:}$PATH" setsid $SUDO env GOGC="${DOCKERD_GOGC:-400}" dockerd \
    --host "unix://$SOCK" \
    --data-root "$DATA_ROOT" \
    --storage-driver "$driver" \
    --exec-opt native.cgroupdriver=cgroupfs \
    --pidfile /var/run/docker.pid \
    --log-level warn \
    </dev/null >>"$LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$MARKER"
  while [ "$waited" -lt "$WAIT_SECS" ]; do
    if ! [ -d "/proc/$pid" ]; then
      log "dockerd exited early (storage-driver=$driver, iptables=$ipt); tail of log:"
      tail -n 5 "$LOG" >&2
      rm -f "$MARKER"
      return 1
    fi
    if daemon_answers; then
      log "dockerd answers (pid $pid) after ${waited}s"
      return 0
    fi
    sleep 1; waited=$((waited + 1))
  done
  log "dockerd did not answer within ${WAIT_SECS}s; stopping it"
  kill "$pid" 2>/dev/null || true
  sleep 2
  rm -f "$MARKER"
  return 1
}

verify_run() {
  local img=""
  if docker image inspect lhcb-platform/base:bookworm >/dev/null 2>&1; then
    img=lhcb-platform/base:bookworm
  else
    # Tiny throwaway image with a static binary from the host (no registry needed).
    img=lhcb-platform/smoketest:local
    if ! docker image inspect "$img" >/dev/null 2>&1; then
      local d; d=$(mktemp -d)
      local bin; bin=$(command -v busybox || true)
      if [ -z "$bin" ]; then
        log "no busybox on host: skipping the docker run check until the base image exists"
        rm -rf "$d"; return 0
      fi
      mkdir -p "$d/bin"; cp "$bin" "$d/bin/busybox"; ln -s busybox "$d/bin/sh"; ln -s busybox "$d/bin/true"
      tar -C "$d" -c . | docker import - "$img" >/dev/null
      rm -rf "$d"
    fi
  fi
  if docker run --rm "$img" /bin/sh -c 'exit 0' >/dev/null 2>>"$LOG"; then
    log "verified: docker run --rm $img works"
  else
    die "docker run --rm $img failed (see $LOG)"
  fi
}

install_packages
if daemon_answers; then
  if pid=$(our_pid); then
    log "dockerd already running (started by this project, pid $pid)"
  else
    log "a Docker daemon already answers (not started by this project); leaving it alone"
  fi
  verify_run
  exit 0
fi

# A stale marker (daemon gone) is removed; never touch a daemon we did not start.
if [ -f "$MARKER" ] && ! our_pid >/dev/null; then rm -f "$MARKER"; fi
if pid=$(our_pid); then
  die "dockerd pid $pid (ours) is running but does not answer; see $LOG or run scripts/docker/stop-dockerd.sh"
fi
if [ -n "$(machine_dockerd_pids)" ]; then
  die "a dockerd process serving $SOCK exists that does not answer and was not started by this project; not touching it"
fi

ensure_cgroups
# IP forwarding is needed for container networking (bridge + NAT).
[ "$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)" = 1 ] || $SUDO sysctl -qw net.ipv4.ip_forward=1 || true

if [ -n "${DOCKERD_STORAGE_DRIVER:-}" ]; then
  drivers=("$DOCKERD_STORAGE_DRIVER")
elif [ -s "$DRIVER_FILE" ]; then
  drivers=("$(cat "$DRIVER_FILE")")
else
  drivers=(overlay2 fuse-overlayfs vfs)
fi

for driver in "${drivers[@]}"; do
  if [ "$driver" = fuse-overlayfs ] && ! command -v fuse-overlayfs >/dev/null; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fuse-overlayfs >>"$LOG" 2>&1 || continue
  fi
  for ipt in default legacy; do
    if [ "$ipt" = legacy ] && ! command -v iptables-legacy >/dev/null; then continue; fi
    if start_daemon "$driver" "$ipt"; then
      echo "$driver" >"$DRIVER_FILE"
      verify_run
      exit 0
    fi
    # Only retry with legacy iptables when the failure looks iptables-related.
    grep -q -i iptables <(tail -n 20 "$LOG") || break
  done
done
die "could not start dockerd with any storage driver (${drivers[*]}); see $LOG"
