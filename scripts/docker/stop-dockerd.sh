#!/usr/bin/env bash
# Stop the Docker daemon ONLY if scripts/docker/ensure-dockerd.sh started it
# (pid recorded in .cache/dockerd.started-by-us). Any other daemon is left alone.
#
#   scripts/docker/stop-dockerd.sh
set -euo pipefail
# shellcheck source=scripts/docker/lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MARKER="$CACHE_DIR/dockerd.started-by-us"
if [ ! -f "$MARKER" ]; then
  log "no $MARKER: dockerd was not started by this project; nothing to stop"
  exit 0
fi
pid=$(cat "$MARKER")
if [ -z "$pid" ] || [ ! -d "/proc/$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
  log "recorded pid '$pid' is not a running dockerd; removing stale marker"
  rm -f "$MARKER"
  exit 0
fi
log "stopping dockerd pid $pid (SIGTERM; running containers are stopped by the daemon)"
kill -TERM "$pid"
for _ in $(seq 1 60); do
  [ -d "/proc/$pid" ] || break
  sleep 1
done
if [ -d "/proc/$pid" ]; then
  log "dockerd pid $pid still running after 60s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$MARKER"
log "stopped"
