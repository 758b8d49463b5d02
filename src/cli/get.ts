import { parseArgs } from 'node:util';
import type { JobSummary } from '../client/jobs.ts';
import { EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE, type Io, type Subcommand, usageError } from './io.ts';
import { CONNECTION_FLAGS, CONNECTION_HELP, errorText, openBackend } from './run_backend.ts';

export const GET_USAGE = `Usage: sqlflow get [JOB] [flags]

Lists the namespace's jobs, or shows one job with its steps.

Flags:
  -o, --output table|json       output format (default table)
${CONNECTION_HELP}  -h, --help                    show this help
`;

export const get: Subcommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { output: { type: 'string', short: 'o', default: 'table' }, help: { type: 'boolean', short: 'h' }, ...CONNECTION_FLAGS } });
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.stdout(GET_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 1) return usage(io, `expected at most one JOB, got ${positionals.length}`);
  if (v.output !== 'table' && v.output !== 'json') return usage(io, `--output ${JSON.stringify(v.output)}: expected table or json`);
  let b;
  try {
    b = openBackend(v);
  } catch (e) {
    io.stderr(`sqlflow get: ${errorText(e)}\n`);
    return EXIT_USAGE;
  }
  try {
    const name = positionals[0];
    if (name) {
      const j = await b.get(name);
      io.stdout(v.output === 'json' ? `${JSON.stringify(j, null, 2)}\n` : describe(j));
    } else {
      const all = await b.list();
      io.stdout(v.output === 'json' ? `${JSON.stringify(all, null, 2)}\n` : table(all));
    }
    return EXIT_OK;
  } catch (e) {
    io.stderr(`sqlflow get: ${errorText(e)}\n`);
    return EXIT_PROGRAM_ERROR;
  } finally {
    await b.close();
  }
};

function table(jobs: JobSummary[]): string {
  const rows = [['NAME', 'PHASE', 'STEPS', 'WORKFLOW', 'CREATED'], ...jobs.map((j) => [j.name, j.phase, j.progress || '-', j.workflow || '-', j.createdAt])];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ')).join('\n') + '\n';
}

function describe(j: JobSummary): string {
  const lines = [
    `Name:       ${j.namespace}/${j.name}`,
    `Phase:      ${j.phase}${j.message ? ` (${j.message})` : ''}`,
    `Workflow:   ${j.workflow || '-'}`,
    `Progress:   ${j.progress || '-'}`,
    `Created:    ${j.createdAt}`,
  ];
  if (j.startedAt) lines.push(`Started:    ${j.startedAt}`);
  if (j.finishedAt) lines.push(`Finished:   ${j.finishedAt}`);
  if (j.steps.length > 0) {
    lines.push('Steps:');
    for (const s of j.steps) {
      const code = s.exitCode !== undefined ? ` exit ${s.exitCode}` : '';
      lines.push(`  ${s.index + 1}/${s.count} ${s.name}  ${s.phase}${code}${s.message ? `  ${s.message}` : ''}`);
    }
  }
  return lines.join('\n') + '\n';
}

function usage(io: Io, message: string): number {
  return usageError(io, 'get', message);
}
