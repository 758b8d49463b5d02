import type { ResourceRequirements, SecretKeySelector } from './manifest.ts';
import { LBRACE_ENV } from './argv.ts';

export interface WorkflowOptions {
  /** Fixed name; exclusive with generateName. */
  readonly name?: string;
  /** Name prefix the apiserver completes; the default is `sqlflow-` when no name is given. */
  readonly generateName?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Image of every step except TO RUN steps, which use their own image. */
  readonly image?: string;
  /** argv before the statement; never a shell by default (SQLFlow's `step -e`). */
  readonly command?: readonly string[];
  /** Secret key holding the datasource; reaches the step as env SQLFLOW_DATASOURCE. */
  readonly datasourceSecret?: SecretKeySelector;
  /** Extra env for every step, in order. Values pass to Kubernetes as written. */
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  readonly serviceAccountName?: string;
  readonly resources?: ResourceRequirements;
  readonly activeDeadlineSeconds?: number;
  /** `DAG`: statements that touch nothing in common run at once (see dag.ts); `Sequential`: one after another. */
  readonly schedule?: ScheduleKind;
  /** Most step pods running at once (Argo's spec.parallelism); unset: no limit. */
  readonly parallelism?: number;
  /** Labels for every step pod (spec.podMetadata.labels). */
  readonly podLabels?: Readonly<Record<string, string>>;
}

export type ScheduleKind = 'DAG' | 'Sequential';
export const SCHEDULES: readonly ScheduleKind[] = ['DAG', 'Sequential'];
/** See README "Parallel steps" for why. */
export const DEFAULT_SCHEDULE: ScheduleKind = 'Sequential';

export const DEFAULT_GENERATE_NAME = 'sqlflow-';
/** The step runtime's image, built from step/Dockerfile (tag = the package version). */
export const DEFAULT_IMAGE = 'sqlflow-operator/step:0.1.0';
export const DEFAULT_COMMAND: readonly string[] = ['step', '-e'];
export const DATASOURCE_ENV = 'SQLFLOW_DATASOURCE';

/** Bad options: caught here, before anything is submitted, with the option named. */
export class WorkflowOptionsError extends Error {
  override readonly name = 'WorkflowOptionsError';
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** Printable ASCII without `=`: what Kubernetes accepts as an env var name. */
const ENV_NAME = /^[!-<>-~]+$/;

function fail(message: string): never {
  throw new WorkflowOptionsError(message);
}

function subdomain(what: string, v: string): void {
  if (v.length > 253 || !DNS_SUBDOMAIN.test(v)) {
    fail(`${what} "${v}" is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`);
  }
}

function labels(what: string, m: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(m)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash < 0 ? undefined : k.slice(0, slash);
    const name = slash < 0 ? k : k.slice(slash + 1);
    if ((prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || name.length > 63 || !LABEL_NAME.test(name)) {
      fail(`${what} key "${k}" is not a valid label key ([prefix/]name, name up to 63 letters, digits, '-', '_', '.')`);
    }
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      fail(`${what} "${k}" has an invalid value "${String(v)}" (up to 63 letters, digits, '-', '_', '.', starting and ending alphanumeric)`);
    }
  }
}

/** Throws WorkflowOptionsError naming the first bad option. */
export function validateOptions(o: WorkflowOptions): void {
  if (o.name !== undefined && o.generateName !== undefined) fail('give either name or generateName, not both');
  if (o.name !== undefined) subdomain('name', o.name);
  if (o.generateName !== undefined) {
    // The apiserver appends five characters; the result must be a valid name.
    if (o.generateName === '' || !DNS_SUBDOMAIN.test(`${o.generateName}x`)) subdomain('generateName', o.generateName);
  }
  if (o.namespace !== undefined && (o.namespace.length > 63 || !DNS_LABEL.test(o.namespace))) {
    fail(`namespace "${o.namespace}" is not a valid namespace name (lower-case letters, digits and '-', up to 63)`);
  }
  if (o.labels !== undefined) labels('label', o.labels);
  if (o.podLabels !== undefined) labels('pod label', o.podLabels);
  if (o.image !== undefined && (o.image === '' || /\s/.test(o.image))) fail(`image "${o.image}" must be a non-empty image reference without spaces`);
  if (o.command !== undefined) {
    if (o.command.length === 0) fail('the step command must have at least one element (Argo needs an explicit command)');
    if (o.command.some((a) => typeof a !== 'string')) fail('the step command must be an array of strings');
  }
  if (o.datasourceSecret !== undefined) {
    subdomain('datasource secret name', o.datasourceSecret.name);
    if (!SECRET_KEY.test(o.datasourceSecret.key)) fail(`datasource secret key "${o.datasourceSecret.key}" may hold only letters, digits, '-', '_' and '.'`);
  }
  const seen = new Set<string>();
  for (const e of o.env ?? []) {
    if (!ENV_NAME.test(e.name)) fail(`env name "${e.name}" must be printable ASCII without '=' or spaces`);
    if (e.name === LBRACE_ENV) fail(`env name ${LBRACE_ENV} is reserved: steps use it to pass "{{" through Argo`);
    if (e.name === DATASOURCE_ENV && o.datasourceSecret !== undefined) {
      fail(`env ${DATASOURCE_ENV} is set from the datasource secret; do not set it as plain env (it would show in the manifest)`);
    }
    if (seen.has(e.name)) fail(`env ${e.name} is given twice`);
    seen.add(e.name);
  }
  if (o.serviceAccountName !== undefined) subdomain('service account', o.serviceAccountName);
  if (o.schedule !== undefined && !SCHEDULES.includes(o.schedule)) fail(`schedule must be DAG or Sequential, got ${JSON.stringify(o.schedule)}`);
  if (o.parallelism !== undefined && (!Number.isSafeInteger(o.parallelism) || o.parallelism <= 0)) {
    fail(`parallelism must be a positive whole number of pods, got ${o.parallelism}`);
  }
  if (o.activeDeadlineSeconds !== undefined && (!Number.isSafeInteger(o.activeDeadlineSeconds) || o.activeDeadlineSeconds <= 0)) {
    fail(`activeDeadlineSeconds must be a positive whole number of seconds, got ${o.activeDeadlineSeconds}`);
  }
}
