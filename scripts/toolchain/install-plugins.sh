#!/usr/bin/env bash
# Installs the provider plugins built by scripts/toolchain/build.sh into
# PULUMI_HOME=${PLATFORM_CACHE:-<repo>/.cache}/pulumi-home with
# `pulumi plugin install resource NAME VERSION --file BIN` (no download).
# Idempotent: a plugin already installed from the same binary is skipped.
#
# Usage: scripts/toolchain/install-plugins.sh [--allow-missing a,b]
#   A provider whose binary was not built fails the script unless it is listed
#   in --allow-missing (names: docker, command, consul).
set -uo pipefail
TC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
. "$TC_DIR/env.sh"
CACHE_ROOT=${PLATFORM_CACHE:-$(cd "$TC_DIR/../.." && pwd)/.cache}
PLUGIN_DIR=$CACHE_ROOT/toolchain/plugins

ALLOW_MISSING=""
while [ $# -gt 0 ]; do
  case "$1" in
    --allow-missing) ALLOW_MISSING=${2:?}; shift 2 ;;
    --allow-missing=*) ALLOW_MISSING=${1#*=}; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install-plugins: unknown argument: $1" >&2; exit 2 ;;
  esac
done

PLUGINS="docker:${DOCKER_VERSION:-5.2.0} command:${COMMAND_VERSION:-1.2.1} consul:${CONSUL_VERSION:-3.15.1}"

command -v pulumi >/dev/null || { echo "install-plugins: pulumi not found; run scripts/toolchain/build.sh first" >&2; exit 1; }

failed=() missing=()
for spec in $PLUGINS; do
  name=${spec%%:*} ver=${spec#*:}
  bin=$PLUGIN_DIR/$name-v$ver/pulumi-resource-$name
  dest=$PULUMI_HOME/plugins/resource-$name-v$ver/pulumi-resource-$name
  if [ ! -x "$bin" ]; then
    case ",$ALLOW_MISSING," in
      *",$name,"*) echo "install-plugins: $name $ver not built (allowed missing): $bin"; missing+=("$name") ;;
      *) echo "install-plugins: FAILED: $name $ver not built: $bin" >&2; failed+=("$name") ;;
    esac
    continue
  fi
  if [ -x "$dest" ] && cmp -s "$bin" "$dest"; then
    echo "install-plugins: $name $ver already installed"
    continue
  fi
  echo "install-plugins: installing resource $name $ver from $bin"
  if ! pulumi plugin install resource "$name" "$ver" --file "$bin" --reinstall; then
    echo "install-plugins: FAILED: pulumi plugin install resource $name $ver" >&2
    failed+=("$name")
  fi
done
pulumi plugin ls
if [ ${#failed[@]} -gt 0 ]; then
  echo "install-plugins: FAILED: ${failed[*]}" >&2
  exit 1
fi
