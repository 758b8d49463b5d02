import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE, processIo, type Io, type Subcommand, usageError } from './io.ts';
import { CONNECTION_FLAGS, CONNECTION_HELP, errorText, openBackend, streamLogs, tableMode, type FetchFrom } from './run_backend.ts';

export const LOGS_USAGE = `Usage: sqlflow logs JOB [flags]
       sqlflow logs --token TOKEN [flags]

Prints a job's step logs, every line exactly once. Without -f it prints what is there now and, if the job is not
done, the token to continue with (on stderr). From the beginning by default; --resume starts where the job's own
record (status.logs: the furthest any client got) says; --token continues a previous run exactly.

Flags:
  -f, --follow                  keep printing until the job ends (exit 1 if it did not succeed)
      --token TOKEN             continue from a fetch token (from run, or a previous logs)
      --resume                  start from the job's status.logs record instead of the beginning
      --timestamps              prefix each line with its timestamp
      --interleave              print concurrent steps' lines as they come, each labelled "[step-N] "
                                (default: program order, unlabelled; -o text is not aligned then)
  -o, --output text|json        text: result tables aligned; json: JSON Lines (unset: aligned on a terminal, raw lines into a pipe)
${CONNECTION_HELP}  -h, --help                    show this help
`;

export const logs: Subcommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true, strict: true,
      options: {
        follow: { type: 'boolean', short: 'f' }, token: { type: 'string' }, resume: { type: 'boolean' }, timestamps: { type: 'boolean' }, interleave: { type: 'boolean' }, output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' }, ...CONNECTION_FLAGS,
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
    io.stdout(LOGS_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 1) return usage(io, `expected one JOB, got ${positionals.length}`);
  const name = positionals[0];
  if (!name && !v.token) return usage(io, 'name a JOB or give --token');
  let b;
  try {
    b = openBackend(v);
  } catch (e) {
    io.stderr(`sqlflow logs: ${errorText(e)}\n`);
    return EXIT_USAGE;
  }
  try {
    const from: FetchFrom = v.token ? { token: v.token } : { name: name!, from: v.resume ? 'record' : 'beginning' };
    const live = io === processIo && process.stderr.isTTY === true && v.follow === true;
    const out = await streamLogs(b, from, io, { follow: v.follow ?? false, timestamps: v.timestamps ?? false, live, tables, interleave: v.interleave ?? false });
    if (!out.eof) {
      io.stderr(`sqlflow: job ${out.jobPhase}; continue with: sqlflow logs --token ${out.token}\n`);
      return EXIT_OK;
    }
    return v.follow && out.failed ? EXIT_PROGRAM_ERROR : EXIT_OK;
  } catch (e) {
    io.stderr(`sqlflow logs: ${errorText(e)}\n`);
    return EXIT_PROGRAM_ERROR;
  } finally {
    await b.close();
  }
};

function usage(io: Io, message: string): number {
  return usageError(io, 'logs', message);
}
