#!/usr/bin/env bash
# Builds the node binaries into DEST (kubelet, kube-proxy, kube-scheduler) from the
# same Go module as the control plane (tools/kube), so every component is one
# Kubernetes version. Safe to run concurrently: the first caller builds under a
# lock, the others wait and reuse its result.
# Usage: build-node-binaries.sh DEST
set -euo pipefail
dest=${1:?usage: build-node-binaries.sh DEST}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kube-ldflags.sh"
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
if [ -f "$dest/.complete" ]; then exit 0; fi
command -v go >/dev/null || { echo "build-node-binaries: Go is needed to build kubelet, kube-proxy and kube-scheduler; install Go >= 1.26" >&2; exit 1; }
tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$(date +%s)
for cmd in kubelet kube-proxy kube-scheduler; do
  t=$(date +%s)
  echo "build-node-binaries: building $cmd $kube_version" >&2
  (cd "$here/kube" && go build -trimpath -ldflags "$kube_ldflags" -o "$tmp/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  echo "build-node-binaries: $cmd took $(( $(date +%s) - t ))s" >&2
done
echo "build-node-binaries: done in $(( $(date +%s) - start ))s" >&2
touch "$tmp/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
