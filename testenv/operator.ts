// Runs the operator as the tests and the local stack need it: CRDs installed, the RBAC of
// config/rbac applied, and the operator process started AS its ServiceAccount (a TokenRequest
// token), never as admin, so a missing permission shows up as a 403 in its log.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from './controlplane/index.ts';
import { freePort } from './controlplane/ports.ts';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
export const OPERATOR_NAMESPACE = 'sqlflow-system';
export const OPERATOR_SA = 'sqlflow-operator';

/** Installs the SQLFlowJob CRD, the operator's namespace and RBAC; returns a kubeconfig for its ServiceAccount. */
export async function installOperator(cp: ControlPlane): Promise<string> {
  const must = async (args: string[]) => {
    const r = await cp.kubectl(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  };
  await must(['apply', '--server-side', '-f', join(ROOT, 'crds')]);
  await must(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sqlflowjobs.sqlflow.org']);
  await must(['create', 'namespace', OPERATOR_NAMESPACE]);
  await must(['apply', '-k', join(ROOT, 'config', 'rbac')]);
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({ namespace: OPERATOR_NAMESPACE, name: OPERATOR_SA, body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } } });
  return cp.tokenKubeconfig(`system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SA}`, tr.status!.token!);
}

export interface OperatorProcess {
  child: ChildProcess;
  logFile: string;
  /** Lines the operator logged so far. */
  log(): Promise<string>;
  /** Sends `signal` and waits for exit; returns the exit code (or -1 if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number>;
  exited: Promise<number>;
}

let seq = 0;

/**
 * Starts `sqlflow-operator` (src/main.ts) with a kubeconfig; resolves once /readyz answers 200.
 * Defaults: API off, debug logs, an `echo` step command; later `flags` override them.
 */
export async function startOperator(cp: ControlPlane, kubeconfig: string, flags: string[] = []): Promise<OperatorProcess & { healthPort: number; metricsPort: number }> {
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const logFile = join(cp.dir, `operator-${++seq}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'),
    `--kubeconfig=${kubeconfig}`, `--health-addr=127.0.0.1:${healthPort}`, `--metrics-addr=127.0.0.1:${metricsPort}`, '--api-addr=0', '--log-level=debug',
    '--step-command=["sh","-c","echo \\"$0\\""]', ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const exited = once(child, 'exit').then(([code]) => (code === null ? -1 : (code as number)));
  const proc: OperatorProcess & { healthPort: number; metricsPort: number } = {
    child, logFile, healthPort, metricsPort, exited,
    log: () => readFile(logFile, 'utf8'),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  let dead = false;
  void exited.then(() => (dead = true));
  // Generous: on a loaded 2-core machine tsx's first transpile plus the initial lists take tens of seconds.
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (dead) throw new Error(`operator exited early:\n${await proc.log()}`);
    const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`operator not ready after 180 s:\n${await proc.log()}`);
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
  return proc;
}

/**
 * Fails when the operator's log shows a request refused by RBAC: the authorizer's message is
 * `User "…" cannot <verb> resource "…"` (admission refusals also say "forbidden", but not this).
 */
export async function assertNoForbidden(proc: OperatorProcess): Promise<void> {
  const log = await proc.log();
  const bad = log.split('\n').filter((l) => /cannot [a-z]+ resource/.test(l));
  if (bad.length) throw new Error(`the operator was refused by RBAC:\n${bad.slice(0, 5).join('\n')}`);
}
