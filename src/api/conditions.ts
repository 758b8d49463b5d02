// Conditions as Kubernetes API conventions and kstatus read them: Reconciling=True while a
// job is on its way, Stalled=True when it ended badly, Ready=True when it succeeded. kstatus
// (Flux, `kubectl wait`, cli-utils) maps these to InProgress, Failed and Current.
import type { Condition, JobPhase } from './job.ts';

export const READY = 'Ready';
export const RECONCILING = 'Reconciling';
export const STALLED = 'Stalled';

/** The three conditions a job in `phase` carries; `reason` overrides the phase as reason (e.g. InvalidProgram). */
export function conditionsFor(phase: JobPhase, message: string, generation: number | undefined, reason: string = phase): Omit<Condition, 'lastTransitionTime'>[] {
  const gen = generation === undefined ? {} : { observedGeneration: generation };
  const inProgress = phase === 'Pending' || phase === 'Running';
  const bad = phase === 'Failed' || phase === 'Error' || phase === 'Cancelled';
  return [
    { type: READY, status: phase === 'Succeeded' ? 'True' : 'False', reason, message, ...gen },
    { type: RECONCILING, status: inProgress ? 'True' : 'False', reason, message, ...gen },
    { type: STALLED, status: bad ? 'True' : 'False', reason, message, ...gen },
  ];
}

/**
 * Merges wanted conditions into the existing ones: lastTransitionTime moves only when the
 * status of a condition changes, as the conventions require.
 */
export function mergeConditions(existing: readonly Condition[] | undefined, wanted: readonly Omit<Condition, 'lastTransitionTime'>[], now: string): Condition[] {
  const byType = new Map((existing ?? []).map((c) => [c.type, c]));
  return wanted.map((w) => {
    const old = byType.get(w.type);
    return { ...w, lastTransitionTime: old && old.status === w.status ? old.lastTransitionTime : now };
  });
}
