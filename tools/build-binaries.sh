#!/usr/bin/env bash
# Builds the control-plane binaries into DEST (kube-apiserver, kube-controller-manager,
# kubectl, etcd) from the Go modules beside this script. Safe to run concurrently:
# the first caller builds under a lock, the others wait and reuse its result.
# Usage: build-binaries.sh DEST
set -euo pipefail
dest=${1:?usage: build-binaries.sh DEST}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kube-ldflags.sh"
. "$here/build-cache.sh"
build_begin "$dest"
command -v go >/dev/null || { echo "build-binaries: Go is needed to build the control plane; install Go >= 1.26 or set KUBEBUILDER_ASSETS to a folder holding kube-apiserver, etcd and kubectl" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS=-mod=mod
for cmd in kube-apiserver kube-controller-manager kubectl; do
  echo "build-binaries: building $cmd $kube_version" >&2
  (cd "$here/kube" && go build -trimpath -ldflags "$kube_ldflags" -o "$tmp/$cmd" "k8s.io/kubernetes/cmd/$cmd")
done
echo "build-binaries: building etcd" >&2
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
build_done build-binaries
