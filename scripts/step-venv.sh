#!/usr/bin/env bash
# Makes the step runtime's virtual environment and prints its path (one line on stdout; every
# message goes to stderr). The venv lives outside the repo, like Node 24 and the control-plane
# binaries: ~/.cache/sqlflow-operator/step-venv-<key>, where <key> hashes step/pyproject.toml and
# the Python version, so a dependency change makes a new venv and an unchanged one is reused.
# The package itself (step/src) is reinstalled without its dependencies whenever its files
# change (a stamp inside the venv holds their hash), which takes seconds.
# The work happens under a flock, so concurrent first runs (tests, demo, CI) build it once.
# Needs Python >= 3.11 with venv/ensurepip (Debian: python3-venv) and pip's registry.
# Usage: venv=$(bash scripts/step-venv.sh); "$venv/bin/step" -e "SELECT 1"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "step-venv: $*" >&2; }
fail() { say "$*"; exit 1; }

python=${SQLFLOW_STEP_PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || fail "no $python on PATH: install Python >= 3.11 (Debian: apt-get install python3 python3-venv) or set SQLFLOW_STEP_PYTHON"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || fail "$("$python" --version 2>&1) is too old: the step runtime needs Python >= 3.11 (set SQLFLOW_STEP_PYTHON to a newer one)"
pyproject="$root/step/pyproject.toml"
[ -f "$pyproject" ] || fail "$pyproject is missing: this checkout has no step runtime"

key=$({ cat "$pyproject"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/sqlflow-operator
venv="$cache/step-venv-$key"
# The package's own files (not caches), in a stable order: a change means a reinstall.
src_hash=$(cd "$root/step" && find src -type f ! -name '*.pyc' ! -path '*/__pycache__/*' ! -path '*.egg-info/*' -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)

current() { [ -x "$venv/bin/step" ] && [ -f "$venv/.complete" ] && [ "$(cat "$venv/.src" 2>/dev/null)" = "$src_hash" ]; }
if current; then echo "$venv"; exit 0; fi

mkdir -p "$cache"
exec 9>"$venv.lock"
flock 9
if ! current; then
  # pip builds from a copy of step/: building in place would leave build/ and *.egg-info in the checkout.
  work=$(mktemp -d "${TMPDIR:-/tmp}/step-venv.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$root" && tar --exclude='__pycache__' --exclude='*.egg-info' --exclude='build' --exclude='.pytest_cache' -cf - step) | tar -xf - -C "$work"
  pip=(env PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet)
  if [ ! -f "$venv/.complete" ]; then
    "$python" -c 'import venv, ensurepip' 2>/dev/null \
      || fail "$python cannot make virtual environments (no venv/ensurepip): on Debian, apt-get install python3-venv"
    say "creating $venv (step/pyproject.toml with its [test] extra; the first run downloads the dependencies)"
    rm -rf "$venv"
    "$python" -m venv "$venv" >&2
    "${pip[@]}" "$work/step[test]" >&2 || { rm -rf "$venv"; fail "pip install ./step[test] failed (output above)"; }
    touch "$venv/.complete"
  else
    say "step/src changed: reinstalling the package into $venv (dependencies unchanged)"
    "${pip[@]}" --no-deps --force-reinstall "$work/step" >&2 || fail "pip install --no-deps ./step failed (output above)"
  fi
  echo "$src_hash" > "$venv/.src"
fi
echo "$venv"
