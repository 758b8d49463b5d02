// The SQLFlowJob resource: its identity, spec and status as the CRD in crds/ defines them.
// No I/O here; everything that reads or writes jobs builds on these types.

export const GROUP = 'sqlflow.org';
export const VERSION = 'v1alpha1';
export const PLURAL = 'sqlflowjobs';
export const KIND = 'SQLFlowJob';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Label on a job's Workflow and, through podMetadata, on its pods: the job's name. */
export const JOB_LABEL = 'sqlflow.org/job';

export type JobPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Cancelled';
export const FINISHED_PHASES: ReadonlySet<JobPhase> = new Set(['Succeeded', 'Failed', 'Error', 'Cancelled']);

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface JobSpec {
  sql?: string;
  workflow?: Record<string, unknown> & { metadata?: { name?: string; generateName?: string; labels?: Record<string, string> } };
  datasource?: { secretKeyRef: SecretKeyRef };
  image?: string;
  serviceAccountName?: string;
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  activeDeadlineSeconds?: number;
  /** DAG: independent statements run at once; Sequential: one after another. */
  schedule?: 'DAG' | 'Sequential';
  /** Most step pods at once (Argo's spec.parallelism). */
  parallelism?: number;
  ttlSecondsAfterFinished?: number;
  cancel?: boolean;
}

export interface StepStatus {
  index: number;
  name: string;
  nodeID?: string;
  podName?: string;
  phase?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  message?: string;
}

export interface LogsStatus {
  step?: number;
  cursor?: string;
  linesDelivered?: number;
  complete?: boolean;
  updatedAt?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface JobStatus {
  phase?: JobPhase;
  workflowName?: string;
  observedGeneration?: number;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  progress?: string;
  stepCount?: number;
  steps?: StepStatus[];
  logs?: LogsStatus;
  conditions?: Condition[];
}

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
