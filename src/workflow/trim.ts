// What the caches keep of each object: only the fields the controller and Fetch read (the types in observe.ts and
// fetch/source.ts), applied by the informers before anything is stored. A Workflow's templates, a pod's spec and
// every object's managedFields are most of their bytes and are never read; at 10,000 finished jobs they would be
// most of the operator's memory.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ArgoNode } from './observe.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Meta = NonNullable<KubernetesObject['metadata']>;

/** metadata without managedFields and kubectl's copy of the applied object. */
export function trimMetadata(m: Meta | undefined): Meta | undefined {
  if (!m) return m;
  const { managedFields: _mf, ...rest } = m;
  if (rest.annotations && LAST_APPLIED in rest.annotations) {
    const { [LAST_APPLIED]: _la, ...annotations } = rest.annotations;
    rest.annotations = annotations;
  }
  return rest;
}

/** A SQLFlowJob: all of spec and status are read (the spec builds the Workflow); only metadata is trimmed. */
export function trimJob<T extends KubernetesObject>(o: T): T {
  return { ...o, metadata: trimMetadata(o.metadata) };
}

interface WorkflowShape extends KubernetesObject {
  spec?: { shutdown?: string; entrypoint?: string; templates?: { name?: string; steps?: unknown[]; dag?: { tasks?: unknown[] } }[] };
  status?: Record<string, unknown> & { nodes?: Record<string, ArgoNode> };
}

/** A Workflow: its entrypoint's step or DAG task names (plannedStepCount), shutdown, and the status fields observe.ts reads. */
export function trimWorkflow<T extends KubernetesObject>(o: T): T {
  const wf = o as unknown as WorkflowShape;
  const out: WorkflowShape = { apiVersion: wf.apiVersion, kind: wf.kind, metadata: trimMetadata(wf.metadata) };
  if (wf.spec) {
    const spec: NonNullable<WorkflowShape['spec']> = {};
    if (wf.spec.shutdown !== undefined) spec.shutdown = wf.spec.shutdown;
    if (wf.spec.entrypoint !== undefined) spec.entrypoint = wf.spec.entrypoint;
    const entry = wf.spec.templates?.find((t) => t.name === wf.spec?.entrypoint);
    if (entry) {
      const t: { name?: string; steps?: unknown[]; dag?: { tasks: unknown[] } } = { name: entry.name };
      if (Array.isArray(entry.steps)) {
        t.steps = entry.steps.map((g) => (Array.isArray(g) ? g.map((s) => ({ name: (s as { name?: string })?.name })) : g));
      }
      // A DAG program (spec.schedule: DAG) is counted by its tasks' names, as a step list is by its groups'.
      if (Array.isArray(entry.dag?.tasks)) t.dag = { tasks: entry.dag.tasks.map((x) => ({ name: (x as { name?: string })?.name })) };
      spec.templates = [t];
    }
    out.spec = spec;
  }
  const st = wf.status;
  if (st) {
    const status: NonNullable<WorkflowShape['status']> = {};
    for (const k of ['phase', 'startedAt', 'finishedAt', 'message', 'progress', 'compressedNodes'] as const) if (st[k] !== undefined) status[k] = st[k];
    if (st.nodes) {
      const nodes: Record<string, ArgoNode> = {};
      for (const [id, n] of Object.entries(st.nodes)) nodes[id] = trimNode(n);
      status.nodes = nodes;
    }
    out.status = status;
  }
  return out as unknown as T;
}

function trimNode(n: ArgoNode): ArgoNode {
  const out: ArgoNode = { id: n.id, name: n.name, type: n.type };
  for (const k of ['displayName', 'templateName', 'phase', 'startedAt', 'finishedAt', 'message', 'boundaryID'] as const) if (n[k] !== undefined) out[k] = n[k];
  if (n.outputs?.exitCode !== undefined) out.outputs = { exitCode: n.outputs.exitCode };
  return out;
}

interface PodShape extends KubernetesObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    containerStatuses?: { name: string; state?: unknown }[];
    initContainerStatuses?: { name: string; state?: unknown }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/**
 * A step pod: its node, phase and container states (Fetch and the step exit codes read nothing else), and an
 * unscheduled pod's PodScheduled condition (why a Pending step waits: workflow/podwait.ts).
 */
export function trimPod<T extends KubernetesObject>(o: T): T {
  const p = o as unknown as PodShape;
  const out: PodShape = { apiVersion: p.apiVersion, kind: p.kind, metadata: trimMetadata(p.metadata) };
  if (p.spec) out.spec = p.spec.nodeName !== undefined ? { nodeName: p.spec.nodeName } : {};
  if (p.status) {
    const status: NonNullable<PodShape['status']> = {};
    if (p.status.phase !== undefined) status.phase = p.status.phase;
    if (p.status.containerStatuses) status.containerStatuses = p.status.containerStatuses.map((c) => ({ name: c.name, state: c.state }));
    if (p.status.initContainerStatuses) status.initContainerStatuses = p.status.initContainerStatuses.map((c) => ({ name: c.name, state: c.state }));
    const unscheduled = p.status.conditions?.filter((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (unscheduled?.length) status.conditions = unscheduled;
    out.status = status;
  }
  return out as unknown as T;
}
