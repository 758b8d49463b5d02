import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE, type Io, type Subcommand, usageError } from './io.ts';
import { CONNECTION_FLAGS, CONNECTION_HELP, errorText, openBackend } from './run_backend.ts';

export const CANCEL_USAGE = `Usage: sqlflow cancel JOB [flags]

Cancels a job: sets spec.cancel, and the operator terminates its workflow. Cannot be undone.

Flags:
${CONNECTION_HELP}  -h, --help                    show this help
`;

export const cancel: Subcommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' }, ...CONNECTION_FLAGS } });
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.stdout(CANCEL_USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) return usage(io, `expected one JOB, got ${positionals.length}`);
  let b;
  try {
    b = openBackend(v);
  } catch (e) {
    io.stderr(`sqlflow cancel: ${errorText(e)}\n`);
    return EXIT_USAGE;
  }
  try {
    const j = await b.cancel(positionals[0]!);
    io.stdout(`sqlflowjob ${j.namespace}/${j.name} cancelled\n`);
    return EXIT_OK;
  } catch (e) {
    io.stderr(`sqlflow cancel: ${errorText(e)}\n`);
    return EXIT_PROGRAM_ERROR;
  } finally {
    await b.close();
  }
};

function usage(io: Io, message: string): number {
  return usageError(io, 'cancel', message);
}
