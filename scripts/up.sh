#!/usr/bin/env bash
# npm run up [-- STACK [PULUMI_UP_OPTIONS...]]: prepare what is missing, then `pulumi up --stack
# STACK` (default local) through the CLI, as an operator runs it. Idempotent: a second run finds
# everything cached and only converges the stack.
# - local: the Docker Engine, the Pulumi toolchain and provider plugins, the images; then the up,
#   without a preview.
# - a stack on real hosts (cert, prod): the toolchain alone (its hosts pull their images from its
#   registry); its state must be in a backend the operator logged in to, not in this clone; the
#   up shows its preview and asks before it changes anything, unless given `--yes`.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-local}"
[ $# -gt 0 ] && shift
t0=$(date +%s)
say() { echo "up: $* ($(( $(date +%s) - t0 ))s)"; }

# The backend env.sh chooses: the operator's (`pulumi login`, PULUMI_BACKEND_URL), else the clone's.
backend=$(. scripts/toolchain/env.sh && echo "${PULUMI_BACKEND_URL:-}")
if [ "$stack" != local ] && [ "$stack" != site ] && [ "$backend" = "file://$PWD/.pulumi-state" ]; then
  echo "up: stack $stack runs on real hosts, and its state, secrets among them, would be kept in this clone's .pulumi-state (git-ignored: \`git clean -X\` deletes it, and no other clone can read it)" >&2
  echo "up: log in to the site's backend first (\`pulumi login URL\`), or set PULUMI_BACKEND_URL (docs/toolchain.md)" >&2
  exit 1
fi
if [ "$stack" = local ]; then
  say "Docker Engine"
  scripts/docker/ensure-dockerd.sh
fi
say "Pulumi CLI, language host, provider plugins and consul-esm (scripts/toolchain/build.sh)"
scripts/toolchain/build.sh
scripts/toolchain/install-plugins.sh
if [ "$stack" != local ]; then
  . scripts/toolchain/env.sh
  say "pulumi up --stack $stack"
  pulumi stack select --create --non-interactive "$stack"
  pulumi up --stack "$stack" "$@"
  say "done"
  exit 0
fi
say "images"
scripts/docker/build-images.sh --no-dockerd base zookeeper haproxy consul consul-esm influxdb service port-guard cadvisor filebeat dirac mariadb
. scripts/toolchain/env.sh
say "pulumi up --stack $stack"
pulumi stack select --create --non-interactive "$stack"
if pulumi stack export --stack "$stack" | grep -q '"pulumi-nodejs:dynamic/'; then
  echo "up: stack $stack was made by an earlier version of the project, with its own dynamic providers;" >&2
  echo "up: destroy it once with 'npm run down -- $stack' (which can still run them), then run 'npm run up' again" >&2
  exit 1
fi
# What the engine has of this stack and its state does not (an interrupted up, another clone's
# stack) would stop `pulumi up` on names in use: removed, each named (scripts/engine-orphans.ts).
node --import tsx scripts/engine-orphans.ts "$stack"
net="$stack-net"
if docker network inspect "$net" >/dev/null 2>&1 && ! docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{.IPRange}}{{end}}' "$net" | grep -q '/22 .*/23$'; then
  echo "up: the network $net of stack $stack is not the /22 with a /23 for Docker's own addresses that the stack declares (it was made by an earlier version of the project);" >&2
  echo "up: run 'npm run down -- $stack' once (its containers are on that network), then 'npm run up' again" >&2
  exit 1
fi
pulumi up --stack "$stack" --yes --skip-preview --non-interactive
say "done"
