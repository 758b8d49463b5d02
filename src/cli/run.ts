import { parseArgs } from 'node:util';
import { checkProgram } from '../sql/parse.ts';
import type { RunSpec } from '../client/jobs.ts';
import { SCHEDULES, type ScheduleKind } from '../workflow/options.ts';
import { positiveInteger, secretRef } from './flags.ts';
import { EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE, processIo, UsageError, type Io, type Subcommand, usageError } from './io.ts';
import { CONNECTION_FLAGS, CONNECTION_HELP, errorText, openBackend, streamLogs, tableMode } from './run_backend.ts';

export const RUN_USAGE = `Usage: sqlflow run FILE.sql|FILE.yaml|- [flags]

Runs a SQLFlow program (or, for a .yaml/.json file or with --workflow, an Argo Workflow) as a SQLFlowJob.
Prints the job and its fetch token; with --follow, streams its logs to the end and exits 0 only if it succeeded.

Flags:
  -f, --follow                  stream the logs until the job ends (exit 1 if it did not succeed)
      --workflow                the input is an Argo Workflow manifest, not a program
      --name NAME               job name (default generated: sqlflow-xxxxx)
      --image IMAGE             step image (TO RUN steps use their own)
      --datasource-secret NAME:KEY  Secret key with the datasource connection string
      --schedule DAG|Sequential     run independent statements at once (DAG) or in order (default Sequential)
      --parallelism N               most step pods at once (Argo spec.parallelism; default no limit)
      --interleave                  with --follow: print concurrent steps' lines as they come, each labelled
                                    "[step-N] " (default: program order, unlabelled; -o text is not aligned then)
      --timestamps              prefix each log line with its timestamp
  -o, --output text|json        text: result tables aligned; json: JSON Lines (unset: aligned on a terminal, raw lines into a pipe)
${CONNECTION_HELP}  -h, --help                    show this help
`;

export const run: Subcommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true, strict: true,
      options: {
        follow: { type: 'boolean', short: 'f' }, workflow: { type: 'boolean' }, name: { type: 'string' }, image: { type: 'string' },
        'datasource-secret': { type: 'string' }, schedule: { type: 'string' }, parallelism: { type: 'string' }, interleave: { type: 'boolean' }, timestamps: { type: 'boolean' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' }, ...CONNECTION_FLAGS,
      },
    });
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  const { values: v, positionals } = parsed;
  let tables;
  try {
    tables = tableMode(v.output, io);
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  if (v.help) {
    io.stdout(RUN_USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) return usage(io, `expected one FILE (or - for stdin), got ${positionals.length}`);
  const file = positionals[0]!;
  let datasource;
  let parallelism;
  try {
    datasource = secretRef('datasource-secret', v['datasource-secret']);
    parallelism = positiveInteger('parallelism', v.parallelism);
    if (v.schedule !== undefined && !(SCHEDULES as readonly string[]).includes(v.schedule)) {
      throw new UsageError(`--schedule ${JSON.stringify(v.schedule)}: expected ${SCHEDULES.join(' or ')}`);
    }
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await io.readFile(file);
  } catch (e) {
    io.stderr(`sqlflow run: cannot read ${file}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const isWorkflow = v.workflow || /\.(ya?ml|json)$/i.test(file);
  if (isWorkflow && (v.schedule !== undefined || parallelism !== undefined)) {
    return usage(io, '--schedule and --parallelism apply to a SQL program; an Argo Workflow keeps its own shape (set spec.parallelism in it)');
  }
  const shown = file === '-' ? '<stdin>' : file;
  if (!isWorkflow) {
    const { errors, statements } = checkProgram(text);
    if (errors.length > 0) {
      for (const e of errors) io.stderr(`${e.format(shown)}\n`);
      return EXIT_PROGRAM_ERROR;
    }
    if (statements.length === 0) {
      io.stderr(`${shown}: the program has no statements; nothing to run\n`);
      return EXIT_PROGRAM_ERROR;
    }
  }
  let b;
  try {
    b = openBackend(v);
  } catch (e) {
    io.stderr(`sqlflow run: ${errorText(e)}\n`);
    return EXIT_USAGE;
  }
  try {
    const spec: RunSpec = { namespace: b.namespace, ...(isWorkflow ? { workflow: text } : { sql: text }) };
    if (v.name) spec.name = v.name;
    if (v.image) spec.image = v.image;
    if (datasource) spec.datasource = datasource;
    if (v.schedule !== undefined) spec.schedule = v.schedule as ScheduleKind;
    if (parallelism !== undefined) spec.parallelism = parallelism;
    const { job, token } = await b.run(spec);
    io.stderr(`sqlflowjob ${job.namespace}/${job.name} created${job.workflow ? `, workflow ${job.workflow}` : ''}\n`);
    if (!v.follow) {
      io.stdout(`${token}\n`);
      return EXIT_OK;
    }
    const live = io === processIo && process.stderr.isTTY === true;
    const out = await streamLogs(b, { token }, io, { follow: true, timestamps: v.timestamps ?? false, live, tables, interleave: v.interleave ?? false });
    io.stderr(`sqlflow: job ${job.namespace}/${job.name} ${out.jobPhase}\n`);
    return out.failed ? EXIT_PROGRAM_ERROR : EXIT_OK;
  } catch (e) {
    io.stderr(`sqlflow run: ${errorText(e)}\n`);
    return EXIT_PROGRAM_ERROR;
  } finally {
    await b.close();
  }
};

function usage(io: Io, message: string): number {
  return usageError(io, 'run', message);
}
