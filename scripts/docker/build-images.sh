#!/usr/bin/env bash
# Build the platform's Docker images locally, idempotently.
#
#   scripts/docker/build-images.sh [--force] [--service-version X] [--optional] [IMAGE ...]
#
#   IMAGE            any of: base zookeeper haproxy consul consul-esm influxdb service port-guard
#                    (default: all of them, in that order);
#                    optional: cadvisor filebeat dirac mariadb (also built with --optional)
#   --force          rebuild images (and the base tarball) even if they are up to date
#                    (an image is rebuilt anyway when images/NAME changed since it was built)
#                    (Go binaries are rebuilt only when their version changes;
#                    use scripts/docker/build-go-tools.sh --force for that)
#   --service-version X   PLATFORM_VERSION of lhcb-platform/service (default 1.0.0)
#   --release R      a release of lhcb-platform/dirac: the same pinned DIRAC, tagged <version>-R
#   --rebuild-binaries  also rebuild the Go binaries (build-go-tools.sh --force)
#   --no-dockerd     do not run ensure-dockerd.sh first
#
# Tags: lhcb-platform/base:bookworm, lhcb-platform/zookeeper:<version in images/zookeeper/jars.txt>,
#       lhcb-platform/haproxy:2.6, lhcb-platform/consul:$CONSUL_VERSION,
#       lhcb-platform/consul-esm:$CONSUL_ESM_VERSION (binary from scripts/toolchain/build.sh),
#       lhcb-platform/influxdb:<influxdb-version>, lhcb-platform/service:<service-version>,
#       lhcb-platform/dirac:<the dirac version images/dirac/requirements.txt pins>[-<release>],
#       lhcb-platform/mariadb:10.11 (Debian bookworm's MariaDB),
#       lhcb-platform/port-guard:$PORT_GUARD_VERSION (Debian bookworm's iptables)
# Progress lines carry the elapsed seconds since the script started.
set -euo pipefail
# shellcheck source=scripts/docker/lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The default versions live in build-go-tools.sh and toolchain/build.sh (read from there):
# `NAME="${NAME:-VERSION}"`, quoted or not.
default_version() { # name file
  sed -n "s/^$1=\"\\{0,1\\}\\\${$1:-\\([^}]*\\)}\"\\{0,1\\}\$/\\1/p" "$REPO_ROOT/scripts/$2"
}
CONSUL_VERSION="${CONSUL_VERSION:-$(default_version CONSUL_VERSION docker/build-go-tools.sh)}"
CADVISOR_VERSION="${CADVISOR_VERSION:-$(default_version CADVISOR_VERSION docker/build-go-tools.sh)}"
FILEBEAT_VERSION="${FILEBEAT_VERSION:-$(default_version FILEBEAT_VERSION docker/build-go-tools.sh)}"
INFLUXDB_VERSION="${INFLUXDB_VERSION:-$(default_version INFLUXDB_VERSION docker/build-go-tools.sh)}"
CONSUL_ESM_VERSION="${CONSUL_ESM_VERSION:-$(default_version CONSUL_ESM_VERSION toolchain/build.sh)}"
# shellcheck source=../toolchain/paths.sh
. "$REPO_ROOT/scripts/toolchain/paths.sh"
SERVICE_VERSION="${SERVICE_VERSION:-1.0.0}"
# The port guard's tag (components/core/images.ts names it): a new one with each change of
# images/port-guard, so that a site's slaves pull the new guard.
PORT_GUARD_VERSION="${PORT_GUARD_VERSION:-1.1.0}"
RELEASE=""
SUITE=bookworm
FORCE=0
ENSURE_DOCKERD=1
OPTIONAL=0
GO_FORCE=""
WANT=()

while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --service-version) SERVICE_VERSION="${2:?--service-version needs a value}"; shift ;;
    --service-version=*) SERVICE_VERSION="${1#*=}" ;;
    --release) RELEASE="${2:?--release needs a value}"; shift ;;
    --release=*) RELEASE="${1#*=}" ;;
    --optional) OPTIONAL=1 ;;
    --rebuild-binaries) GO_FORCE=--force ;;
    --no-dockerd) ENSURE_DOCKERD=0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) die "unknown option: $1" ;;
    *) WANT+=("$1") ;;
  esac
  shift
done
if [ ${#WANT[@]} -eq 0 ]; then
  WANT=(base zookeeper haproxy consul consul-esm influxdb service port-guard)
  [ "$OPTIONAL" = 0 ] || WANT+=(cadvisor filebeat dirac mariadb)
fi

tag_of() {
  case "$1" in
    base) echo "lhcb-platform/base:$SUITE" ;;
    zookeeper) echo "lhcb-platform/zookeeper:$(jar_version zookeeper org.apache.zookeeper:zookeeper)" ;;
    haproxy) echo "lhcb-platform/haproxy:2.6" ;;
    consul) echo "lhcb-platform/consul:$CONSUL_VERSION" ;;
    consul-esm) echo "lhcb-platform/consul-esm:$CONSUL_ESM_VERSION" ;;
    influxdb) echo "lhcb-platform/influxdb:$INFLUXDB_VERSION" ;;
    service) echo "lhcb-platform/service:$SERVICE_VERSION" ;;
    cadvisor) echo "lhcb-platform/cadvisor:$CADVISOR_VERSION" ;;
    filebeat) echo "lhcb-platform/filebeat:$FILEBEAT_VERSION" ;;
    dirac) echo "lhcb-platform/dirac:$(pinned_version dirac dirac)${RELEASE:+-$RELEASE}" ;;
    mariadb) echo "lhcb-platform/mariadb:10.11" ;;
    port-guard) echo "lhcb-platform/port-guard:$PORT_GUARD_VERSION" ;;
    *) die "unknown image: $1" ;;
  esac
}

# Go binaries each image needs (copied into its build context).
bins_of() {
  case "$1" in
    haproxy) echo consul-template ;;
    consul) echo consul ;;
    service) echo "consul consul-template" ;;
    cadvisor) echo cadvisor ;;
    filebeat) echo filebeat ;;
    influxdb) echo influxd ;;
    *) echo "" ;;
  esac
}

# The version images/NAME/jars.txt pins for the jar group:artifact.
jar_version() { # name group:artifact
  awk -v ga="$2" '$1 ~ "^"ga":" { n = split($1, p, ":"); print p[n] }' "$REPO_ROOT/images/$1/jars.txt"
}

# The jars images/NAME/jars.txt lists (group:artifact:version sha256), from the Maven repository
# (MAVEN_REPOSITORY, default Maven Central) into .cache/maven, each checked, then into DIR if given.
# Fetched for every image that has the file, up to date or not: the ZooKeeper quorum test runs them.
fetch_jars() { # name [dir]
  local list="$REPO_ROOT/images/$1/jars.txt" cache="$CACHE_DIR/maven" coords sum g a v path
  local repo="${MAVEN_REPOSITORY:-https://repo.maven.apache.org/maven2}"
  mkdir -p "$cache"
  while read -r coords sum; do
    case "$coords" in ''|'#'*) continue ;; esac
    IFS=: read -r g a v <<<"$coords"
    path="${g//.//}/$a/$v/$a-$v.jar"
    if ! echo "$sum  $cache/$a-$v.jar" | sha256sum -c --quiet >/dev/null 2>&1; then
      curl -fsSL --retry 3 -o "$cache/$a-$v.jar.tmp" "$repo/$path" || die "$1: $repo/$path: download failed"
      echo "$sum  $cache/$a-$v.jar.tmp" | sha256sum -c --quiet >/dev/null 2>&1 \
        || die "$1: $repo/$path: not the jar $list names (sha256 differs)"
      mv "$cache/$a-$v.jar.tmp" "$cache/$a-$v.jar"
    fi
    [ -z "${2:-}" ] || { mkdir -p "$2"; cp "$cache/$a-$v.jar" "$2/"; }
  done <"$list"
}

# The version images/NAME/requirements.txt pins for the Python distribution DIST.
pinned_version() { # name dist
  sed -n "s/^$2==\([^ ]*\) .*/\1/p" "$REPO_ROOT/images/$1/requirements.txt"
}

# "sha256 path" of every distribution file in the PyPI cache DIR.
cached_wheels() { # dir
  find "$1" -maxdepth 1 -type f \( -name '*.whl' -o -name '*.tar.gz' \) -print0 | xargs -0r sha256sum
}

# The Python distributions images/NAME/requirements.txt and build-requirements.txt pin (each with
# the sha256 of its file), from PyPI into .cache/pypi with `pip download --require-hashes` on this
# host, then the files those hashes name into DIR/wheels and DIR/build-wheels. pip runs only when
# a pinned file is not there yet; the cache is hashed once, and again only after a download.
fetch_wheels() { # name dir
  local list sub want cached cache="$CACHE_DIR/pypi"
  mkdir -p "$cache"
  cached=$(cached_wheels "$cache")
  for list in requirements build-requirements; do
    case "$list" in requirements) sub=wheels ;; *) sub=build-wheels ;; esac
    want=$(sed -n 's/.*--hash=sha256:\([0-9a-f]*\).*/\1/p' "$REPO_ROOT/images/$1/$list.txt" | sort)
    if [ -n "$(comm -23 <(echo "$want") <(echo "$cached" | awk '{print $1}' | sort -u))" ]; then
      log "$1: pip download of images/$1/$list.txt into $cache"
      # mysqlclient's source asks pkg-config for MariaDB while pip reads its metadata; the flags
      # only satisfy that question (it is compiled in the image, against Debian's library).
      MYSQLCLIENT_CFLAGS=-I/nonexistent MYSQLCLIENT_LDFLAGS=-lnonexistent \
        pip download -q --no-deps --require-hashes -r "$REPO_ROOT/images/$1/$list.txt" -d "$cache" \
        >"$CACHE_DIR/pip-$1-$list.log" 2>&1 || { tail -n 20 "$CACHE_DIR/pip-$1-$list.log" >&2; die "$1: pip download of $list.txt failed"; }
      cached=$(cached_wheels "$cache")
    fi
    mkdir -p "$2/$sub"
    # the cached files whose hash the list names, each once
    echo "$cached" | awk 'NR == FNR { want[$1] = 1; next } want[$1] && !seen[$1]++ { print $2 }' <(echo "$want") - \
      | xargs -r cp -t "$2/$sub/"
    [ "$(find "$2/$sub" -type f | wc -l)" -eq "$(echo "$want" | wc -l)" ] \
      || die "$1: $2/$sub does not hold exactly the files images/$1/$list.txt pins"
  done
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# What an image is built from: the files of images/NAME (and the service's version, DIRAC's release), hashed. Each
# image carries it as a label, so an image whose sources changed since it was built is rebuilt
# (with Docker's layer cache) instead of kept because its tag exists.
# Files of images/shared/ an image's build context also gets (the agent runner both the service
# and the DIRAC image run their agents with; the drain the DIRAC image's services stop with; the filter
# that keeps the health bridge's pings out of their logs).
shared_of() { case $1 in service) echo platform_agent.py ;; dirac) echo platform_agent.py platform_check_server.py platform_drain.py platform_log_filter.py ;; esac; }
source_hash() { # name
  { (cd "$REPO_ROOT/images/$1" && find . -name __pycache__ -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
    for f in $(shared_of "$1"); do (cd "$REPO_ROOT/images/shared" && sha256sum "$f"); done
    [ "$1" != service ] || echo "PLATFORM_VERSION=$SERVICE_VERSION"
    [ "$1" != dirac ] || echo "PLATFORM_RELEASE=$RELEASE"; } | sha256sum | cut -c1-16
}
built_from() { docker image inspect -f '{{index .Config.Labels "platform.source"}}' "$1" 2>/dev/null || true; }
up_to_date() { # name tag
  [ "$1" = base ] && image_exists "$2" && return 0
  image_exists "$2" && [ "$(built_from "$2")" = "$(source_hash "$1")" ]
}

[ "$ENSURE_DOCKERD" = 0 ] || "$REPO_ROOT/scripts/docker/ensure-dockerd.sh"
export DOCKER_BUILDKIT=0   # the classic builder: works with Debian's dockerd, no buildx needed

MIRROR="$(host_debian_mirror)"
SECURITY_MIRROR="$(host_debian_security_mirror)"
IMG_CACHE="$CACHE_DIR/images"
mkdir -p "$IMG_CACHE"

build_base() {
  local tag=$1 tarball="$IMG_CACHE/debian-$SUITE-minbase.tar.gz" t0
  t0=$(date +%s)
  if [ "$FORCE" = 1 ] || [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || die "debootstrap missing (run scripts/docker/ensure-dockerd.sh)"
    local root="$IMG_CACHE/rootfs-$SUITE"
    rm -rf "$root" "$tarball.tmp"
    log "base: debootstrap --variant=minbase $SUITE from $MIRROR (log: $IMG_CACHE/debootstrap.log)"
    debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$IMG_CACHE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$IMG_CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
    # apt inside the image uses the same mirror as this host
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat >"$root/etc/apt/apt.conf.d/90lhcb-platform" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT
    cat >"$root/etc/dpkg/dpkg.cfg.d/90lhcb-platform-nodoc" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
    # services must not start while images are being built
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
      "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
    # some maintainer scripts (openjdk's update-alternatives) need the man dirs
    mkdir -p "$root"/usr/share/man/man{1..8}
    : >"$root/etc/machine-id"
    log "base: packing $tarball"
    tar --numeric-owner --xattrs -C "$root" \
      --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* --exclude=./run/* \
      -c . | gzip -1 >"$tarball.tmp"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  else
    log "base: using cached $tarball"
  fi
  log "base: docker import -> $tag"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV DEBIAN_FRONTEND=noninteractive' \
    --change 'CMD ["/bin/bash"]' \
    --message "debootstrap --variant=minbase $SUITE $MIRROR" \
    "$tarball" "$tag" >/dev/null
  log "base: $tag ready in $(( $(date +%s) - t0 ))s"
}

build_dockerfile_image() { # name tag
  local name=$1 tag=$2 ctx="$CACHE_DIR/build-context/$1" t0 b
  t0=$(date +%s)
  [ -f "$REPO_ROOT/images/$name/Dockerfile" ] || die "images/$name/Dockerfile missing"
  image_exists "lhcb-platform/base:$SUITE" || die "base image lhcb-platform/base:$SUITE missing"
  local bins; bins=$(bins_of "$name")
  if [ "$name" = consul-esm ]; then
    # built from its upstream source with the rest of the toolchain, cached machine-wide
    "$REPO_ROOT/scripts/toolchain/build.sh" --only consul-esm >&2 || die "consul-esm: scripts/toolchain/build.sh --only consul-esm failed"
  elif [ -n "$bins" ]; then
    # shellcheck disable=SC2086
    "$REPO_ROOT/scripts/docker/build-go-tools.sh" $GO_FORCE $bins
  fi
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "$REPO_ROOT/images/$name/." "$ctx/"
  find "$ctx" -name __pycache__ -prune -exec rm -rf {} +
  for f in $(shared_of "$name"); do cp "$REPO_ROOT/images/shared/$f" "$ctx/$f"; done
  for b in $bins; do cp "$CACHE_DIR/bin/$b" "$ctx/$b"; chmod 0755 "$ctx/$b"; done
  [ ! -f "$ctx/jars.txt" ] || fetch_jars "$name" "$ctx/lib"
  [ ! -f "$ctx/requirements.txt" ] || fetch_wheels "$name" "$ctx"
  [ "$name" != consul-esm ] || install -m 0755 "$TOOLCHAIN_CACHE/bin/consul-esm" "$ctx/consul-esm"
  # executables keep their mode through COPY (the classic builder has no --chmod)
  for script in "$ctx"/*.py; do [ ! -f "$script" ] || chmod 0755 "$script"; done
  local args=(--network host --pull=false -t "$tag" --label "platform.source=$(source_hash "$name")" --build-arg "BASE_IMAGE=lhcb-platform/base:$SUITE")
  [ "$name" != service ] || args+=(--build-arg "PLATFORM_VERSION=$SERVICE_VERSION")
  [ "$name" != dirac ] || args+=(--build-arg "PLATFORM_RELEASE=$RELEASE")
  [ "$FORCE" = 0 ] || args+=(--no-cache)
  log "$name: docker build -> $tag (log: $CACHE_DIR/build-$name.log)"
  if ! docker build "${args[@]}" "$ctx" >"$CACHE_DIR/build-$name.log" 2>&1; then
    tail -n 25 "$CACHE_DIR/build-$name.log" >&2
    die "$name: docker build failed"
  fi
  rm -rf "$ctx"
  log "$name: $tag ready in $(( $(date +%s) - t0 ))s"
}

if [ -n "$GO_FORCE" ]; then
  # rebuild each needed Go binary once, up front
  all_bins=$(for n in "${WANT[@]}"; do bins_of "$n"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
  # shellcheck disable=SC2086
  [ -z "${all_bins// /}" ] || "$REPO_ROOT/scripts/docker/build-go-tools.sh" --force $all_bins
  GO_FORCE=""
fi

for name in "${WANT[@]}"; do
  tag=$(tag_of "$name")
  [ ! -f "$REPO_ROOT/images/$name/jars.txt" ] || fetch_jars "$name"
  if [ "$FORCE" = 0 ] && up_to_date "$name" "$tag"; then
    log "$name: $tag is up to date with images/$name, skipping (use --force to rebuild)"
    continue
  fi
  [ "$FORCE" = 1 ] || ! image_exists "$tag" || log "$name: $tag was built from other sources than images/$name, rebuilding"
  old_id=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  if [ "$name" = base ]; then build_base "$tag"; else build_dockerfile_image "$name" "$tag"; fi
  new_id=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
    # drop the replaced image unless something (a container, another tag, a child image) still uses it
    docker rmi "$old_id" >/dev/null 2>&1 || true
  fi
done

log "done: $(for n in "${WANT[@]}"; do t=$(tag_of "$n"); image_exists "$t" && printf '%s ' "$t"; done)"
