#!/usr/bin/env bash
# Build Go tools used by the platform images from the Go module proxy, on the
# host, as static binaries (CGO_ENABLED=0), cached in .cache/bin/.
#
#   scripts/docker/build-go-tools.sh [--force] [consul|consul-template|cadvisor|filebeat|influxd ...]
#
# Default targets: consul consul-template. A binary is rebuilt only when it is
# missing, its version stamp (.cache/bin/<tool>.version) differs, or --force.
set -euo pipefail
# shellcheck source=scripts/docker/lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# consul v1.16.4 is refused by the module proxy (403 "This module version is not
# available."; v1.16.5 likewise for its .zip); v1.16.6 is the nearest 1.16 patch it serves.
CONSUL_VERSION="${CONSUL_VERSION:-1.16.6}"
# consul's go.mod points its submodules at ./api, ./sdk, ... (not part of the
# module zip) and requires older tags; troubleshoot v0.3.1 lacks the
# troubleshoot/ports package that 1.16.x uses, so a newer tag is pinned.
CONSUL_SUBMODULE_OVERRIDES="${CONSUL_SUBMODULE_OVERRIDES:-troubleshoot@v0.6.0}"
CONSUL_TEMPLATE_VERSION="${CONSUL_TEMPLATE_VERSION:-0.42.1}"
# github.com/google/cadvisor/cmd (where cadvisor's main package lives since
# v0.37) is not served by the module proxy (404); v0.36.0 is the last release
# whose main package (with the influxdb storage driver) is in the root module.
CADVISOR_VERSION="${CADVISOR_VERSION:-0.36.0}"
FILEBEAT_VERSION="${FILEBEAT_VERSION:-7.17.28}"
# InfluxDB 1.8.10, the version cert and prod run; its module builds without cgo.
INFLUXDB_VERSION="${INFLUXDB_VERSION:-1.8.10}"

FORCE=0
TARGETS=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) TARGETS+=("$a") ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(consul consul-template)

BIN_DIR="${CACHE_DIR}/bin"
WORK_DIR="${CACHE_DIR}/go"
mkdir -p "$BIN_DIR" "$WORK_DIR"
export CGO_ENABLED=0 GOOS=linux GOARCH="${GOARCH:-amd64}"
export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
# The checksum database (reached through the proxy) has no entries for some
# consul submodule tags (e.g. envoyextensions v0.4.1, troubleshoot v0.3.1:
# "404 Not Found" on sumdb lookup); those are taken from the proxy unverified.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/hashicorp/consul"

command -v go >/dev/null || die "go is required on PATH"

up_to_date() { # tool version
  [ "$FORCE" = 0 ] && [ -x "$BIN_DIR/$1" ] && [ "$(cat "$BIN_DIR/$1.version" 2>/dev/null)" = "$2" ]
}

# Wrapper module: requires the upstream module as a dependency, so its local
# `replace => ./sub` directives are ignored and the published submodule
# versions it requires are used instead.
wrapper_module() { # dir module-path extra-go.mod-lines
  local dir=$1
  mkdir -p "$dir"
  cat >"$dir/go.mod" <<GOMOD
module lhcb-platform.local/build/$(basename "$dir")

go 1.22

$2
GOMOD
  : >"$dir/go.sum"
}

build_consul() {
  local v=$CONSUL_VERSION
  if up_to_date consul "$v $CONSUL_SUBMODULE_OVERRIDES"; then log "consul $v: cached ($BIN_DIR/consul)"; return; fi
  local dir="$WORK_DIR/consul-$v" t0; t0=$(date +%s)
  # Pin the whole build list to the versions in consul's own (tidy) go.mod with
  # replace directives, so newer requirements of the submodule tags cannot
  # raise shared dependencies (e.g. golang.org/x/exp, consul/api).
  local gomod
  gomod="$(go env GOMODCACHE)/cache/download/github.com/hashicorp/consul/@v/v$v.mod"
  [ -s "$gomod" ] || (cd "$WORK_DIR" && GOFLAGS="" go mod download "github.com/hashicorp/consul@v$v")
  [ -s "$gomod" ] || die "cannot fetch go.mod of consul v$v"
  local pins overrides="" m
  pins=$(awk '
    /^require[ \t]*\(/ {inreq=1; next}
    inreq && /^\)/ {inreq=0; next}
    /^require[ \t]+[^(]/ {print $2, $3; next}
    inreq && NF >= 2 && $1 !~ /^\/\// {print $1, $2}
  ' "$gomod")
  for m in $CONSUL_SUBMODULE_OVERRIDES; do overrides+=" github.com/hashicorp/consul/${m%@*}=${m#*@}"; done
  local req="" rep="" mod ver o
  while read -r mod ver; do
    for o in $overrides; do [ "${o%%=*}" = "$mod" ] && ver="${o#*=}"; done
    req+=$'\n\t'"$mod $ver"
    rep+=$'\n\t'"$mod => $mod $ver"
  done <<<"$pins"
  wrapper_module "$dir" "require (
	github.com/hashicorp/consul v$v$req
)

replace ($rep
)

// consul's own excludes (excludes of dependencies are ignored)
exclude (
	github.com/hashicorp/go-msgpack v1.1.5
	github.com/hashicorp/go-msgpack v1.1.6
)"
  log "consul $v: building from module proxy in $dir"
  ( cd "$dir" && go build -trimpath \
      -ldflags "-s -w -X github.com/hashicorp/consul/version.GitCommit=v$v -X github.com/hashicorp/consul/version.VersionPrerelease= -X github.com/hashicorp/consul/version.Version=$v" \
      -o "$BIN_DIR/consul.tmp" github.com/hashicorp/consul )
  mv "$BIN_DIR/consul.tmp" "$BIN_DIR/consul"
  echo "$v $CONSUL_SUBMODULE_OVERRIDES" >"$BIN_DIR/consul.version"
  log "consul $v: built in $(( $(date +%s) - t0 ))s: $("$BIN_DIR/consul" version | head -n1)"
}

build_consul_template() {
  local v=$CONSUL_TEMPLATE_VERSION
  if up_to_date consul-template "$v"; then log "consul-template $v: cached"; return; fi
  local dir="$WORK_DIR/consul-template-$v" t0; t0=$(date +%s)
  wrapper_module "$dir" "require github.com/hashicorp/consul-template v$v"
  log "consul-template $v: building from module proxy in $dir"
  ( cd "$dir" && go build -trimpath \
      -ldflags "-s -w -X github.com/hashicorp/consul-template/version.GitCommit=v$v" \
      -o "$BIN_DIR/consul-template.tmp" github.com/hashicorp/consul-template )
  mv "$BIN_DIR/consul-template.tmp" "$BIN_DIR/consul-template"
  echo "$v" >"$BIN_DIR/consul-template.version"
  log "consul-template $v: built in $(( $(date +%s) - t0 ))s: $("$BIN_DIR/consul-template" -version 2>&1 | head -n1)"
}

build_cadvisor() {
  local v=$CADVISOR_VERSION
  if up_to_date cadvisor "$v"; then log "cadvisor $v: cached"; return; fi
  local dir="$WORK_DIR/cadvisor-$v" t0 src; t0=$(date +%s)
  src="$(cd "$WORK_DIR" && GOFLAGS="" go mod download -json "github.com/google/cadvisor@v$v" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || die "cannot download github.com/google/cadvisor@v$v"
  # Local copy with one fix: its init() calls flag.Set("v") before klog defines
  # -v, which Go >= 1.21 turns into a panic at start-up ("flag v set at
  # cadvisor.go:132 before being defined"); the Set moves after klog.InitFlags.
  rm -rf "$dir"; mkdir -p "$dir"
  cp -r "$src" "$dir/cadvisor"; chmod -R u+w "$dir/cadvisor"
  sed -i 's|^\tflag.Set("v", "2")$|\t// flag.Set("v", "2") moved to main()|; s|^\tklog.InitFlags(nil)$|\tklog.InitFlags(nil)\n\tflag.Set("v", "2")|' "$dir/cadvisor/cadvisor.go"
  grep -q 'moved to main()' "$dir/cadvisor/cadvisor.go" || die "cadvisor.go patch did not apply"
  cat >"$dir/go.mod" <<GOMOD
module lhcb-platform.local/build/cadvisor-$v

go 1.22

require github.com/google/cadvisor v$v

replace github.com/google/cadvisor => ./cadvisor
GOMOD
  : >"$dir/go.sum"
  log "cadvisor $v: building from module proxy in $dir"
  ( cd "$dir" && go build -trimpath \
      -ldflags "-s -w -X github.com/google/cadvisor/version.Version=v$v" \
      -o "$BIN_DIR/cadvisor.tmp" github.com/google/cadvisor )
  mv "$BIN_DIR/cadvisor.tmp" "$BIN_DIR/cadvisor"
  echo "$v" >"$BIN_DIR/cadvisor.version"
  log "cadvisor $v: built in $(( $(date +%s) - t0 ))s"
}

# Builds package PKG of MODULE@vVERSION into $BIN_DIR/NAME inside a copy of the downloaded module
# tree, so that the module's own replace directives apply (beats' forks of sarama, docker,
# fsnotify, ...).
build_in_module_tree() { # name module version pkg extra-ldflags
  local name=$1 module=$2 v=$3 pkg=$4 ldflags=$5
  if up_to_date "$name" "$v"; then log "$name $v: cached"; return; fi
  local dir="$WORK_DIR/$name-$v" t0 src; t0=$(date +%s)
  src="$(cd "$WORK_DIR" && GOFLAGS="" go mod download -json "$module@v$v" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || die "cannot download $module@v$v"
  rm -rf "$dir"; cp -r "$src" "$dir"; chmod -R u+w "$dir"
  log "$name $v: building $pkg of $module from module proxy in $dir"
  ( cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN_DIR/$name.tmp" "$pkg" )
  mv "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  echo "$v" >"$BIN_DIR/$name.version"
  log "$name $v: built in $(( $(date +%s) - t0 ))s"
}

build_filebeat() {
  build_in_module_tree filebeat github.com/elastic/beats/v7 "$FILEBEAT_VERSION" ./filebeat ""
}

build_influxd() {
  local v=$INFLUXDB_VERSION
  build_in_module_tree influxd github.com/influxdata/influxdb "$v" ./cmd/influxd \
    "-X main.version=$v -X main.branch=$v -X main.commit=v$v"
}

for t in "${TARGETS[@]}"; do
  case "$t" in
    consul) build_consul ;;
    consul-template) build_consul_template ;;
    cadvisor) build_cadvisor ;;
    filebeat) build_filebeat ;;
    influxd) build_influxd ;;
    *) die "unknown target: $t" ;;
  esac
done
