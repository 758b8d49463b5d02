// Workflow pods as Argo makes them (workflow/controller/workflowpod.go) and how a pod's status becomes
// its node's (operator.go assessNodeStatus, inferFailedReason, getPendingReason).
import type { V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { rfc3339 } from './nodes.ts';
import {
  ANNOTATION_NODE_ID,
  ANNOTATION_NODE_NAME,
  LABEL_COMPLETED,
  LABEL_INSTANCE_ID,
  LABEL_WORKFLOW,
  nodeFulfilled,
  type NodePhase,
  type NodeStatus,
  type Template,
  type Workflow,
} from './types.ts';

export const EXECUTOR_IMAGE = 'quay.io/argoproj/argoexec:v4.1.2';
/** Where Argo's init container stages a script template's source (common.ExecutorScriptSourcePath). */
export const SCRIPT_SOURCE_PATH = '/argo/staging/script';

export function buildPod(wf: Workflow, node: NodeStatus, name: string, tmpl: Template, opts: { nodeName: string; instanceId?: string }): V1Pod {
  const src = (tmpl.container ?? tmpl.script)!;
  const main: V1Container = { ...src, name: 'main' };
  if (tmpl.script) {
    delete (main as { source?: string }).source;
    main.args = [...(main.args ?? []), SCRIPT_SOURCE_PATH];
  }
  const labels: Record<string, string> = {
    ...wf.spec.podMetadata?.labels,
    ...tmpl.metadata?.labels,
    [LABEL_WORKFLOW]: wf.metadata.name!,
    [LABEL_COMPLETED]: 'false',
  };
  if (opts.instanceId) labels[LABEL_INSTANCE_ID] = opts.instanceId;
  const executor = (n: 'init' | 'wait'): V1Container => ({
    name: n,
    image: EXECUTOR_IMAGE,
    command: ['argoexec', n],
    env: [
      { name: 'ARGO_POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'ARGO_CONTAINER_NAME', value: n },
      { name: 'ARGO_TEMPLATE', value: JSON.stringify(tmpl) },
      { name: 'ARGO_NODE_ID', value: node.id },
    ],
  });
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: wf.metadata.namespace,
      labels,
      annotations: {
        ...wf.spec.podMetadata?.annotations,
        ...tmpl.metadata?.annotations,
        [ANNOTATION_NODE_NAME]: node.name,
        [ANNOTATION_NODE_ID]: node.id,
        'kubectl.kubernetes.io/default-container': 'main',
      },
      ownerReferences: [
        { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: wf.metadata.name!, uid: wf.metadata.uid!, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      nodeName: opts.nodeName,
      restartPolicy: 'Never',
      initContainers: [executor('init')],
      containers: [executor('wait'), main],
    },
  };
  if (wf.spec.serviceAccountName) pod.spec!.serviceAccountName = wf.spec.serviceAccountName;
  return pod;
}

export function isTerminalPodPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function pendingReason(pod: V1Pod): string {
  for (const s of pod.status?.containerStatuses ?? []) {
    const w = s.state?.waiting;
    if (w) return w.message ? `${w.reason}: ${w.message}` : (w.reason ?? '');
  }
  return '';
}

/** inferFailedReason (Argo v4): init, then main, then wait, then sidecars; `<container>: <Reason> (exit code N)[: message]`. */
export function inferFailedReason(pod: V1Pod): [NodePhase, string] {
  if (pod.status?.message) return ['Failed', pod.status.message];
  const order = (n: string) => (n === 'main' ? 1 : n === 'wait' ? 2 : 3);
  const ctrs: V1ContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...[...(pod.status?.containerStatuses ?? [])].sort((a, b) => order(a.name) - order(b.name)),
  ];
  if (ctrs.length === 0) return ['Failed', `can't find failed message for pod ${pod.metadata?.name} namespace ${pod.metadata?.namespace}`];
  let mainOk = false;
  let waitOk = false;
  for (const c of ctrs) {
    const w = c.state?.waiting;
    if (w) return ['Error', `Pod failed before ${c.name} container starts due to ${w.reason ?? ''}: ${w.message ?? ''}`];
    const t = c.state?.terminated;
    if (!t) continue;
    if (t.exitCode === 0) {
      if (c.name === 'main') mainOk = true;
      else if (c.name === 'wait') waitOk = true;
      continue;
    }
    let msg = `${t.reason ?? ''} (exit code ${t.exitCode})`;
    if (t.message) msg = `${msg}: ${t.message}`;
    msg = `${c.name}: ${msg}`;
    if (c.name === 'init' || c.name === 'wait') return ['Error', msg];
    if (c.name === 'main') return ['Failed', msg];
    if (t.exitCode !== 137 && t.exitCode !== 143) return ['Failed', msg];
  }
  if (mainOk && waitOk) return ['Succeeded', ''];
  if (mainOk) return ['Failed', 'pod failed: wait container did not complete successfully'];
  if (waitOk) return ['Failed', 'pod failed: main container did not complete successfully'];
  return ['Failed', 'pod failed: neither main nor wait container completed successfully'];
}

function latestFinishedAt(pod: V1Pod): Date | undefined {
  let latest: Date | undefined;
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const f = c.state?.terminated?.finishedAt;
    if (f && (!latest || new Date(f) > latest)) latest = new Date(f);
  }
  return latest;
}

/** Updates a pod node from its pod (assessNodeStatus). */
export function assessPodNode(pod: V1Pod, node: NodeStatus, now: Date): void {
  let phase: NodePhase;
  let message = '';
  switch (pod.status?.phase) {
    case undefined:
    case 'Pending':
      phase = 'Pending';
      message = pendingReason(pod);
      break;
    case 'Succeeded':
      phase = 'Succeeded';
      break;
    case 'Failed':
      [phase, message] = inferFailedReason(pod);
      break;
    case 'Running':
      if (pod.metadata?.deletionTimestamp) {
        phase = 'Error';
        message = 'pod deleted during operation';
      } else phase = 'Running';
      break;
    default:
      phase = 'Error';
      message = `Unexpected pod phase for ${pod.metadata?.name}: ${pod.status?.phase}`;
  }
  if (pod.spec?.nodeName) node.hostNodeName = pod.spec.nodeName;
  const main = pod.status?.containerStatuses?.find((c) => c.name === 'main')?.state?.terminated;
  if (main) node.outputs = { ...node.outputs, exitCode: String(main.exitCode) };
  if (node.phase !== phase) {
    if (node.phase === 'Pending') delete node.message;
    node.phase = phase;
  }
  if (message) node.message = message;
  if (nodeFulfilled(node.phase) && !node.finishedAt) {
    const f = latestFinishedAt(pod);
    node.finishedAt = rfc3339(f ?? now);
  }
}
