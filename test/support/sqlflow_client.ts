// Runs SQLFlow's unmodified PyPI client (sqlflow==0.15.0, in the venv of scripts/sqlflow-client-venv.sh) through
// test/sqlflow_client/drive.py, and collects what it logged (with arrival times), displayed and returned.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../testenv/operator.ts';

export interface Outcome {
  /** Every message the client logged, with its arrival time (Unix seconds, the client's clock). */
  logs: { log: string; t: number }[];
  html: string[];
  /** When each Fetch call was sent (Unix seconds). */
  fetches: number[];
  tables?: { columns: string[]; rows: unknown[][] }[];
  error?: string;
  details?: string;
}

/** Makes (once, in the cache) the client's venv; resolves with its python. */
export async function clientPython(): Promise<string> {
  return (await promisify(execFile)('bash', [join(ROOT, 'scripts', 'sqlflow-client-venv.sh')], { maxBuffer: 1 << 20 })).stdout.trim();
}

/** Runs the client on `program` (execute or the %%sqlflow magic) against SQLFLOW_SERVER `server`. */
export function drive(python: string, server: string, mode: 'execute' | 'magic', program: string, env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(ROOT, 'test', 'sqlflow_client', 'drive.py'), mode], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SQLFLOW_SERVER: server, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const o: Outcome = { logs: [], html: [], fetches: [] };
      for (const line of out.split('\n').filter(Boolean)) {
        const j = JSON.parse(line) as Record<string, unknown>;
        if ('log' in j) o.logs.push(j as { log: string; t: number });
        else if ('html' in j) o.html.push(String(j.html));
        else if ('fetch' in j) o.fetches.push(Number(j.fetch));
        else Object.assign(o, j);
      }
      if (!o.tables && !o.error) reject(new Error(`the client exited ${code} with neither tables nor an error:\n${err}\n${out}`));
      else resolve(o);
    });
    child.stdin.end(program);
  });
}

/** p-quantile (0..1) of numbers, nearest rank. */
export function quantile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}
