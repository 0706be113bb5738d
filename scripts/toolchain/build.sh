#!/usr/bin/env bash
# Builds the Pulumi toolchain (CLI, Node.js language host, provider plugins) from
# the Go module proxy and caches the binaries under ${PLATFORM_CACHE:-<repo>/.cache}/toolchain.
#
# Usage: scripts/toolchain/build.sh [--only a,b] [--allow-missing a,b] [--force] [--list]
#   pieces: cli, nodejs-host, docker, command, consul
#   --only           build only these pieces
#   --allow-missing  these pieces may fail without failing the script
#   --force          rebuild even when the cached binary is up to date
#   --list           print the pieces, their modules and versions, and exit
#
# Every piece is built on its own: a failure is reported (with the log tail) and
# the next piece is tried; the script exits 1 at the end if any piece that was
# not allowed to be missing failed. Docs: docs/toolchain.md.
set -uo pipefail

TC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TC_DIR/../.." && pwd)
CACHE_ROOT=${PLATFORM_CACHE:-$REPO_ROOT/.cache}
OUT=$CACHE_ROOT/toolchain
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
DOCKER_VERSION=${DOCKER_VERSION:-5.2.0}
DOCKER_MODULE=github.com/pulumi/pulumi-docker/provider/v5
DOCKER_MODULE_VERSION=${DOCKER_MODULE_VERSION:-}            # pseudo-version of tag v5.2.0 (none served)
DOCKER_UPSTREAM=${DOCKER_UPSTREAM:-}                        # module@version of kreuzwerker's provider v4.5.0
COMMAND_VERSION=${COMMAND_VERSION:-1.2.1}
COMMAND_MODULE=github.com/pulumi/pulumi-command/provider
COMMAND_MODULE_VERSION=${COMMAND_MODULE_VERSION:-v0.0.0-20260303235922-7f3eb6f3b77c}
CONSUL_VERSION=${CONSUL_VERSION:-3.15.1}
CONSUL_MODULE=github.com/pulumi/pulumi-consul/provider/v3
CONSUL_MODULE_VERSION=${CONSUL_MODULE_VERSION:-v3.0.0-20260722183330-f05164614d47}

ALL_PIECES="cli nodejs-host docker command consul"

# ---- Go environment ----------------------------------------------------------------
# GOPROXY is taken from the environment / `go env` as it is.
export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
GO_P=${TOOLCHAIN_GO_P:-2}          # package build parallelism (2-core machines)

ONLY="" ALLOW_MISSING="" FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    --only=*) ONLY=${1#*=}; shift ;;
    --allow-missing) ALLOW_MISSING=${2:?--allow-missing needs a list}; shift 2 ;;
    --allow-missing=*) ALLOW_MISSING=${1#*=}; shift ;;
    --force) FORCE=1; shift ;;
    --list)
      echo "cli          github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION (cmd/pulumi) -> $BIN_DIR/pulumi"
      echo "nodejs-host  candidates: $NODEJS_HOST_CANDIDATES -> $BIN_DIR/pulumi-language-nodejs"
      echo "docker       $DOCKER_MODULE@${DOCKER_MODULE_VERSION:-<unset>} ($DOCKER_VERSION) -> $PLUGIN_DIR/docker-v$DOCKER_VERSION/"
      echo "command      $COMMAND_MODULE@$COMMAND_MODULE_VERSION ($COMMAND_VERSION) -> $PLUGIN_DIR/command-v$COMMAND_VERSION/"
      echo "consul       $CONSUL_MODULE@$CONSUL_MODULE_VERSION ($CONSUL_VERSION) -> $PLUGIN_DIR/consul-v$CONSUL_VERSION/"
      exit 0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "toolchain: unknown argument: $1" >&2; exit 2 ;;
  esac
done

in_list() { case ",$2," in *",$1,"*) return 0 ;; esac; return 1; }
for p in ${ONLY//,/ } ${ALLOW_MISSING//,/ }; do
  in_list "$p" "${ALL_PIECES// /,}" || { echo "toolchain: unknown piece '$p' (pieces: $ALL_PIECES)" >&2; exit 2; }
done

command -v go >/dev/null || { echo "toolchain: go is not on PATH" >&2; exit 1; }
mkdir -p "$BIN_DIR" "$PLUGIN_DIR" "$WORK_DIR" "$LOG_DIR" "$STAMP_DIR"

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

# go mod download MOD@VER, printing the Dir / GoMod of the result; fails with the proxy's message.
mod_field() { # mod@ver field
  local json
  json=$(go mod download -json "$1" 2>&1)
  local err; err=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p')
  if [ -n "$err" ]; then printf '%b\n' "$err" >&2; return 1; fi
  printf '%s' "$json" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p"
}

# Copy the versioned replace directives (not local paths) of a module's go.mod
# into the wrapper go.mod in the current directory.
copy_versioned_replaces() { # path/to/downloaded.mod
  local old new
  while IFS=$'\t' read -r old new; do
    [ -n "$old" ] || continue
    echo "  replace $old => $new"
    go mod edit -replace "$old=$new"
  done < <(go mod edit -json "$1" | node -e '
let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
  for (const r of JSON.parse(s).Replace || []) {
    if (!r.New.Version) continue; // local path: handled by the caller
    const o = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
    console.log(o + "\t" + r.New.Path + "@" + r.New.Version);
  }
});')
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

# Common part of the provider builds: wrapper module in $d, binary into
# $PLUGIN_DIR/NAME-vVERSION/pulumi-resource-NAME.
provider_out() { echo "$PLUGIN_DIR/$1-v$2/pulumi-resource-$1"; }
provider_uptodate() { # name version stamp
  local out; out=$(provider_out "$1" "$2")
  stamp_ok "$1" "$3" && [ -x "$out" ]
}

build_command() {
  local name=command ver=$COMMAND_VERSION out; out=$(provider_out command "$ver")
  local stamp="command $COMMAND_MODULE@$COMMAND_MODULE_VERSION version=$ver"
  if provider_uptodate command "$ver" "$stamp"; then log "command provider $ver is up to date ($out)"; return 0; fi
  local d; d=$(new_workdir $name) || return 1
  cd "$d" || return 1
  mod_field "$COMMAND_MODULE@$COMMAND_MODULE_VERSION" Dir >/dev/null || return 1
  render "$TC_DIR/command/go.mod.tmpl" go.mod "MODULE_VERSION=$COMMAND_MODULE_VERSION"
  cp "$TC_DIR/command/tools.go" .
  go mod tidy || return 1
  mkdir -p "$(dirname "$out")"
  go build -p "$GO_P" -trimpath \
    -ldflags "-s -w -X $COMMAND_MODULE/pkg/version.Version=$ver" \
    -o "$out.tmp" "$COMMAND_MODULE/cmd/pulumi-resource-command" || return 1
  mv -f "$out.tmp" "$out"
  write_stamp command "$stamp"
}

build_consul() {
  local ver=$CONSUL_VERSION out; out=$(provider_out consul "$ver")
  local stamp="consul $CONSUL_MODULE@$CONSUL_MODULE_VERSION version=$ver"
  if provider_uptodate consul "$ver" "$stamp"; then log "consul provider $ver is up to date ($out)"; return 0; fi
  local d; d=$(new_workdir consul) || return 1
  cd "$d" || return 1
  local dir gomod
  dir=$(mod_field "$CONSUL_MODULE@$CONSUL_MODULE_VERSION" Dir) || return 1
  gomod=$(mod_field "$CONSUL_MODULE@$CONSUL_MODULE_VERSION" GoMod) || return 1
  render "$TC_DIR/consul/go.mod.tmpl" go.mod "MODULE_VERSION=$CONSUL_MODULE_VERSION"
  copy_versioned_replaces "$gomod" || return 1
  cp "$TC_DIR/consul/main.go" .
  cp "$dir/cmd/pulumi-resource-consul/schema.json" schema.json || return 1
  go mod tidy || return 1
  mkdir -p "$(dirname "$out")"
  go build -p "$GO_P" -trimpath \
    -ldflags "-s -w -X $CONSUL_MODULE/pkg/version.Version=$ver" \
    -o "$out.tmp" . || return 1
  mv -f "$out.tmp" "$out"
  write_stamp consul "$stamp"
}

build_docker() {
  local ver=$DOCKER_VERSION out; out=$(provider_out docker "$ver")
  local stamp="docker $DOCKER_MODULE@$DOCKER_MODULE_VERSION upstream=$DOCKER_UPSTREAM version=$ver tags=no_compose"
  if provider_uptodate docker "$ver" "$stamp"; then log "docker provider $ver is up to date ($out)"; return 0; fi
  if [ -z "$DOCKER_MODULE_VERSION" ]; then
    echo "DOCKER_MODULE_VERSION is not set: the proxy serves no version of $DOCKER_MODULE" >&2
    mod_field "$DOCKER_MODULE@latest" Version >/dev/null
    return 1
  fi
  local d; d=$(new_workdir docker) || return 1
  cd "$d" || return 1
  local dir gomod
  dir=$(mod_field "$DOCKER_MODULE@$DOCKER_MODULE_VERSION" Dir) || return 1
  gomod=$(mod_field "$DOCKER_MODULE@$DOCKER_MODULE_VERSION" GoMod) || return 1
  render "$TC_DIR/docker/go.mod.tmpl" go.mod "MODULE_VERSION=$DOCKER_MODULE_VERSION"
  copy_versioned_replaces "$gomod" || return 1
  # ../upstream: a writable copy of the upstream Terraform provider plus the shim package.
  if [ -z "$DOCKER_UPSTREAM" ]; then
    echo "DOCKER_UPSTREAM (module@version of the upstream Terraform docker provider) is not set" >&2; return 1
  fi
  local updir; updir=$(mod_field "$DOCKER_UPSTREAM" Dir) || return 1
  cp -r "$updir" upstream && chmod -R u+w upstream || return 1
  mkdir -p upstream/shim && cp "$TC_DIR/docker/shim/shim.go" upstream/shim/shim.go
  go mod edit -replace "github.com/terraform-providers/terraform-provider-docker=./upstream"
  cp "$TC_DIR/docker/main.go" .
  cp "$dir/cmd/pulumi-resource-docker/schema.json" schema.json || return 1
  go mod tidy || return 1
  mkdir -p "$(dirname "$out")"
  go build -p "$GO_P" -trimpath -tags no_compose \
    -ldflags "-s -w -X $DOCKER_MODULE/pkg/version.Version=$ver" \
    -o "$out.tmp" . || return 1
  mv -f "$out.tmp" "$out"
  write_stamp docker "$stamp"
}

describe() {
  case "$1" in
    cli) echo "pulumi CLI $PULUMI_VERSION" ;;
    nodejs-host) echo "pulumi-language-nodejs ($NODEJS_HOST_CANDIDATES)" ;;
    docker) echo "docker provider $DOCKER_VERSION" ;;
    command) echo "command provider $COMMAND_VERSION" ;;
    consul) echo "consul provider $CONSUL_VERSION" ;;
  esac
}

# ---- main ---------------------------------------------------------------------------
log "GOPROXY=$(go env GOPROXY) GOMODCACHE=$(go env GOMODCACHE) $(go version | cut -d' ' -f3) cache=$OUT"
FAILED=() ALLOWED=() BUILT=()
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
    if in_list "$piece" "$ALLOW_MISSING"; then ALLOWED+=("$piece"); else FAILED+=("$piece"); fi
  fi
done

log "done in $(elapsed): built/up to date: ${BUILT[*]:-none}"
[ ${#ALLOWED[@]} -gt 0 ] && log "missing (allowed): ${ALLOWED[*]}"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "toolchain: FAILED pieces: ${FAILED[*]} (rerun with --allow-missing $(IFS=,; echo "${FAILED[*]}") to accept)" >&2
  exit 1
fi
exit 0
