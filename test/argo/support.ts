// Shared set-up for the local Argo tests: a real control plane, the Workflow CRD and the stand-in.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd, startLocalArgo, type LocalArgo, type Workflow } from '../../testenv/argo/index.ts';
import { until } from '../support/http.ts';

export interface Env {
  cp: ControlPlane;
  kc: KubeConfig;
  argo: LocalArgo;
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

export async function boot(opts: { instanceId?: string } = {}): Promise<Env> {
  const cp = await startControlPlane();
  const kc = cp.kubeConfig();
  await installWorkflowCrd(kc);
  const argo = await startLocalArgo({ kc, kubelet: cp.kubelet!, ...(opts.instanceId ? { instanceId: opts.instanceId } : {}) });
  return { cp, kc, argo, custom: kc.makeApiClient(CustomObjectsApi), core: kc.makeApiClient(CoreV1Api) };
}

export async function shutdown(env: Env | undefined): Promise<void> {
  await env?.argo.stop();
  await env?.cp.stop();
}

const ref = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };

export async function submit(env: Env, wf: Omit<Workflow, 'apiVersion' | 'kind'>, namespace = 'default'): Promise<Workflow> {
  return (await env.custom.createNamespacedCustomObject({
    ...ref, namespace, body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', ...wf },
  })) as Workflow;
}

export async function getWf(env: Env, name: string, namespace = 'default'): Promise<Workflow> {
  return (await env.custom.getNamespacedCustomObject({ ...ref, namespace, name })) as Workflow;
}

export async function patchWf(env: Env, name: string, body: unknown, namespace = 'default'): Promise<void> {
  const { patchOptions } = await import('../../src/kube/index.ts');
  await env.custom.patchNamespacedCustomObject({ ...ref, namespace, name, body }, patchOptions('merge'));
}

export async function waitDone(env: Env, name: string, timeoutMs = 60_000, namespace = 'default'): Promise<Workflow> {
  return until(`workflow ${name} completed`, async () => {
    const wf = await getWf(env, name, namespace);
    return wf.metadata.labels?.['workflows.argoproj.io/completed'] === 'true' ? wf : undefined;
  }, timeoutMs, 200);
}

export async function podsOf(env: Env, wfName: string, namespace = 'default'): Promise<V1Pod[]> {
  const list = await env.core.listNamespacedPod({ namespace, labelSelector: `workflows.argoproj.io/workflow=${wfName}` });
  return list.items;
}

/** The node with this name, by the name (not by assuming its ID). */
export function nodeByName(wf: Workflow, name: string) {
  return Object.values(wf.status?.nodes ?? {}).find((n) => n.name === name);
}
