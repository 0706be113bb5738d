#!/usr/bin/env bash
# npm run up [-- STACK]: prepare what is missing (Docker Engine, images, Pulumi CLI), then run the
# real `pulumi up` of STACK (default local) through the Automation API. Idempotent: a second run
# finds everything cached and only converges the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-local}"
t0=$(date +%s)
say() { echo "up: $* ($(( $(date +%s) - t0 ))s)"; }

say "Docker Engine"
scripts/docker/ensure-dockerd.sh
say "images"
scripts/docker/build-images.sh --no-dockerd base zookeeper haproxy consul influxdb service cadvisor
say "Pulumi CLI"
scripts/toolchain/build.sh --only cli
. scripts/toolchain/env.sh
say "pulumi up of stack $stack"
exec scripts/program-node.sh scripts/engine.ts up "$stack"
