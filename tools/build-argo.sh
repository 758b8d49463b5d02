#!/usr/bin/env bash
# Builds Argo Workflows' workflow-controller and argoexec (the version tools/argo/go.mod pins)
# into DEST, and keeps the module's manifests/ (CRDs, RBAC, the controller's ConfigMap) beside
# them for installing Argo as users do. Safe to run concurrently: the first caller builds under
# a lock, the others wait and reuse its result.
# The module zip lacks workflow/executor/osspecific/signal_linux.go (a symlink upstream, which
# module zips drop), so the build runs in a copy of the module with that file restored from
# tools/argo/signal_linux.go.in; the module cache itself stays untouched (it is read-only).
# Test-bed only: this Argo version has reported security flaws and is never shipped.
# Usage: build-argo.sh DEST
set -euo pipefail
dest=${1:?usage: build-argo.sh DEST}
here=$(cd "$(dirname "$0")" && pwd)
module=github.com/argoproj/argo-workflows/v4
version=$(sed -n "s|^require $module \(v[^ ]*\)$|\1|p" "$here/argo/go.mod")
[ -n "$version" ] || { echo "build-argo: tools/argo/go.mod has no 'require $module vX.Y.Z' line" >&2; exit 1; }
. "$here/build-cache.sh"
build_begin "$dest"
command -v go >/dev/null || { echo "build-argo: Go >= 1.25 with access to the Go module proxy is needed to build Argo $version" >&2; exit 1; }
echo "build-argo: downloading $module@$version" >&2
# -json prints the unpacked module's folder; go.sum beside go.mod makes the download verified.
dir=$(cd "$here/argo" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "build-argo: go mod download gave no module folder for $module@$version" >&2; exit 1; }
cp -r "$dir" "$tmp/src"
chmod -R u+w "$tmp/src"
osdir="$tmp/src/workflow/executor/osspecific"
[ ! -e "$osdir/signal_linux.go" ] || { echo "build-argo: $module@$version now ships signal_linux.go; drop tools/argo/signal_linux.go.in" >&2; exit 1; }
cp "$here/argo/signal_linux.go.in" "$osdir/signal_linux.go"
ld="-s -w -X $module.version=$version -X $module.gitTag=$version -X $module.gitTreeState=clean -X $module.buildDate=1970-01-01T00:00:00Z"
for cmd in argoexec workflow-controller; do
  echo "build-argo: building $cmd $version" >&2
  # -mod=readonly: the module's own go.mod and go.sum pin every dependency.
  (cd "$tmp/src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ld" -o "$tmp/$cmd" "./cmd/$cmd")
done
cp -r "$tmp/src/manifests" "$tmp/manifests"
rm -rf "$tmp/src"
build_done build-argo
