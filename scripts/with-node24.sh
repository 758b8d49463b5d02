#!/usr/bin/env bash
# Runs a command with Node >= 22.19 first on PATH (installing Node 24 when needed), so
# that `npm test` works even where the system Node is older.
set -euo pipefail
. "$(dirname "$0")/node24.sh"
exec "$@"
