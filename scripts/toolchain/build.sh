#!/usr/bin/env bash
# Builds the Pulumi toolchain: the CLI and Node.js language host from the Go module proxy, the
# docker, consul and command provider plugins and consul-esm from the upstream archives in
# ../shared/upstream (PLATFORM_UPSTREAM) plus the proxy. Binaries are cached machine-wide in
# ${PLATFORM_TOOLCHAIN_CACHE:-$HOME/.cache/lhcb-platform/toolchain}, shared by every clone.
#
# Usage: scripts/toolchain/build.sh [--only a,b] [--force] [--list]
#   pieces: cli, nodejs-host, yaml-host, docker, command, consul, consul-esm
#   --only           build only these pieces (default: all)
#   --force          rebuild even when the cached binary is up to date
#   --list           print the pieces, their sources and versions, and exit
#
# Every piece is built on its own: a failure is reported (with the log tail) and the next piece is
# tried; the script exits 1 at the end if any piece failed. Docs: docs/toolchain.md.
set -uo pipefail

TC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TC_DIR/../.." && pwd)
# shellcheck source=paths.sh
. "$TC_DIR/paths.sh"
# shellcheck source=docker-provider-edits.sh
. "$TC_DIR/docker-provider-edits.sh"
OUT=$TOOLCHAIN_CACHE
BIN_DIR=$OUT/bin
PLUGIN_DIR=$OUT/plugins
WORK_DIR=$OUT/work
LOG_DIR=$OUT/logs
STAMP_DIR=$OUT/stamps

# ---- versions (override through the environment) --------------------------------
# The proxy serves pkg/v3 only at some tags (v3.252.0, v3.274.1, ...), not at
# v3.263.0 (403 "This module version is not available"); v3.274.1 is the nearest
# served tag that is not older than the @pulumi/pulumi 3.263.0 npm SDK.
PULUMI_VERSION=${PULUMI_VERSION:-v3.274.1}
# Language host candidates, tried in order: "module@version" of the standalone
# module, then "intree@sdk-version" for the copy inside sdk/v3 (<= v3.68.0).
NODEJS_HOST_CANDIDATES=${NODEJS_HOST_CANDIDATES:-"module@v3.0.0-20260820084410-a05d88f24d05 intree@v3.68.0"}
# Plugin versions: the npm SDKs in package.json are pinned to the same ones.
DOCKER_PLUGIN_VERSION=${DOCKER_PLUGIN_VERSION:-5.2.0}
COMMAND_PLUGIN_VERSION=${COMMAND_PLUGIN_VERSION:-1.2.1}
CONSUL_PLUGIN_VERSION=${CONSUL_PLUGIN_VERSION:-3.15.1}
CONSUL_ESM_VERSION=${CONSUL_ESM_VERSION:-0.9.1}

ALL_PIECES="cli nodejs-host yaml-host docker command consul consul-esm"
NEEDS_UPSTREAM="yaml-host docker command consul consul-esm"

# ---- Go environment ----------------------------------------------------------------
# GOPROXY is taken from the environment / `go env` as it is.
export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
GO_P=${TOOLCHAIN_GO_P:-2}          # package build parallelism (2-core machines)

ONLY="" FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    --only=*) ONLY=${1#*=}; shift ;;
    --force) FORCE=1; shift ;;
    --list)
      echo "cli          github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION (cmd/pulumi) -> $BIN_DIR/pulumi"
      echo "nodejs-host  candidates: $NODEJS_HOST_CANDIDATES -> $BIN_DIR/pulumi-language-nodejs"
      echo "yaml-host    $UPSTREAM_DIR/pulumi-yaml-*.tar.gz (cmd/pulumi-language-yaml) -> $BIN_DIR/pulumi-language-yaml"
      echo "docker       $UPSTREAM_DIR/pulumi-docker-*.tar.gz + terraform-provider-docker-* ($DOCKER_PLUGIN_VERSION) -> $PLUGIN_DIR/docker-v$DOCKER_PLUGIN_VERSION/"
      echo "command      $UPSTREAM_DIR/pulumi-command-v*.tar.gz ($COMMAND_PLUGIN_VERSION) -> $PLUGIN_DIR/command-v$COMMAND_PLUGIN_VERSION/"
      echo "consul       $UPSTREAM_DIR/pulumi-consul-v*.tar.gz + terraform-provider-consul-*, pulumi-yaml-*, pulumi-dotnet-* ($CONSUL_PLUGIN_VERSION) -> $PLUGIN_DIR/consul-v$CONSUL_PLUGIN_VERSION/"
      echo "consul-esm   $UPSTREAM_DIR/consul-esm-v*.tar.gz ($CONSUL_ESM_VERSION) -> $BIN_DIR/consul-esm"
      exit 0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "toolchain: unknown argument: $1" >&2; exit 2 ;;
  esac
done

in_list() { case ",$2," in *",$1,"*) return 0 ;; esac; return 1; }
for p in ${ONLY//,/ }; do
  in_list "$p" "${ALL_PIECES// /,}" || { echo "toolchain: unknown piece '$p' (pieces: $ALL_PIECES)" >&2; exit 2; }
done

command -v go >/dev/null || { echo "toolchain: go is not on PATH" >&2; exit 1; }
mkdir -p "$BIN_DIR" "$PLUGIN_DIR" "$WORK_DIR" "$LOG_DIR" "$STAMP_DIR"

# The plugins and consul-esm are built from the upstream archives: without them, stop here and say
# where they were looked for (never skip a piece silently).
for p in $NEEDS_UPSTREAM; do
  if [ -z "$ONLY" ] || in_list "$p" "$ONLY"; then
    if [ ! -f "$UPSTREAM_DIR/README.md" ]; then
      echo "toolchain: the upstream sources are not at $UPSTREAM_DIR (PLATFORM_UPSTREAM=${PLATFORM_UPSTREAM:-unset});" >&2
      echo "toolchain: $p is built from them. Put the shared folder beside the clone (../shared/upstream) or set PLATFORM_UPSTREAM." >&2
      exit 1
    fi
    break
  fi
done

log() { echo "toolchain: $*"; }
T0=$SECONDS
elapsed() { echo "$((SECONDS - T0))s"; }

# Fill a template: replace @KEY@ for each KEY=VALUE argument.
render() {
  local src=$1 dst=$2; shift 2
  local args=() kv
  for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${args[@]}" "$src" > "$dst"
}

# Stamp: a line describing exactly what was built; a piece is up to date when
# its binary exists, runs, and the stamp matches.
stamp_ok() { [ "$FORCE" = 0 ] && [ -f "$STAMP_DIR/$1" ] && [ "$(cat "$STAMP_DIR/$1")" = "$2" ]; }
write_stamp() { printf '%s' "$2" > "$STAMP_DIR/$1"; }

# Fresh wrapper module directory for a piece.
new_workdir() {
  local d=$WORK_DIR/$1
  rm -rf "$d"; mkdir -p "$d"; echo "$d"
}

# ---- pieces -------------------------------------------------------------------------

build_cli() {
  local out=$BIN_DIR/pulumi
  local stamp="cli github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION tags=osusergo,grpcnotrace"
  if stamp_ok cli "$stamp" && [ -x "$out" ] && [ "$("$out" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
    log "pulumi CLI $PULUMI_VERSION is up to date ($out)"; return 0
  fi
  local d; d=$(new_workdir cli) || return 1
  cd "$d" || return 1
  render "$TC_DIR/cli/go.mod.tmpl" go.mod "PULUMI_VERSION=$PULUMI_VERSION"
  cp "$TC_DIR/cli/tools.go" .
  go mod tidy || return 1
  go build -p "$GO_P" -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$out.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi || return 1
  mv -f "$out.tmp" "$out"
  local v; v=$("$out" version) || return 1
  [ "$v" = "$PULUMI_VERSION" ] || { echo "built CLI reports '$v', expected $PULUMI_VERSION" >&2; return 1; }
  write_stamp cli "$stamp"
}

build_nodejs_host() {
  local out=$BIN_DIR/pulumi-language-nodejs cand kind ver stamp
  if [ "$FORCE" = 0 ] && [ -x "$out" ] && [ -f "$STAMP_DIR/nodejs-host" ]; then
    for cand in $NODEJS_HOST_CANDIDATES; do
      if [ "$(cat "$STAMP_DIR/nodejs-host")" = "nodejs-host $cand pulumi=$PULUMI_VERSION" ] && "$out" --help >/dev/null 2>&1; then
        log "pulumi-language-nodejs ($cand) is up to date ($out)"; return 0
      fi
    done
  fi
  local d; d=$(new_workdir nodejs-host) || return 1
  for cand in $NODEJS_HOST_CANDIDATES; do
    kind=${cand%%@*} ver=${cand#*@}
    echo "--- candidate $cand"
    rm -f "$d"/*
    cd "$d" || return 1
    local pkg ldver
    case "$kind" in
      module)
        render "$TC_DIR/nodejs-host/go.mod.module.tmpl" go.mod "HOST_VERSION=$ver" "PULUMI_VERSION=$PULUMI_VERSION"
        cp "$TC_DIR/nodejs-host/tools.module.go" tools.go
        pkg=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3; ldver=$PULUMI_VERSION ;;
      intree)
        render "$TC_DIR/nodejs-host/go.mod.intree.tmpl" go.mod "HOST_VERSION=$ver"
        cp "$TC_DIR/nodejs-host/tools.intree.go" tools.go
        pkg=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs; ldver=$ver ;;
      *) echo "unknown candidate kind '$kind'" >&2; continue ;;
    esac
    if go mod tidy && go build -p "$GO_P" -trimpath -tags osusergo,grpcnotrace \
         -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ldver" \
         -o "$out.tmp" "$pkg"; then
      mv -f "$out.tmp" "$out"
      write_stamp nodejs-host "nodejs-host $cand pulumi=$PULUMI_VERSION"
      echo "--- built from candidate $cand"
      return 0
    fi
    echo "--- candidate $cand failed"
  done
  return 1
}

# ---- provider plugins and consul-esm, from the upstream archives ------------------------
# The proxy serves none of the provider modules (docs/toolchain.md); their sources are archives in
# $UPSTREAM_DIR (../shared/upstream beside the clone, or PLATFORM_UPSTREAM), unpacked into a work
# directory and built there with everything else from the proxy. The stamp names the archives'
# checksums, so a changed archive is rebuilt.
provider_out() { echo "$PLUGIN_DIR/$1-v$2/pulumi-resource-$1"; }

# The archive NAME*.tar.gz in the upstream folder, or an error saying where it looked.
archive() {
  local a; a=$(ls "$UPSTREAM_DIR"/"$1"*.tar.gz 2>/dev/null | head -n1)
  [ -n "$a" ] || { echo "no $1*.tar.gz in $UPSTREAM_DIR" >&2; return 1; }
  echo "$a"
}
archives_sum() { local a; for a in "$@"; do sha256sum "$(archive "$a")" | cut -c1-16; done | tr '\n' ' '; }
unpack() { local a; a=$(archive "$1") || return 1; tar -xzf "$a" -C "$2"; }

build_command() {
  local ver=$COMMAND_PLUGIN_VERSION out; out=$(provider_out command "$ver")
  local stamp; stamp="command $ver $(archives_sum pulumi-command-v)" || return 1
  if stamp_ok command "$stamp" && [ -x "$out" ]; then log "command provider $ver is up to date ($out)"; return 0; fi
  local d; d=$(new_workdir command) || return 1
  unpack pulumi-command-v "$d" || return 1
  cd "$d/pulumi-command/provider" || return 1
  mkdir -p "$(dirname "$out")"
  go build -p "$GO_P" -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$ver" \
    -o "$out.tmp" ./cmd/pulumi-resource-command || return 1
  mv -f "$out.tmp" "$out"
  write_stamp command "$stamp"
}

build_consul() {
  local ver=$CONSUL_PLUGIN_VERSION out; out=$(provider_out consul "$ver")
  local stamp; stamp="consul $ver $(archives_sum pulumi-consul-v terraform-provider-consul- pulumi-yaml- pulumi-dotnet-)" || return 1
  if stamp_ok consul "$stamp" && [ -x "$out" ]; then log "consul provider $ver is up to date ($out)"; return 0; fi
  local d; d=$(new_workdir consul) || return 1
  local a; for a in pulumi-consul-v terraform-provider-consul- pulumi-yaml- pulumi-dotnet-; do unpack "$a" "$d" || return 1; done
  cd "$d/pulumi-consul/provider" || return 1
  # The modules the proxy refuses, pointed at their unpacked sources.
  go mod edit -replace "github.com/hashicorp/terraform-provider-consul=$d/terraform-provider-consul" \
    -replace "github.com/pulumi/pulumi-yaml=$d/pulumi-yaml" \
    -replace "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3=$d/pulumi-dotnet/pulumi-language-dotnet" || return 1
  (cd cmd/pulumi-resource-consul && VERSION=$ver go run generate.go) || return 1
  mkdir -p "$(dirname "$out")"
  go build -p "$GO_P" -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-consul/provider/v3/pkg/version.Version=$ver" \
    -o "$out.tmp" ./cmd/pulumi-resource-consul || return 1
  mv -f "$out.tmp" "$out"
  write_stamp consul "$stamp"
}

# The docker plugin's stamp names the platform's edits and holds a digest of the file that makes
# them, so that a cache built before any change to them rebuilds the plugin once.
build_docker() {
  local ver=$DOCKER_PLUGIN_VERSION out; out=$(provider_out docker "$ver")
  local edits; edits=$(sha256sum "$TC_DIR/docker-provider-edits.sh" | cut -c1-16) || return 1
  local stamp; stamp="docker $ver one-line-inspections no-first-waits edits $edits $(archives_sum pulumi-docker- terraform-provider-docker-)" || return 1
  if stamp_ok docker "$stamp" && [ -x "$out" ]; then log "docker provider $ver is up to date ($out)"; return 0; fi
  local d; d=$(new_workdir docker) || return 1
  unpack pulumi-docker- "$d" && unpack terraform-provider-docker- "$d" || return 1
  # provider/go.mod replaces the Terraform provider with ../upstream; pulumi-docker's patches apply to it.
  mv "$d/terraform-provider-docker" "$d/pulumi-docker/upstream" || return 1
  local p; for p in "$d"/pulumi-docker/patches/*.patch; do
    (cd "$d/pulumi-docker/upstream" && patch -p1 --forward --quiet <"$p") || { echo "patch failed: $p" >&2; return 1; }
  done
  one_line_inspections "$d/pulumi-docker/upstream" && no_first_waits "$d/pulumi-docker/upstream" || return 1
  cd "$d/pulumi-docker/provider" || return 1
  (cd cmd/pulumi-resource-docker && VERSION=$ver go run generate.go) || return 1
  mkdir -p "$(dirname "$out")"
  go build -p "$GO_P" -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-docker/provider/v5/pkg/version.Version=$ver" \
    -o "$out.tmp" ./cmd/pulumi-resource-docker || return 1
  mv -f "$out.tmp" "$out"
  write_stamp docker "$stamp"
}

# The YAML language host, for programs that use the component package from YAML (docs/component-package.md).
build_yaml_host() {
  local out=$BIN_DIR/pulumi-language-yaml
  local stamp; stamp="yaml-host $(archives_sum pulumi-yaml-)" || return 1
  if stamp_ok yaml-host "$stamp" && [ -x "$out" ]; then log "YAML language host is up to date ($out)"; return 0; fi
  local d; d=$(new_workdir yaml-host) || return 1
  unpack pulumi-yaml- "$d" || return 1
  cd "$d/pulumi-yaml" || return 1
  go build -p "$GO_P" -trimpath -ldflags "-s -w" -o "$out.tmp" ./cmd/pulumi-language-yaml || return 1
  mv -f "$out.tmp" "$out"
  write_stamp yaml-host "$stamp"
}

build_consul_esm() {
  local out=$BIN_DIR/consul-esm
  local stamp; stamp="consul-esm $CONSUL_ESM_VERSION $(archives_sum consul-esm-v)" || return 1
  if stamp_ok consul-esm "$stamp" && [ -x "$out" ]; then log "consul-esm $CONSUL_ESM_VERSION is up to date ($out)"; return 0; fi
  local d; d=$(new_workdir consul-esm) || return 1
  unpack consul-esm-v "$d" || return 1
  cd "$d/consul-esm" || return 1
  go build -p "$GO_P" -trimpath -ldflags "-s -w" -o "$out.tmp" . || return 1
  mv -f "$out.tmp" "$out"
  "$out" -version | grep -q "v$CONSUL_ESM_VERSION" || { echo "consul-esm -version: $("$out" -version)" >&2; return 1; }
  write_stamp consul-esm "$stamp"
}

describe() {
  case "$1" in
    cli) echo "pulumi CLI $PULUMI_VERSION" ;;
    nodejs-host) echo "pulumi-language-nodejs ($NODEJS_HOST_CANDIDATES)" ;;
    yaml-host) echo "pulumi-language-yaml (upstream pulumi-yaml archive)" ;;
    docker) echo "docker provider $DOCKER_PLUGIN_VERSION" ;;
    command) echo "command provider $COMMAND_PLUGIN_VERSION" ;;
    consul) echo "consul provider $CONSUL_PLUGIN_VERSION" ;;
    consul-esm) echo "consul-esm $CONSUL_ESM_VERSION" ;;
  esac
}

# ---- main ---------------------------------------------------------------------------
log "GOPROXY=$(go env GOPROXY) GOMODCACHE=$(go env GOMODCACHE) $(go version | cut -d' ' -f3) cache=$OUT"
FAILED=() BUILT=()
for piece in $ALL_PIECES; do
  if [ -n "$ONLY" ] && ! in_list "$piece" "$ONLY"; then continue; fi
  logf=$LOG_DIR/$piece.log
  start=$SECONDS
  log "building $(describe "$piece") ... (log: $logf) [$(elapsed)]"
  ( "build_${piece//-/_}" ) > "$logf" 2>&1
  rc=$?
  took=$((SECONDS - start))
  if [ $rc -eq 0 ]; then
    grep -h "up to date" "$logf" | sed 's/^/  /'
    log "ok: $(describe "$piece") in ${took}s [$(elapsed)]"
    BUILT+=("$piece")
  else
    echo "toolchain: FAILED: $(describe "$piece") after ${took}s (exit $rc); last lines of $logf:" >&2
    tail -n 15 "$logf" | sed 's/^/  | /' >&2
    FAILED+=("$piece")
  fi
done

log "done in $(elapsed): built/up to date: ${BUILT[*]:-none}"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "toolchain: FAILED pieces: ${FAILED[*]}" >&2
  exit 1
fi
exit 0
