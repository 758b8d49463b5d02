// The slice of Argo's Workflow types (pkg/apis/workflow/v1alpha1) the local Argo reads and writes.
import type { V1Container, V1EnvVar, V1ObjectMeta } from '@kubernetes/client-node';

export interface Parameter {
  name: string;
  value?: string | number | boolean;
  default?: string | number | boolean;
}

export interface Arguments {
  parameters?: Parameter[];
}

export type Item = string | number | boolean | null | Item[] | { [k: string]: Item };

export interface ContinueOn {
  failed?: boolean;
  error?: boolean;
}

export interface WorkflowStep {
  name: string;
  template?: string;
  arguments?: Arguments;
  withItems?: Item[];
  when?: string;
  continueOn?: ContinueOn;
}

export interface DAGTask extends WorkflowStep {
  dependencies?: string[];
  depends?: string;
}

/** A template's container: a V1Container whose name Argo fills in (`main`). */
export type TemplateContainer = Omit<V1Container, 'name'> & { name?: string };

export interface ScriptTemplate extends TemplateContainer {
  source: string;
}

export interface Template {
  name: string;
  inputs?: { parameters?: Parameter[] };
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  container?: TemplateContainer;
  script?: ScriptTemplate;
  steps?: WorkflowStep[][];
  dag?: { tasks: DAGTask[]; target?: string; failFast?: boolean };
  activeDeadlineSeconds?: number | string;
}

export interface WorkflowSpec {
  entrypoint?: string;
  templates?: Template[];
  arguments?: Arguments;
  serviceAccountName?: string;
  shutdown?: 'Terminate' | 'Stop' | '';
  suspend?: boolean;
  activeDeadlineSeconds?: number;
  /** Most pods active at once (Pending or Running); further pod nodes wait uncreated. */
  parallelism?: number;
  podGC?: { strategy?: string; deleteDelayDuration?: string; labelSelector?: unknown };
  ttlStrategy?: { secondsAfterCompletion?: number; secondsAfterSuccess?: number; secondsAfterFailure?: number };
  podMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

export type NodePhase = 'Pending' | 'Running' | 'Succeeded' | 'Skipped' | 'Failed' | 'Error' | 'Omitted';
export type NodeType = 'Pod' | 'Steps' | 'StepGroup' | 'DAG' | 'TaskGroup' | 'Skipped';

export interface NodeStatus {
  id: string;
  name: string;
  displayName: string;
  type: NodeType;
  templateName?: string;
  templateScope?: string;
  phase: NodePhase;
  boundaryID?: string;
  children?: string[];
  outboundNodes?: string[];
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  progress?: string;
  hostNodeName?: string;
  inputs?: { parameters?: Parameter[] };
  outputs?: { exitCode?: string };
  nodeFlag?: Record<string, never>;
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  message?: string;
}

export interface WorkflowStatus {
  phase?: '' | 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error';
  startedAt?: string;
  finishedAt?: string;
  progress?: string;
  message?: string;
  nodes?: Record<string, NodeStatus>;
  conditions?: Condition[];
}

export interface Workflow {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: WorkflowSpec;
  status?: WorkflowStatus;
}

export type { V1Container, V1EnvVar };

export const GROUP = 'argoproj.io';
export const VERSION = 'v1alpha1';
export const PLURAL = 'workflows';

export const LABEL_WORKFLOW = 'workflows.argoproj.io/workflow';
export const LABEL_COMPLETED = 'workflows.argoproj.io/completed';
export const LABEL_PHASE = 'workflows.argoproj.io/phase';
export const LABEL_INSTANCE_ID = 'workflows.argoproj.io/controller-instanceid';
export const ANNOTATION_NODE_NAME = 'workflows.argoproj.io/node-name';
export const ANNOTATION_NODE_ID = 'workflows.argoproj.io/node-id';
export const ANNOTATION_POD_NAME_FORMAT = 'workflows.argoproj.io/pod-name-format';

export function nodeCompleted(phase: NodePhase): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error' || phase === 'Skipped';
}

/** Completed or Omitted (Argo's Fulfilled). */
export function nodeFulfilled(phase: NodePhase): boolean {
  return nodeCompleted(phase) || phase === 'Omitted';
}

export function failedOrError(phase: NodePhase): boolean {
  return phase === 'Failed' || phase === 'Error';
}
