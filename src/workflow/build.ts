import type { ParsedStatement } from '../sql/ast.ts';
import { encodeStatementArg, LBRACE_ENV, needsLbraceEnv } from './argv.ts';
import type { Container, EnvVar, Template, Workflow, WorkflowMetadata, WorkflowSpec } from './manifest.ts';
import {
  DATASOURCE_ENV, DEFAULT_COMMAND, DEFAULT_GENERATE_NAME, DEFAULT_IMAGE, DEFAULT_SCHEDULE, validateOptions, WorkflowOptionsError,
  type WorkflowOptions,
} from './options.ts';
import { ENTRYPOINT, stepName } from './steps.ts';
import { programEffects } from '../sql/effects.ts';
import { schedule } from './dag.ts';

export type { WorkflowOptions } from './options.ts';
export { WorkflowOptionsError } from './options.ts';

/**
 * Builds the Argo Workflow for a parsed program: an entrypoint `steps` template with one step
 * group per statement, in order, and one container template per step whose argv is the
 * command prefix followed by the statement (see argv.ts for how it survives Argo and the
 * kubelet unchanged). Pure: no I/O, same input → same manifest.
 *
 * No podGC and no ttlStrategy are set on purpose: a step pod must outlive its step so its
 * logs can be read; pods go away with the Workflow, their owner, when it is deleted.
 */
export function buildWorkflow(statements: readonly ParsedStatement[], options: WorkflowOptions = {}): Workflow {
  validateOptions(options);
  if (statements.length === 0) throw new WorkflowOptionsError('the program has no statements; there is nothing to run');

  const templates: Template[] = [entrypoint(statements, options)];
  const sharedEnv = commonEnv(options);
  const command = [...(options.command ?? DEFAULT_COMMAND)];
  const image = options.image ?? DEFAULT_IMAGE;
  statements.forEach((st, i) => {
    // Fresh objects per step: shared ones would come out as YAML aliases.
    const env = sharedEnv.map(copyEnv);
    if (needsLbraceEnv(st.text)) env.push({ name: LBRACE_ENV, value: '{' });
    const container: Container = {
      // Argo names the step container `main` whatever we say; saying it keeps schemas happy.
      name: 'main',
      // TO RUN executes in the image it names, as in the original SQLFlow.
      image: st.ast.type === 'run' ? st.ast.image : image,
      command: [...command],
      args: [encodeStatementArg(st.text)],
      ...(env.length > 0 ? { env } : {}),
      ...(options.resources !== undefined ? { resources: structuredClone(options.resources) } : {}),
    };
    templates.push({ name: stepName(i), container });
  });

  const metadata: WorkflowMetadata = {
    ...(options.name !== undefined ? { name: options.name } : { generateName: options.generateName ?? DEFAULT_GENERATE_NAME }),
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.labels !== undefined && Object.keys(options.labels).length > 0 ? { labels: { ...options.labels } } : {}),
  };
  const spec: WorkflowSpec = {
    entrypoint: ENTRYPOINT,
    ...(options.serviceAccountName !== undefined ? { serviceAccountName: options.serviceAccountName } : {}),
    ...(options.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: options.activeDeadlineSeconds } : {}),
    ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
    ...(options.podLabels !== undefined && Object.keys(options.podLabels).length > 0 ? { podMetadata: { labels: { ...options.podLabels } } } : {}),
    templates,
  };
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata, spec };
}

/**
 * Sequential: a `steps` template with one group per statement. DAG: a `dag` template whose tasks
 * wait (Argo `depends`, all must succeed) for the statements they conflict with.
 */
function entrypoint(statements: readonly ParsedStatement[], options: WorkflowOptions): Template {
  if ((options.schedule ?? DEFAULT_SCHEDULE) === 'Sequential') {
    return { name: ENTRYPOINT, steps: statements.map((_, i) => [{ name: stepName(i), template: stepName(i) }]) };
  }
  const { depends } = schedule(programEffects(statements));
  const tasks = statements.map((_, j) => {
    const on = depends[j]!.map(stepName).join(' && ');
    return { name: stepName(j), template: stepName(j), ...(on !== '' ? { depends: on } : {}) };
  });
  return { name: ENTRYPOINT, dag: { tasks } };
}

function copyEnv(e: EnvVar): EnvVar {
  return e.valueFrom !== undefined ? { name: e.name, valueFrom: { secretKeyRef: { ...e.valueFrom.secretKeyRef } } } : { ...e };
}

/** Env shared by every step: the datasource by reference (never its value), then extra env. */
function commonEnv(o: WorkflowOptions): EnvVar[] {
  const env: EnvVar[] = [];
  if (o.datasourceSecret !== undefined) {
    env.push({ name: DATASOURCE_ENV, valueFrom: { secretKeyRef: { name: o.datasourceSecret.name, key: o.datasourceSecret.key } } });
  }
  for (const e of o.env ?? []) env.push({ name: e.name, value: e.value });
  return env;
}
