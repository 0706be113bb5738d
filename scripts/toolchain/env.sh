# Source this file (bash/zsh): `. scripts/toolchain/env.sh`
# Puts the locally built Pulumi toolchain first on PATH and configures Pulumi for
# offline use with a local file backend. See docs/toolchain.md.
if [ -n "${BASH_SOURCE[0]:-}" ]; then _tc_self=${BASH_SOURCE[0]}; else _tc_self=${(%):-%x}; fi
_tc_repo=$(cd "$(dirname "$_tc_self")/../.." && pwd)
_tc_cache=${PLATFORM_CACHE:-$_tc_repo/.cache}

case ":$PATH:" in
  *":$_tc_cache/toolchain/bin:"*) ;;
  *) export PATH="$_tc_cache/toolchain/bin:$PATH" ;;
esac
export PULUMI_HOME="$_tc_cache/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
mkdir -p "$PULUMI_HOME" "$_tc_repo/.pulumi-state"
export PULUMI_BACKEND_URL="file://$_tc_repo/.pulumi-state"
# The local file backend's passphrase: a random one made once per checkout, kept in the
# git-ignored cache, unless the operator set their own.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "$_tc_cache/pulumi-passphrase" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$_tc_cache/pulumi-passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$_tc_cache/pulumi-passphrase"
fi
unset _tc_self _tc_repo _tc_cache
