// The operator as shipped: `npm run build` output (the bundle dist/sqlflow-operator.mjs, run with the image's V8
// flags from scripts/node-flags) on plain Node, no tsx, started as its ServiceAccount. Benchmarks measure this, not
// the TypeScript loader.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../testenv/controlplane/ports.ts';
import { ROOT } from '../../testenv/operator.ts';

export interface DistOperator {
  child: ChildProcess;
  metricsPort: number;
  /** Resident set size now, from /proc (bytes). */
  rss(): number;
  /** CPU time used so far, user + system (seconds). */
  cpuSeconds(): number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The V8 flags of the image's `sqlflow-operator` command, read from the Dockerfile so the two cannot drift. */
export const IMAGE_NODE_FLAGS: string[] = (() => {
  const m = /exec node ((?:--\S+ )*)\/app\/dist\/sqlflow-operator\.mjs/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  if (!m) throw new Error('Dockerfile: no `exec node [flags] /app/dist/sqlflow-operator.mjs` line to take the V8 flags from');
  return m[1]!.split(' ').filter(Boolean);
})();

/** `nodeArgs` replaces the image's V8 flags (IMAGE_NODE_FLAGS) when given; `env` adds to the environment. */
export async function startDistOperator(dir: string, kubeconfig: string, flags: string[] = [], nodeArgs: string[] = IMAGE_NODE_FLAGS, env: Record<string, string> = {}): Promise<DistOperator> {
  // BENCH_OPERATOR_BUNDLE: another build's bundle, to measure a baseline side by side with this one.
  const main = process.env.BENCH_OPERATOR_BUNDLE ?? join(ROOT, 'dist', 'sqlflow-operator.mjs');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (the benchmark measures the built operator)`);
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const out = createWriteStream(join(dir, `operator-dist-${healthPort}.log`));
  const child = spawn(process.execPath, [...nodeArgs, main, `--kubeconfig=${kubeconfig}`, `--health-addr=127.0.0.1:${healthPort}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`, '--api-addr=0', '--log-level=warn', ...flags], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, KUBECONFIG: '' } });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const exited = once(child, 'exit');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`operator exited early (code ${child.exitCode}); see ${dir}`);
    const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('operator not ready after 60 s');
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
  return {
    child, metricsPort,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    // utime + stime (fields 14, 15 of /proc/<pid>/stat, after the parenthesised name) in clock ticks of 10 ms.
    cpuSeconds: () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ').slice(11, 13).reduce((a, t) => a + Number(t), 0) / 100,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
