// Reads an Argo Workflow's status (and its pods) into the steps a SQLFlowJob reports.
// Only real Argo conventions are used: node types and phases, `compressedNodes` when the
// controller offloaded them, and the pod's `workflows.argoproj.io/node-id` annotation to
// find a node's pod (node ID and pod name differ under Argo's v2 pod names).
import { gunzipSync } from 'node:zlib';
import { stepIndexFromName } from './steps.ts';

export const NODE_ID_ANNOTATION = 'workflows.argoproj.io/node-id';
export const WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';

export interface ArgoNode {
  id: string;
  name: string;
  displayName?: string;
  type: string;
  templateName?: string;
  phase?: string;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  boundaryID?: string;
  outputs?: { exitCode?: string };
}

export interface ArgoWorkflowLike {
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string> };
  spec?: { shutdown?: string; templates?: { name?: string; steps?: unknown[]; dag?: { tasks?: unknown[] } }[]; entrypoint?: string };
  status?: {
    phase?: string;
    startedAt?: string;
    finishedAt?: string;
    message?: string;
    progress?: string;
    nodes?: Record<string, ArgoNode>;
    compressedNodes?: string;
  };
}

export interface PodLike {
  metadata?: { name?: string; annotations?: Record<string, string>; deletionTimestamp?: unknown };
  status?: {
    phase?: string;
    containerStatuses?: { name: string; state?: { terminated?: { exitCode?: number; reason?: string; message?: string } } }[];
  };
}

/** One executable step of a workflow, in the order the job reports them. */
export interface Step {
  /** 0-based position: the statement index for a program; order of start for a given workflow. */
  index: number;
  name: string;
  nodeID: string;
  podName?: string;
  /** Argo node phase: Pending, Running, Succeeded, Failed, Error, Skipped, Omitted. */
  phase: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  message?: string;
}

export const COMPLETED_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Error']);
const DONE_NODE_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']);

export function nodeDone(phase: string | undefined): boolean {
  return phase !== undefined && DONE_NODE_PHASES.has(phase);
}

/** The workflow's nodes, from `status.nodes` or, when Argo offloaded them to save space, `status.compressedNodes`. */
export function workflowNodes(wf: ArgoWorkflowLike): ArgoNode[] {
  const st = wf.status;
  if (!st) return [];
  if (st.nodes) return Object.values(st.nodes);
  if (st.compressedNodes) {
    try {
      return Object.values(JSON.parse(gunzipSync(Buffer.from(st.compressedNodes, 'base64')).toString('utf8')) as Record<string, ArgoNode>);
    } catch {
      return [];
    }
  }
  return [];
}

/**
 * Number of steps a workflow will run when that is known up front: for a workflow built
 * from a program, one step group (or DAG task) per statement in the entrypoint; undefined otherwise.
 */
export function plannedStepCount(wf: ArgoWorkflowLike): number | undefined {
  const entry = wf.spec?.templates?.find((t) => t.name === wf.spec?.entrypoint);
  const tasks = entry?.dag?.tasks;
  if (tasks !== undefined) {
    // A DAG program: one task per statement, each named by its step.
    if (tasks.length === 0) return undefined;
    for (const t of tasks) if (stepIndexFromName((t as { name?: string }).name ?? '') === undefined) return undefined;
    return tasks.length;
  }
  const groups = entry?.steps;
  if (!groups || groups.length === 0) return undefined;
  for (const g of groups) {
    const step = Array.isArray(g) && g.length === 1 ? (g[0] as { name?: string }) : undefined;
    if (!step?.name || stepIndexFromName(step.name) === undefined) return undefined;
  }
  return groups.length;
}

/**
 * The executable (Pod) nodes as steps. For program workflows the index comes from the step
 * name; otherwise steps are ordered by start time, then node name, which is stable because a
 * node's start time never changes and later nodes start later.
 */
export function workflowSteps(wf: ArgoWorkflowLike, pods: readonly PodLike[] = []): Step[] {
  const podsByNode = new Map<string, PodLike>();
  for (const p of pods) {
    const id = p.metadata?.annotations?.[NODE_ID_ANNOTATION];
    if (id) podsByNode.set(id, p);
  }
  const program = plannedStepCount(wf) !== undefined;
  const nodes = workflowNodes(wf).filter((n) => n.type === 'Pod');
  const indexed = nodes.map((n) => ({ n, i: program ? stepIndexFromName(n.displayName ?? lastSegment(n.name)) : undefined }));
  let ordered: { n: ArgoNode; i: number }[];
  if (program) {
    ordered = indexed.filter((x): x is { n: ArgoNode; i: number } => x.i !== undefined).sort((a, b) => a.i - b.i);
  } else {
    ordered = indexed
      .sort((a, b) => (a.n.startedAt ?? '\uffff').localeCompare(b.n.startedAt ?? '\uffff') || a.n.name.localeCompare(b.n.name))
      .map((x, i) => ({ n: x.n, i }));
  }
  return ordered.map(({ n, i }) => toStep(n, i, podsByNode.get(n.id)));
}

function lastSegment(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}

function toStep(n: ArgoNode, index: number, pod: PodLike | undefined): Step {
  const step: Step = { index, name: n.displayName ?? n.name, nodeID: n.id, phase: n.phase || 'Pending' };
  const podName = pod?.metadata?.name;
  if (podName) step.podName = podName;
  if (n.startedAt) step.startedAt = n.startedAt;
  if (n.finishedAt) step.finishedAt = n.finishedAt;
  const code = n.outputs?.exitCode ?? pod?.status?.containerStatuses?.find((c) => c.name === 'main')?.state?.terminated?.exitCode;
  if (code !== undefined && code !== '' && Number.isInteger(Number(code))) step.exitCode = Number(code);
  if (n.message) step.message = n.message;
  return step;
}

/** Steps done (Succeeded, Skipped or Omitted count as done, as in Argo's progress) out of all. */
export function stepProgress(steps: readonly Step[], total: number): string {
  const done = steps.filter((s) => s.phase === 'Succeeded' || s.phase === 'Skipped' || s.phase === 'Omitted').length;
  return `${done}/${Math.max(total, steps.length)}`;
}

export function workflowCompleted(wf: ArgoWorkflowLike): boolean {
  return COMPLETED_PHASES.has(wf.status?.phase ?? '');
}
