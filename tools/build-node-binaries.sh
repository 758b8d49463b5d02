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
. "$here/build-cache.sh"
build_begin "$dest"
command -v go >/dev/null || { echo "build-node-binaries: Go is needed to build kubelet, kube-proxy and kube-scheduler; install Go >= 1.26" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS=-mod=mod
for cmd in kubelet kube-proxy kube-scheduler; do
  t=$(date +%s)
  echo "build-node-binaries: building $cmd $kube_version" >&2
  (cd "$here/kube" && go build -trimpath -ldflags "$kube_ldflags" -o "$tmp/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  echo "build-node-binaries: $cmd took $(( $(date +%s) - t ))s" >&2
done
build_done build-node-binaries
