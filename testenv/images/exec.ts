// Runs the image tools (buildah, skopeo, umoci, runc, debootstrap, …) without a shell: the
// arguments go to the program as they are, and a failure names the command and its output.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Each stderr line as it comes (long builds show their progress). */
  log?: (line: string) => void;
  /** Stdout's lines go to log too (buildah prints its build steps there). */
  logStdout?: boolean;
}

/** Runs cmd and resolves with its exit code and output, whatever the code. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    let partialOut = '';
    child.stdout.on('data', (d: Buffer) => {
      const s = d.toString();
      stdout += s;
      if (!opts.log || !opts.logStdout) return;
      const lines = (partialOut + s).split('\n');
      partialOut = lines.pop()!;
      for (const l of lines) opts.log(l);
    });
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      if (!opts.log) return;
      const lines = (partial + s).split('\n');
      partial = lines.pop()!;
      for (const l of lines) opts.log(l);
    });
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (opts.log && partial) opts.log(partial);
      if (opts.log && opts.logStdout && partialOut) opts.log(partialOut);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/** Runs cmd and resolves with its stdout; rejects naming the command, its exit code and its stderr's tail. */
export async function check(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${tail}`);
  }
  return r.stdout;
}
