#!/usr/bin/env bash
# Builds the control-plane binaries into DEST (kube-apiserver, kube-controller-manager,
# kubectl, etcd) from the Go modules beside this script. Safe to run concurrently:
# the first caller builds under a lock, the others wait and reuse its result.
# Usage: build-binaries.sh DEST
set -euo pipefail
dest=${1:?usage: build-binaries.sh DEST}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kube-ldflags.sh"
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
if [ -f "$dest/.complete" ]; then exit 0; fi
command -v go >/dev/null || { echo "build-binaries: Go is needed to build the control plane; install Go >= 1.26 or set KUBEBUILDER_ASSETS to a folder holding kube-apiserver, etcd and kubectl" >&2; exit 1; }
tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$(date +%s)
for cmd in kube-apiserver kube-controller-manager kubectl; do
  echo "build-binaries: building $cmd $kube_version" >&2
  (cd "$here/kube" && go build -trimpath -ldflags "$kube_ldflags" -o "$tmp/$cmd" "k8s.io/kubernetes/cmd/$cmd")
done
echo "build-binaries: building etcd" >&2
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
echo "build-binaries: done in $(( $(date +%s) - start ))s" >&2
touch "$tmp/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
