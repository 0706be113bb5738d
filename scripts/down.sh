#!/usr/bin/env bash
# npm run down [-- STACK]: `pulumi destroy` of STACK (default local), then stop the Docker Engine
# if (and only if) the project's scripts started it.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-local}"
. scripts/toolchain/env.sh
scripts/program-node.sh scripts/engine.ts down "$stack"
if [ "${KEEP_DOCKERD:-0}" != 1 ]; then scripts/docker/stop-dockerd.sh; fi
