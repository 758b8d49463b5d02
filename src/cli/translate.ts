import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { checkProgram } from '../sql/parse.ts';
import { formatGraph } from '../workflow/graph.ts';
import { buildWorkflow, WorkflowOptionsError, type WorkflowOptions } from '../workflow/build.ts';
import { jsonStringArray, keyValues, positiveInteger, secretRef } from './flags.ts';
import { EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE, UsageError, type Io, type Subcommand, usageError } from './io.ts';

export const TRANSLATE_USAGE = `Usage: sqlflow translate [FILE|-] [flags]

Prints the Argo Workflow that runs a SQLFlow program (read from FILE, or stdin for - or none).
Nothing is submitted. A bad program is reported as FILE:line:column on stderr (exit 1).

Flags:
  -o, --output yaml|json               output format (default yaml)
      --name NAME                      fixed Workflow name
      --generate-name PREFIX           name prefix (default sqlflow-)
  -n, --namespace NS                   Workflow namespace
      --label K=V                      Workflow label (repeatable)
      --image IMAGE                    step image (default sqlflow-operator/step:0.1.0; TO RUN uses its own)
      --step-command JSON              argv before the statement (default '["step","-e"]')
      --datasource-secret NAME:KEY     Secret key passed to steps as env SQLFLOW_DATASOURCE
      --env K=V                        extra step env (repeatable)
      --service-account NAME           service account of the step pods
      --active-deadline-seconds N      Workflow deadline
      --pod-label K=V                  step pod label (repeatable)
      --schedule DAG|Sequential        run independent statements at once (DAG) or in order (default Sequential)
      --parallelism N                  most step pods at once (Argo spec.parallelism)
      --graph[=text|dot]               print the dependency graph (why each statement waits) instead of the Workflow
  -h, --help                           show this help
`;

export const translate: Subcommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      // --graph takes an optional value, which parseArgs cannot express.
      args: argv.map((a) => (a === '--graph' ? '--graph=text' : a)),
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o', default: 'yaml' },
        name: { type: 'string' },
        'generate-name': { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        label: { type: 'string', multiple: true },
        image: { type: 'string' },
        'step-command': { type: 'string' },
        'datasource-secret': { type: 'string' },
        env: { type: 'string', multiple: true },
        'service-account': { type: 'string' },
        'active-deadline-seconds': { type: 'string' },
        'pod-label': { type: 'string', multiple: true },
        schedule: { type: 'string' },
        parallelism: { type: 'string' },
        graph: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.stdout(TRANSLATE_USAGE);
    return EXIT_OK;
  }
  let options: WorkflowOptions;
  try {
    if (positionals.length > 1) throw new UsageError(`expected at most one FILE, got ${positionals.length}`);
    if (v.output !== 'yaml' && v.output !== 'json') throw new UsageError(`--output ${JSON.stringify(v.output)}: expected yaml or json`);
    if (v.graph !== undefined && v.graph !== 'text' && v.graph !== 'dot') throw new UsageError(`--graph=${v.graph}: expected text or dot`);
    if (v.schedule !== undefined && v.schedule !== 'DAG' && v.schedule !== 'Sequential') {
      throw new UsageError(`--schedule ${JSON.stringify(v.schedule)}: expected DAG or Sequential`);
    }
    options = optionsFrom(v);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }

  const file = positionals[0] ?? '-';
  const shownName = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await io.readFile(file);
  } catch (e) {
    io.stderr(`sqlflow translate: cannot read ${shownName}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }

  const { statements, errors, truncated } = checkProgram(text);
  if (errors.length > 0) {
    for (const e of errors) io.stderr(`${e.format(shownName)}\n`);
    if (truncated) io.stderr(`${shownName}: stopped after ${errors.length} errors\n`);
    return EXIT_PROGRAM_ERROR;
  }
  if (statements.length === 0) {
    io.stderr(`${shownName}: the program has no statements; nothing to translate\n`);
    return EXIT_PROGRAM_ERROR;
  }
  if (v.graph !== undefined) {
    io.stdout(formatGraph(statements, v.graph as 'text' | 'dot'));
    return EXIT_OK;
  }
  let workflow;
  try {
    workflow = buildWorkflow(statements, options);
  } catch (e) {
    if (e instanceof WorkflowOptionsError) return usage(io, e.message);
    throw e;
  }
  io.stdout(v.output === 'json' ? `${JSON.stringify(workflow, null, 2)}\n` : stringify(workflow, { aliasDuplicateObjects: false, lineWidth: 0 }));
  return EXIT_OK;
};

type Values = Record<string, string | boolean | string[] | undefined>;

function optionsFrom(v: Values): WorkflowOptions {
  const str = (k: string) => v[k] as string | undefined;
  const list = (k: string) => v[k] as string[] | undefined;
  const env = keyValues('env', list('env'));
  const o: Record<string, unknown> = {
    name: str('name'),
    generateName: str('generate-name'),
    namespace: str('namespace'),
    labels: keyValues('label', list('label')),
    image: str('image'),
    command: jsonStringArray('step-command', str('step-command')),
    datasourceSecret: secretRef('datasource-secret', str('datasource-secret')),
    env: env === undefined ? undefined : Object.entries(env).map(([name, value]) => ({ name, value })),
    serviceAccountName: str('service-account'),
    activeDeadlineSeconds: positiveInteger('active-deadline-seconds', str('active-deadline-seconds')),
    podLabels: keyValues('pod-label', list('pod-label')),
    schedule: str('schedule'),
    parallelism: positiveInteger('parallelism', str('parallelism')),
  };
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as WorkflowOptions;
}

function usage(io: Io, message: string): number {
  return usageError(io, 'translate', message);
}
