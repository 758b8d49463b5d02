#!/usr/bin/env bash
# The step runtime's tests: makes the venv (scripts/step-venv.sh) and runs pytest on step/tests
# with this checkout's sources first on sys.path, so the tests see the code as it is now even
# while the venv's installed copy is being refreshed by another run. `npm test` runs this last.
# Extra arguments go to pytest, e.g. scripts/step-test.sh -k sqlite -x
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(bash "$root/scripts/step-venv.sh")
echo "step-test: pytest in $venv ($("$venv/bin/python" --version))" >&2
cd "$root/step"
export PYTHONPATH="$root/step/src${PYTHONPATH:+:$PYTHONPATH}"
# -p no:cacheprovider: no .pytest_cache written into the checkout.
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@" tests
