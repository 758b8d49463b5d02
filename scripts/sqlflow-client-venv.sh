#!/usr/bin/env bash
# Makes (once) the Python environment with SQLFlow's unmodified PyPI client, sqlflow==0.15.0, for the proto.SQLFlow
# tests; prints the venv's python. Its own pins (protobuf==3.7.1, ipython==7.9) do not install on Python 3.11, so it
# goes in with --no-deps beside versions that work: protobuf 3.20.x (its generated code predates protobuf 4),
# grpcio, pandas, ipython 8 (for %%sqlflow; 9 dropped IPython.core.display.display, which the client imports).
set -euo pipefail
dir=${SQLFLOW_CLIENT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sqlflow-operator/sqlflow-client-venv}
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [[ ! -f $dir/.complete ]]; then
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check 'protobuf>=3.20,<4' 'grpcio>=1.60' 'pandas' 'ipython>=8,<9' >&2
  "$dir/bin/pip" install --quiet --disable-pip-version-check --no-deps 'sqlflow==0.15.0' >&2
  "$dir/bin/python" -c 'import sqlflow, sqlflow.magic, grpc, IPython' >&2
  touch "$dir/.complete"
fi
echo "$dir/bin/python"
