// The slice of Argo's Workflow type that the builder produces. Kept here (not imported from a
// model package) so the product carries no dependency for types; tests validate the result
// against Argo's schema with @kubernetes-models/argo-workflows.

export interface SecretKeySelector {
  readonly name: string;
  readonly key: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: SecretKeySelector };
}

export interface ResourceRequirements {
  readonly limits?: Readonly<Record<string, string>>;
  readonly requests?: Readonly<Record<string, string>>;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly resources?: ResourceRequirements;
}

export interface WorkflowStep {
  readonly name: string;
  readonly template: string;
}

/** A task of a `dag` template; `depends` is Argo's expression over task names, e.g. `step-1 && step-2`. */
export interface DAGTask {
  readonly name: string;
  readonly template: string;
  readonly depends?: string;
}

export interface Template {
  readonly name: string;
  readonly dag?: { readonly tasks: readonly DAGTask[] };
  /** Outer array: step groups, run one after another; inner: steps of a group, run in parallel. */
  readonly steps?: readonly (readonly WorkflowStep[])[];
  readonly container?: Container;
}

export interface WorkflowMetadata {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface WorkflowSpec {
  readonly entrypoint: string;
  readonly templates: readonly Template[];
  readonly serviceAccountName?: string;
  readonly activeDeadlineSeconds?: number;
  /** Most pods running at once (Argo's spec.parallelism). */
  readonly parallelism?: number;
  readonly podMetadata?: { readonly labels: Readonly<Record<string, string>> };
}

export interface Workflow {
  readonly apiVersion: 'argoproj.io/v1alpha1';
  readonly kind: 'Workflow';
  readonly metadata: WorkflowMetadata;
  readonly spec: WorkflowSpec;
}
