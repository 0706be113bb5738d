# Shared helpers for scripts/docker/*.sh (source, do not execute).
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck disable=SC2034  # used by the scripts that source this file
CACHE_DIR="${REPO_ROOT}/.cache"
SCRIPT_T0="${SCRIPT_T0:-$(date +%s)}"
export SCRIPT_T0

log() {
  local now
  now=$(date +%s)
  printf '[%s +%4ss] %s\n' "$(basename "$0")" "$((now - SCRIPT_T0))" "$*" >&2
}

die() {
  log "ERROR: $*"
  exit 1
}

# The Debian mirror this machine uses (first deb.debian.org-style URI that
# carries the main archive, from deb822 .sources or one-line .list files).
host_debian_mirror() {
  local uri=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    uri=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources 2>/dev/null \
      | grep -v -- '-security' | grep -i debian | head -n1 || true)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' \
      /etc/apt/sources.list || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

host_debian_security_mirror() {
  local uri=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    uri=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources 2>/dev/null \
      | grep -- '-security' | head -n1 || true)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 ~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' \
      /etc/apt/sources.list || true)
  fi
  echo "${uri:-http://deb.debian.org/debian-security}"
}

# The pids of dockerd processes that serve the machine's own socket: those started without
# -H/--host, or with -H unix:///var/run/docker.sock. A daemon serving a socket of its own (each
# host of scripts/site) is someone else's and is not counted.
machine_dockerd_pids() {
  local pid args
  for pid in $(pgrep -x dockerd || true); do
    args=" $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || continue
    if [[ "$args" =~ \ (-H|--host)[=\ ]([^ ]+) ]] && [ "${BASH_REMATCH[2]}" != "unix:///var/run/docker.sock" ]; then
      continue
    fi
    echo "$pid"
  done
}
