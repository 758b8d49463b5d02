// A job whose creator still has to make something the job needs (proto.SQLFlow's Run: the Secret holding a
// Session's db_conn_str, which the job must exist first to own) carries HOLD_ANNOTATION; the operator creates its
// Workflow only once the annotation is gone. Without it the step pod could start before its Secret exists.
// No I/O.
import type { SQLFlowJob } from './job.ts';

export const HOLD_ANNOTATION = 'sqlflow.org/hold';

/** What the job waits for (the annotation's value), or undefined when it is not held. */
export function holdOf(job: Pick<SQLFlowJob, 'metadata'>): string | undefined {
  const v = job.metadata.annotations?.[HOLD_ANNOTATION];
  return v === undefined ? undefined : v || 'its creator';
}
