#!/usr/bin/env bash
# Installs the docker, command and consul provider plugins built by scripts/toolchain/build.sh into
# PULUMI_HOME (default ~/.pulumi) with `pulumi plugin install resource NAME VERSION --file BIN`
# (no download), then prints `pulumi plugin ls`. Idempotent: a plugin already installed from the
# same binary is skipped. A plugin that was not built fails the script.
set -euo pipefail
TC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
. "$TC_DIR/env.sh"
command -v pulumi >/dev/null || { echo "install-plugins: pulumi not found; run scripts/toolchain/build.sh first" >&2; exit 1; }
home=${PULUMI_HOME:-$HOME/.pulumi}
versions() { sed -n "s/^$1=\${$1:-\(.*\)}\$/\1/p" "$TC_DIR/build.sh"; }

failed=()
for name in docker command consul; do
  var=$(echo "$name" | tr "[:lower:]" "[:upper:]")_PLUGIN_VERSION
  ver=${!var:-$(versions "$var")}
  bin=$TOOLCHAIN_CACHE/plugins/$name-v$ver/pulumi-resource-$name
  dest=$home/plugins/resource-$name-v$ver/pulumi-resource-$name
  if [ ! -x "$bin" ]; then
    echo "install-plugins: FAILED: $name $ver was not built: $bin is missing (scripts/toolchain/build.sh --only $name)" >&2
    failed+=("$name"); continue
  fi
  if [ -x "$dest" ] && cmp -s "$bin" "$dest"; then echo "install-plugins: $name $ver already installed"; continue; fi
  echo "install-plugins: installing resource $name $ver from $bin"
  pulumi plugin install resource "$name" "$ver" --file "$bin" --reinstall || failed+=("$name")
done
pulumi plugin ls
[ ${#failed[@]} -eq 0 ] || { echo "install-plugins: FAILED: ${failed[*]}" >&2; exit 1; }
