// The job phase a Workflow's phase means. One mapping for the two readers of it: the controller, which writes it
// into the job's status, and Fetch, which reports it with eof before that status write has landed (the workflow
// completing is what decides eof, so the phase reported with it must come from the same object).
import type { JobPhase } from '../api/job.ts';
import type { ArgoWorkflowLike } from './observe.ts';

export function jobPhaseOf(wf: ArgoWorkflowLike, cancelled: boolean): JobPhase {
  switch (wf.status?.phase) {
    case 'Running':
      return 'Running';
    case 'Succeeded':
      return 'Succeeded';
    case 'Failed':
      return cancelled ? 'Cancelled' : 'Failed';
    case 'Error':
      return cancelled ? 'Cancelled' : 'Error';
    default:
      return 'Pending';
  }
}
