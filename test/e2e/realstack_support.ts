// Helpers of the real-stack e2e tests: commands as a user types them (kubectl, `sqlflow`, the
// cluster CLI), each with its own environment and no shell.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Ran> {
  return new Promise((ok) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** `npm run cluster:up|down` without npm: the same script under this Node. */
export function clusterCli(sub: string, flags: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return run([process.execPath, '--import', 'tsx', join(ROOT, 'testenv', 'cli.ts'), sub, ...flags], env);
}

/** The `sqlflow` CLI (src/cli) as `npm run sqlflow` runs it. */
export function sqlflow(args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return run([process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], env);
}

/** Seconds since `t0`, one decimal. */
export function secs(t0: number): string {
  return ((Date.now() - t0) / 1000).toFixed(1);
}
