// Test helper (not product code): validates a built manifest against Argo's schema as published
// by @kubernetes-models/argo-workflows.
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1';
import type { Workflow as Manifest } from './manifest.ts';

/**
 * Throws if `wf` does not validate. One adaptation: the package models a step group
 * (ParallelSteps) as `{steps: [...]}`, while Argo's wire format — its CRD, its examples and its
 * custom unmarshaller, as the type's own doc comment says — is a bare array. The groups are
 * wrapped for the package's validator only.
 */
export function validateWithArgoModels(wf: Manifest): void {
  const plain = structuredClone(wf) as unknown as { spec: { templates: { steps?: unknown[][] }[] } };
  for (const t of plain.spec.templates) {
    if (t.steps !== undefined) {
      (t as { steps: unknown }).steps = t.steps.map((group) => ({ steps: group }));
    }
  }
  new Workflow(plain as never).validate();
}
