// Command kstatus reads one Kubernetes object (YAML or JSON) on stdin and prints what
// kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status, the library behind Flux's and
// kpt's health checks and `kubectl wait`-style tooling) computes for it:
//
//	{"status":"Current","message":"Resource is Ready"}
//
// It exists so the tests can check that SQLFlowJob status reads as GitOps tools expect.
// Exit code 0 whatever the status; 2 if the input is not an object or kstatus errs.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

type result struct {
	Status     string             `json:"status"`
	Message    string             `json:"message"`
	Conditions []status.Condition `json:"conditions,omitempty"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(2)
	}
}

func run(in io.Reader, out io.Writer) error {
	raw, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	// JSON is YAML, so this takes either. The unstructured decoder keeps integers as
	// int64, as kstatus's accessors (metadata.generation, observedGeneration) need.
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return fmt.Errorf("stdin is not YAML or JSON: %w", err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return fmt.Errorf("stdin is not a Kubernetes object: %w", err)
	}
	res, err := status.Compute(u)
	if err != nil {
		return fmt.Errorf("computing status: %w", err)
	}
	enc := json.NewEncoder(out)
	return enc.Encode(result{Status: res.Status.String(), Message: res.Message, Conditions: res.Conditions})
}
