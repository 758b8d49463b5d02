// What a following CLI tells the user when nothing has moved for a while: the job waiting for the operator, a step
// waiting for its pod (the pod's own waiting reason), the next step waiting for Argo. Plain text for stderr; stdout
// only ever carries log lines.
import type { JobSummary } from '../client/jobs.ts';
import type { StepInfo } from '../fetch/fetch.ts';
import { podWaitReason, type PodWaitView } from '../workflow/podwait.ts';

export { podWaitReason, type ContainerWaitView, type PodWaitView } from '../workflow/podwait.ts';

/**
 * "step 2/5 name", with the count never below the steps already seen and "?" while it is not final (a raw workflow
 * whose later nodes Argo has not created yet).
 */
export function stepLabel(s: StepInfo, seen: number): string {
  const count = s.countKnown ? String(Math.max(s.count, seen, s.index + 1)) : '?';
  return `step ${s.index + 1}/${count}${s.name ? ` ${s.name}` : ''}`;
}

export interface WaitFacts {
  job: JobSummary | undefined;
  step: StepInfo | undefined;
  /** The step's pod, when it has one and the backend can read it. */
  pod: PodWaitView | undefined;
  stepsSeen: number;
}

/** One line saying what the follow loop waits for (the same while nothing changes), or undefined when there is nothing to explain (a quiet step). */
export function waitingText(f: WaitFacts): string | undefined {
  const j = f.job;
  if (j && !j.workflow) {
    if (j.phase !== 'Pending') return undefined;
    return `job ${j.namespace}/${j.name} is Pending and has no workflow yet: is the operator running?`;
  }
  const s = f.step;
  if (!s) {
    if (!j) return undefined;
    return f.stepsSeen > 0
      ? `waiting for Argo to start step ${f.stepsSeen + 1} of workflow ${j.workflow}, or to complete it`
      : `workflow ${j.workflow} has no step yet: is Argo's workflow controller running?`;
  }
  if (s.phase !== 'Pending') return undefined;
  const label = stepLabel(s, f.stepsSeen);
  if (!s.nodeID) return `waiting for Argo to create ${label}`;
  // Through --server the pod is not readable, but the Fetch core said why it waits.
  if (!f.pod && s.waiting) return `${label} is Pending: pod ${s.podName ?? '(unnamed)'} ${s.waiting}`;
  if (!f.pod) return `${label} is Pending${s.podName ? `, pod ${s.podName}` : ', no pod yet'}`;
  return `${label} is Pending: pod ${f.pod.name} ${podWaitReason(f.pod)}`;
}
