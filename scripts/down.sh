#!/usr/bin/env bash
# npm run down [-- STACK [PULUMI_DESTROY_OPTIONS...]]: `pulumi destroy --stack STACK` (default
# local), then stop the Docker Engine if (and only if) the project's scripts started it. The local
# stack goes without a preview; a stack on real hosts (cert, prod) shows what it would delete and
# asks first, unless given `--yes`.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-local}"
[ $# -gt 0 ] && shift
. scripts/toolchain/env.sh
if [ "$stack" = local ]; then
  options=(--yes --skip-preview --non-interactive)
else
  options=("$@")
fi
if pulumi stack ls --json 2>/dev/null | grep -q "\"name\": \"$stack\""; then
  # A stack made by an earlier version of the project holds dynamic resources, whose provider
  # (pulumi-resource-pulumi-nodejs) ships with @pulumi/pulumi: on PATH, destroy can still run them.
  PATH="$PWD/node_modules/@pulumi/pulumi:$PATH" pulumi destroy --stack "$stack" ${options[@]+"${options[@]}"}
else
  echo "down: no stack $stack in ${PULUMI_BACKEND_URL:-the backend of \`pulumi login\`}: nothing to destroy"
fi
if [ "${KEEP_DOCKERD:-0}" != 1 ]; then scripts/docker/stop-dockerd.sh; fi
