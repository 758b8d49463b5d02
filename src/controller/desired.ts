// What Workflow a job should have. Pure: the reconciler creates what this returns.
import { createHash } from 'node:crypto';
import { parseProgram } from '../sql/parse.ts';
import { SQLFlowSyntaxError } from '../sql/errors.ts';
import { buildWorkflow, WorkflowOptionsError } from '../workflow/build.ts';
import { DEFAULT_GENERATE_NAME } from '../workflow/options.ts';
import { API_VERSION, JOB_LABEL, KIND, type SQLFlowJob } from '../api/job.ts';

export interface StepDefaults {
  /** Image of program steps when the job names none (--step-image). */
  image?: string;
  /** argv prefix before each statement (--step-command). */
  command?: readonly string[];
}

/** The job cannot be turned into a Workflow; `reason` becomes the condition reason. */
export class InvalidJobError extends Error {
  constructor(readonly reason: 'InvalidProgram' | 'InvalidWorkflow' | 'InvalidSpec' | 'WorkflowTooLarge', message: string) {
    super(message);
    this.name = 'InvalidJobError';
  }
}

// The apiserver's generateName alphabet (no vowels, no look-alikes), so our names look like Argo's `steps-x7k2q`.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The workflow name for a job's `attempt`-th try: the prefix (a given generateName, or
 * `sqlflow-`) plus five characters derived from the job's UID. Deterministic, so an operator
 * that dies between creating the Workflow and recording it finds the same name again and
 * adopts it instead of creating a second one; `attempt` moves on only when another owner's
 * Workflow already holds the name.
 */
export function workflowName(prefix: string, uid: string, attempt = 0): string {
  const digest = createHash('sha256').update(`${uid}/${attempt}`).digest();
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[digest[i]! % ALPHABET.length];
  return `${prefix.slice(0, 58)}${suffix}`;
}

export interface DesiredWorkflow {
  /** Fixed name given in spec.workflow.metadata.name, or undefined (then `prefix` + derived suffix). */
  fixedName?: string;
  prefix: string;
  manifest: Record<string, unknown> & { metadata: Record<string, unknown>; spec: Record<string, unknown> };
}

/** Builds the job's Workflow (without its final name). Throws InvalidJobError for a bad program or workflow. */
export function desiredWorkflow(job: SQLFlowJob, defaults: StepDefaults): DesiredWorkflow {
  const { spec, metadata } = job;
  const name = metadata.name!;
  let manifest: DesiredWorkflow['manifest'];
  if (spec.sql !== undefined) {
    let statements;
    try {
      statements = parseProgram(spec.sql);
    } catch (e) {
      if (e instanceof SQLFlowSyntaxError) throw new InvalidJobError('InvalidProgram', `spec.sql ${e.line}:${e.column}: ${e.reason}\n${e.excerpt}`);
      throw e;
    }
    try {
      const wf = buildWorkflow(statements, {
        generateName: DEFAULT_GENERATE_NAME,
        ...(spec.image ?? defaults.image ? { image: spec.image ?? defaults.image } : {}),
        ...(defaults.command ? { command: defaults.command } : {}),
        ...(spec.datasource ? { datasourceSecret: spec.datasource.secretKeyRef } : {}),
        ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
        ...(spec.resources ? { resources: stringify(spec.resources) } : {}),
        ...(spec.activeDeadlineSeconds ? { activeDeadlineSeconds: spec.activeDeadlineSeconds } : {}),
        ...(spec.schedule ? { schedule: spec.schedule } : {}),
        ...(spec.parallelism ? { parallelism: spec.parallelism } : {}),
      });
      manifest = structuredClone(wf) as unknown as DesiredWorkflow['manifest'];
    } catch (e) {
      if (e instanceof WorkflowOptionsError) throw new InvalidJobError('InvalidSpec', e.message);
      throw e;
    }
  } else if (spec.workflow !== undefined) {
    manifest = structuredClone(spec.workflow) as DesiredWorkflow['manifest'];
    if (typeof manifest.spec !== 'object' || manifest.spec === null) {
      throw new InvalidJobError('InvalidWorkflow', 'spec.workflow has no spec; give a complete Argo Workflow (with spec.entrypoint and spec.templates)');
    }
    manifest.metadata ??= {};
    const s = manifest.spec as Record<string, unknown>;
    if (spec.serviceAccountName) s.serviceAccountName = spec.serviceAccountName;
    if (spec.activeDeadlineSeconds) s.activeDeadlineSeconds = spec.activeDeadlineSeconds;
    if (spec.parallelism) s.parallelism = spec.parallelism;
  } else {
    throw new InvalidJobError('InvalidSpec', 'the job has neither spec.sql nor spec.workflow; set exactly one');
  }

  const meta = manifest.metadata as { name?: string; generateName?: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
  const fixedName = meta.name;
  const prefix = meta.generateName ?? DEFAULT_GENERATE_NAME;
  delete meta.name;
  delete meta.generateName;
  meta.namespace = metadata.namespace!;
  meta.labels = { ...meta.labels, [JOB_LABEL]: name };
  meta.ownerReferences = [{ apiVersion: API_VERSION, kind: KIND, name, uid: metadata.uid!, controller: true, blockOwnerDeletion: true }];
  // The pods carry the job label too, so the operator watches only its own pods.
  const wfSpec = manifest.spec as { podMetadata?: { labels?: Record<string, string> } };
  wfSpec.podMetadata = { ...wfSpec.podMetadata, labels: { ...wfSpec.podMetadata?.labels, [JOB_LABEL]: name } };
  const bytes = Buffer.byteLength(JSON.stringify(manifest));
  if (bytes > MAX_WORKFLOW_BYTES) {
    const statements = spec.sql !== undefined ? Math.max(1, (manifest.spec as { templates?: unknown[] }).templates!.length - 1) : 0;
    const per = statements ? ` (about ${Math.floor((statements * MAX_WORKFLOW_BYTES) / bytes)} statements each)` : '';
    throw new InvalidJobError('WorkflowTooLarge', `the Workflow for this job would be ${(bytes / 1048576).toFixed(2)} MiB, over the ${(MAX_WORKFLOW_BYTES / 1048576).toFixed(2)} MiB an object may have in etcd; split it into several SQLFlowJobs${per}`);
  }
  return { ...(fixedName ? { fixedName } : {}), prefix, manifest };
}

/**
 * etcd refuses requests over 1.5 MiB (its default --max-request-bytes); leave room for the
 * metadata, managed fields and status the Workflow gains on its way.
 */
export const MAX_WORKFLOW_BYTES = 1_300_000;

function stringify(r: NonNullable<SQLFlowJob['spec']['resources']>): { limits?: Record<string, string>; requests?: Record<string, string> } {
  const conv = (m?: Record<string, string | number>) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])) : undefined);
  const limits = conv(r.limits);
  const requests = conv(r.requests);
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}
