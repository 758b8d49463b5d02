// A ValidatingAdmissionPolicy that refuses Workflow creates: a way to hold the operator at a known point (some
// Workflows made, others refused) without depending on how fast it is.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../testenv/controlplane/index.ts';
import { until } from './http.ts';

/**
 * Refuses every Workflow create for which the CEL `refuse` expression holds (`object` is the Workflow), with
 * `message`; resolves once the apiserver enforces it (a policy takes a moment to load).
 * `probeLabels` are the labels of a Workflow the policy must refuse, used to check that.
 */
export async function refuseWorkflows(cp: ControlPlane, name: string, refuse: string, message: string, probeLabels: Record<string, string> = {}): Promise<void> {
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: ['argoproj.io'], apiVersions: ['*'], operations: ['CREATE'], resources: ['workflows'] }] },
      validations: [{ expression: `!(${refuse})`, message }],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName: name, validationActions: ['Deny'] },
  };
  const r = await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [policy, binding] }) });
  assert.equal(r.code, 0, r.stderr);
  const probe = JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'probe-', labels: probeLabels }, spec: { entrypoint: 'x' } });
  await until(`the policy ${name} is in force`, async () => (await cp.kubectl(['create', '--dry-run=server', '-f', '-'], { input: probe })).stderr.includes(message), 30_000, 300);
}

/** Removes what refuseWorkflows installed. */
export async function allowWorkflows(cp: ControlPlane, name: string): Promise<void> {
  const r = await cp.kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', name]);
  assert.equal(r.code, 0, r.stderr);
}
