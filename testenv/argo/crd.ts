// Installs the project's Workflow CRD (workflow-crd.yaml) and waits until the apiserver serves it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';

export const WORKFLOW_CRD_PATH = fileURLToPath(new URL('./workflow-crd.yaml', import.meta.url));
export const WORKFLOW_CRD_NAME = 'workflows.argoproj.io';

export async function installWorkflowCrd(kc: KubeConfig, timeoutMs = 30_000): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  // loadYaml maps wire names (x-kubernetes-preserve-unknown-fields) to the model's, which the client serialises back;
  // a plain YAML parse would have them silently dropped and the schema would prune spec and status.
  const crd = loadYaml<V1CustomResourceDefinition>(await readFile(WORKFLOW_CRD_PATH, 'utf8'));
  try {
    await ext.createCustomResourceDefinition({ body: crd });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    // Already there (maybe Argo's own CRD): use it as it is.
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await ext.readCustomResourceDefinition({ name: WORKFLOW_CRD_NAME });
    if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`CRD ${WORKFLOW_CRD_NAME} not Established after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
