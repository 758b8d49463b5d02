# Sourced by the build scripts: the Kubernetes version built from tools/kube and the
# ldflags that make `/version` and `kubelet --version` report it (without them
# the binaries say v0.0.0-master).
kube_version=v1.37.2
kube_major=${kube_version#v}; kube_major=${kube_major%%.*}
kube_minor=${kube_version#v*.}; kube_minor=${kube_minor%%.*}
kube_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags="$kube_ldflags -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$kube_major -X $pkg.gitMinor=$kube_minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
