// Pins Argo Workflows for the real-node test bed: tools/build-argo.sh downloads this exact
// module (checked against go.sum) and builds workflow-controller and argoexec from a copy of it.
// v4.0.5 is the only version the Go module proxy serves; it has reported security flaws, so it
// is a test-bed dependency only and never part of what the project ships.
module sqlflow-operator/tools/argo

go 1.26

require github.com/argoproj/argo-workflows/v4 v4.0.5
