// Job operations shared by the API server (as the operator) and the library (as the user): create a SQLFlowJob
// from a program or a workflow manifest, describe it, cancel it.
import { parse as parseYaml } from 'yaml';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type SQLFlowJob } from '../api/job.ts';
import { patchCustomObject } from '../kube/patch.ts';
import type { Resources } from '../kube/resources.ts';
import { workflowSteps, type ArgoWorkflowLike, type PodLike } from '../workflow/observe.ts';
import type { StepInfo } from '../fetch/fetch.ts';
import { SCHEDULES, type ScheduleKind } from '../workflow/options.ts';

export interface RunSpec {
  namespace: string;
  /** Job name; omitted = generated from `sqlflow-`. */
  name?: string;
  /** A SQLFlow program ... */
  sql?: string;
  /** ... or an Argo Workflow manifest (object, or YAML/JSON text). */
  workflow?: Record<string, unknown> | string;
  /** Secret key holding the datasource connection string. */
  datasource?: { name: string; key: string };
  image?: string;
  /** A program's schedule (spec.schedule): Sequential (the default) or DAG. Refused for a workflow. */
  schedule?: ScheduleKind;
  /** Most step pods running at once (spec.parallelism); unset: no limit. Refused for a workflow (set its own). */
  parallelism?: number;
}

export class RunSpecError extends Error {
  override readonly name = 'RunSpecError';
}

/** Summary of a job, as Get answers it. */
export interface JobSummary {
  namespace: string;
  name: string;
  uid: string;
  /** The Argo Workflow's name (the original SQLFlow's job ID); '' until the operator created it. */
  workflow: string;
  phase: string;
  message: string;
  progress: string;
  stepCount: number;
  steps: StepInfo[];
  createdAt: string;
  startedAt: string;
  finishedAt: string;
}

const ref = (namespace: string) => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace });

export function parseWorkflow(w: Record<string, unknown> | string): Record<string, unknown> {
  let obj: unknown = w;
  if (typeof w === 'string') {
    try {
      obj = parseYaml(w);
    } catch (e) {
      throw new RunSpecError(`the workflow is not valid YAML: ${(e as Error).message}`);
    }
  }
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  if (!o || typeof o !== 'object' || o.apiVersion !== 'argoproj.io/v1alpha1' || o.kind !== 'Workflow') {
    throw new RunSpecError('the workflow must be an Argo Workflow manifest (apiVersion: argoproj.io/v1alpha1, kind: Workflow)');
  }
  return o as Record<string, unknown>;
}

export function jobManifest(spec: RunSpec): SQLFlowJob {
  if ((spec.sql === undefined || spec.sql.trim() === '') === (spec.workflow === undefined)) {
    throw new RunSpecError('give exactly one of a SQL program or an Argo Workflow');
  }
  if (!spec.namespace) throw new RunSpecError('a namespace is required');
  const body: SQLFlowJob = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: spec.name ? { name: spec.name } : ({ generateName: 'sqlflow-' } as SQLFlowJob['metadata']),
    spec: {},
  };
  if (spec.sql !== undefined && spec.sql.trim() !== '') body.spec.sql = spec.sql;
  if (spec.workflow !== undefined) body.spec.workflow = parseWorkflow(spec.workflow);
  if (spec.datasource) body.spec.datasource = { secretKeyRef: { name: spec.datasource.name, key: spec.datasource.key } };
  if (spec.image) body.spec.image = spec.image;
  if (spec.schedule !== undefined) {
    if (!SCHEDULES.includes(spec.schedule)) throw new RunSpecError(`schedule ${JSON.stringify(spec.schedule)}: expected ${SCHEDULES.join(' or ')}`);
    if (spec.sql === undefined) throw new RunSpecError('schedule applies to a SQL program; an Argo Workflow keeps its own shape');
    body.spec.schedule = spec.schedule;
  }
  if (spec.parallelism !== undefined) {
    if (!Number.isSafeInteger(spec.parallelism) || spec.parallelism <= 0) throw new RunSpecError(`parallelism ${spec.parallelism}: expected a positive whole number of pods`);
    if (spec.sql === undefined) throw new RunSpecError('parallelism applies to a SQL program; set spec.parallelism in the Argo Workflow itself');
    body.spec.parallelism = spec.parallelism;
  }
  return body;
}

export async function createJob(api: Resources, spec: RunSpec): Promise<SQLFlowJob> {
  return await api.create<SQLFlowJob>(ref(spec.namespace), jobManifest(spec));
}

export async function getJob(api: Resources, namespace: string, name: string): Promise<SQLFlowJob> {
  return await api.get<SQLFlowJob>({ ...ref(namespace), name });
}

export async function listJobs(api: Resources, namespace: string): Promise<SQLFlowJob[]> {
  return (await api.list<SQLFlowJob>(ref(namespace))).items;
}

/** Sets spec.cancel (the only mutable spec field); the operator terminates the workflow. */
export async function cancelJob(api: Resources, namespace: string, name: string): Promise<SQLFlowJob> {
  return patchCustomObject<SQLFlowJob>(api, { ...ref(namespace), name }, 'merge', { spec: { cancel: true } });
}

const iso = (t: unknown): string => (t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : '');

/** A job's summary; with its workflow (and pods) the steps come from Argo's nodes, else from the job's status. */
export function summarize(job: SQLFlowJob, wf?: ArgoWorkflowLike, pods: readonly PodLike[] = []): JobSummary {
  const st = job.status ?? {};
  let steps: StepInfo[];
  const count = st.stepCount ?? 0;
  if (wf) {
    const s = workflowSteps(wf, pods);
    const n = Math.max(count, s.length);
    steps = s.map((x) => ({
      index: x.index, count: n, name: x.name, nodeID: x.nodeID, phase: x.phase,
      ...(x.podName ? { podName: x.podName } : {}), ...(x.exitCode !== undefined ? { exitCode: x.exitCode } : {}), ...(x.message ? { message: x.message } : {}),
    }));
  } else {
    steps = (st.steps ?? []).map((x) => ({
      index: x.index, count: Math.max(count, (st.steps ?? []).length), name: x.name, nodeID: x.nodeID ?? '', phase: x.phase ?? '',
      ...(x.podName ? { podName: x.podName } : {}), ...(x.exitCode !== undefined ? { exitCode: x.exitCode } : {}), ...(x.message ? { message: x.message } : {}),
    }));
  }
  return {
    namespace: job.metadata.namespace ?? '',
    name: job.metadata.name ?? '',
    uid: job.metadata.uid ?? '',
    workflow: st.workflowName ?? '',
    phase: st.phase ?? 'Pending',
    message: st.message ?? '',
    progress: st.progress ?? '',
    stepCount: Math.max(count, steps.length),
    steps,
    createdAt: iso(job.metadata.creationTimestamp),
    startedAt: st.startedAt ?? '',
    finishedAt: st.finishedAt ?? '',
  };
}
