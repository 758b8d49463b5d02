// The SQLFlowJob resource: its identity, spec and status as the CRD in crds/ defines them.
// No I/O here; everything that reads or writes jobs builds on these types.
import type { JobPhase, JobSpec, JobStatus } from '../gen/crd/sqlflow.org_sqlflowjobs.ts';

export const GROUP = 'sqlflow.org';
export const VERSION = 'v1alpha1';
export const PLURAL = 'sqlflowjobs';
export const KIND = 'SQLFlowJob';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Label on a job's Workflow and, through podMetadata, on its pods: the job's name. */
export const JOB_LABEL = 'sqlflow.org/job';

// The spec and status types are generated from the CRD's openAPIV3Schema (`npm run generate`); change the CRD,
// not them. What stays here is what the schema does not say: the envelope's metadata, constants and helpers.
export type {
  Condition, DatasourceRef, JobPhase, JobSpec, JobStatus, LogsStatus, SecretKeyRef, StepResources, StepStatus, WorkflowManifest,
} from '../gen/crd/sqlflow.org_sqlflowjobs.ts';

export const FINISHED_PHASES: ReadonlySet<JobPhase> = new Set(['Succeeded', 'Failed', 'Error', 'Cancelled']);

/** The CRD types metadata as a plain object (the apiserver owns ObjectMeta); these are the fields the code reads. */
export interface SQLFlowJob {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string | Date;
    deletionTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: JobSpec;
  status?: JobStatus;
}

export function isFinished(phase: JobPhase | undefined): boolean {
  return phase !== undefined && FINISHED_PHASES.has(phase);
}
