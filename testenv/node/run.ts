// Runs host tools (nft, ip, ctr, umoci, …) without a shell, so no argument is ever
// interpreted; failures name the command and carry its stderr.
import { execFile } from 'node:child_process';

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args`, resolving with its exit code and output (never rejects, except when it cannot start). */
export function exec(cmd: string, args: string[], opts: RunOptions = {}): Promise<Output> {
  return new Promise((ok, fail) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && e.code === 'ENOENT') return fail(new Error(`${cmd} is not installed (needed by the real node, testenv/node)`));
      ok({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
    // A tool that exits without reading its input would make the write fail with EPIPE.
    child.stdin?.on('error', () => {});
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like exec, but a non-zero exit is an error naming the command. */
export async function must(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}
