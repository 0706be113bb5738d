# Where the toolchain lives (source, do not execute): sets TOOLCHAIN_CACHE and UPSTREAM_DIR.
# shellcheck shell=bash
#
# TOOLCHAIN_CACHE: the built CLI, language host, plugins and consul-esm. Machine-wide, outside any
# clone, so later clones on the same machine reuse them: PLATFORM_TOOLCHAIN_CACHE, or
# $XDG_CACHE_HOME/lhcb-platform/toolchain (~/.cache/lhcb-platform/toolchain).
# UPSTREAM_DIR: the upstream sources the plugins are built from: PLATFORM_UPSTREAM, or
# ../shared/upstream beside the clone (as CI has it).
if [ -n "${BASH_SOURCE[0]:-}" ]; then _paths_self=${BASH_SOURCE[0]}; else _paths_self=${(%):-%x}; fi
_paths_repo=$(cd "$(dirname "$_paths_self")/../.." && pwd)
TOOLCHAIN_CACHE=${PLATFORM_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lhcb-platform/toolchain}
UPSTREAM_DIR=${PLATFORM_UPSTREAM:-$(cd "$_paths_repo/.." && pwd)/shared/upstream}
unset _paths_self _paths_repo
