// The status a job should show, computed from its Workflow and pods. Pure: the reconciler
// writes the result only when it differs from what the job already shows.
import { conditionsFor, mergeConditions } from '../api/conditions.ts';
import { isFinished, type JobPhase, type JobStatus, type SQLFlowJob, type StepStatus } from '../api/job.ts';
import { plannedStepCount, stepProgress, workflowSteps, type ArgoWorkflowLike, type PodLike, type Step } from '../workflow/observe.ts';
import { jobPhaseOf } from '../workflow/phase.ts';

/** At most this many steps are listed, so a 10,000-statement job's status stays a few tens of KiB. */
export const MAX_LISTED_STEPS = 200;
const MAX_MESSAGE = 1024;

/** The fields of status the operator owns (status.logs belongs to Fetch). */
export type OwnedStatus = Omit<JobStatus, 'logs'>;

export type WorkflowObservation =
  | { kind: 'none' } // not created yet
  | { kind: 'present'; workflow: ArgoWorkflowLike; pods: readonly PodLike[] }
  | { kind: 'deleted'; name: string }; // recorded in status, gone from the cluster

/** Keeps every step if few; else the unsuccessful ones first, then the latest, in index order. */
export function listedSteps(steps: readonly Step[]): StepStatus[] {
  let keep: readonly Step[] = steps;
  if (steps.length > MAX_LISTED_STEPS) {
    const notOk = steps.filter((s) => s.phase !== 'Succeeded').slice(-MAX_LISTED_STEPS);
    const room = MAX_LISTED_STEPS - notOk.length;
    const ok = room > 0 ? steps.filter((s) => s.phase === 'Succeeded').slice(-room) : [];
    keep = [...notOk, ...ok].sort((a, b) => a.index - b.index);
  }
  return keep.map((s) => {
    const out: StepStatus = { index: s.index, name: s.name, nodeID: s.nodeID, phase: s.phase };
    if (s.podName) out.podName = s.podName;
    if (s.startedAt) out.startedAt = s.startedAt;
    if (s.finishedAt) out.finishedAt = s.finishedAt;
    if (s.exitCode !== undefined) out.exitCode = s.exitCode;
    if (s.message) out.message = truncate(s.message, MAX_MESSAGE);
    return out;
  });
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function failureMessage(wf: ArgoWorkflowLike, steps: readonly Step[]): string {
  const failed = steps.find((s) => s.phase === 'Failed' || s.phase === 'Error');
  const base = wf.status?.message ?? '';
  if (!failed) return base || `workflow ${wf.status?.phase ?? 'ended'}`;
  const code = failed.exitCode !== undefined ? ` (exit code ${failed.exitCode})` : '';
  return `step ${failed.index + 1} (${failed.name}) ${failed.phase.toLowerCase()}${code}: ${failed.message ?? base}`;
}

/**
 * The owned status for a job given what was observed. `now` is used for timestamps that the
 * operator itself sets (an invalid program's finishedAt, a condition's transition).
 */
export function desiredStatus(job: SQLFlowJob, obs: WorkflowObservation, now: string, invalid?: { reason: string; message: string }): OwnedStatus {
  const cur = job.status ?? {};
  const gen = job.metadata.generation;
  const cancelled = job.spec.cancel === true;
  let phase: JobPhase;
  let reason: string | undefined;
  let message: string;
  const out: OwnedStatus = { observedGeneration: gen };

  if (invalid) {
    phase = 'Failed';
    reason = invalid.reason;
    message = invalid.message;
    out.finishedAt = cur.finishedAt ?? now;
  } else if (obs.kind === 'none') {
    phase = cancelled ? 'Cancelled' : 'Pending';
    message = cancelled ? 'cancelled before its workflow was created' : 'creating the workflow';
    if (cancelled) out.finishedAt = cur.finishedAt ?? now;
  } else if (obs.kind === 'deleted') {
    // Once finished, a vanished Workflow (Argo's TTL, a clean-up) changes nothing the user needs.
    if (isFinished(cur.phase)) return { ...ownedOf(cur), observedGeneration: gen };
    phase = 'Error';
    reason = 'WorkflowDeleted';
    message = `workflow ${obs.name} was deleted before it finished; the job is not re-submitted. Create a new SQLFlowJob to run again`;
    out.workflowName = obs.name;
    out.finishedAt = cur.finishedAt ?? now;
    out.progress = cur.progress;
    out.stepCount = cur.stepCount;
    out.steps = cur.steps;
  } else {
    const wf = obs.workflow;
    const steps = workflowSteps(wf, obs.pods);
    const total = plannedStepCount(wf) ?? steps.length;
    phase = jobPhaseOf(wf, cancelled);
    out.workflowName = wf.metadata?.name;
    if (wf.status?.startedAt) out.startedAt = wf.status.startedAt;
    if (wf.status?.finishedAt && isFinished(phase)) out.finishedAt = wf.status.finishedAt;
    out.progress = stepProgress(steps, total);
    out.stepCount = total;
    out.steps = listedSteps(steps);
    if (phase === 'Succeeded') message = `${total} step${total === 1 ? '' : 's'} succeeded`;
    else if (phase === 'Cancelled') message = `cancelled: ${wf.status?.message ?? 'workflow terminated'}`;
    else if (phase === 'Failed' || phase === 'Error') message = failureMessage(wf, steps);
    else if (phase === 'Running') {
      const running = steps.filter((s) => s.phase === 'Running' || s.phase === 'Pending').map((s) => s.name);
      message = running.length ? `running ${running.join(', ')}` : 'running';
      if (cancelled) message = `cancelling: ${message}`;
    } else message = cancelled ? 'cancelling' : 'waiting for Argo to start the workflow';
  }
  out.phase = phase;
  out.message = truncate(message, 4096);
  out.conditions = mergeConditions(cur.conditions, conditionsFor(phase, out.message, gen, reason ?? phase), now);
  return prune(out);
}

function ownedOf(s: JobStatus): OwnedStatus {
  const { logs: _logs, ...rest } = s;
  return rest;
}

function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const OWNED_OPTIONAL = ['workflowName', 'startedAt', 'finishedAt', 'progress', 'stepCount', 'steps'] as const;

/**
 * The merge patch that takes the job's status to `desired`, or undefined when nothing changes.
 * Owned fields absent from `desired` are set to null (removed); status.logs is never touched.
 * Comparison ignores key order: the apiserver returns objects with sorted keys.
 */
export function statusPatch(job: SQLFlowJob, desired: OwnedStatus): Record<string, unknown> | undefined {
  const cur = (job.status ?? {}) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(desired)) if (canonical(cur[k]) !== canonical(v)) patch[k] = v;
  for (const k of OWNED_OPTIONAL) if (cur[k] !== undefined && !(k in desired)) patch[k] = null;
  return Object.keys(patch).length ? patch : undefined;
}

export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  ) ?? 'undefined';
}
