// `npm run dev`: the whole product on this machine, in the foreground — control plane, local
// Argo, the operator (as its ServiceAccount) with its API (authentication OFF), and the
// dry-run step program in place of SQLFlow's step image. Ctrl-C stops everything.
// `npm run demo`: the same, then runs examples/iris.sql with the CLI, following its logs to
// the end, prints `kubectl get sfj`, stops everything, and exits with the job's outcome.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './controlplane/ports.ts';
import { drystepCommandFlag } from './drystep/index.ts';
import { installOperator, ROOT, startOperator } from './operator.ts';
import { startLocalStack } from './stack.ts';

const mode = process.argv[2] === 'demo' ? 'demo' : 'dev';
const say = (m: string) => process.stderr.write(`${mode}: ${m}\n`);

const dir = join(ROOT, '.cache', mode, 'run');
await rm(dir, { recursive: true, force: true });
say('starting the control plane (etcd, kube-apiserver, kube-controller-manager), the fake kubelet and the local Argo');
const stack = await startLocalStack({ dir, log: () => {} });
const cp = stack.controlPlane;
let exitCode = 0;
try {
  const kubeconfig = await installOperator(cp);
  const apiPort = await freePort();
  const op = await startOperator(cp, kubeconfig, [
    `--step-command=${drystepCommandFlag()}`, `--api-addr=127.0.0.1:${apiPort}`, '--api-auth=none', '--log-level=info',
  ]);
  const bin = cp.binaries.kubectl.replace(/\/kubectl$/, '');
  say(`operator running as ServiceAccount sqlflow-system/sqlflow-operator; its log: ${op.logFile}`);
  say(`steps run the DRY-RUN step program (testenv/drystep): it parses each statement and prints what SQLFlow would do`);
  say(`API: http://127.0.0.1:${apiPort} (gRPC, gRPC-Web and Connect JSON) — AUTHENTICATION IS OFF, for local use only`);
  const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath, PATH: `${bin}:${process.env.PATH}` };

  if (mode === 'dev') {
    console.log(`export PATH=${bin}:$PATH`);
    console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
    console.log(`export SQLFLOW_SERVER=http://127.0.0.1:${apiPort}`);
    say('ready; try: npm run -s sqlflow -- run examples/iris.sql --follow   (Ctrl-C stops everything)');
    await new Promise<void>((ok) => {
      process.once('SIGINT', ok);
      process.once('SIGTERM', ok);
    });
  } else {
    const program = join(ROOT, 'examples', 'iris.sql');
    say(`sqlflow run ${program} --follow`);
    exitCode = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'run', program, '--follow'], env);
    say(`the CLI exited ${exitCode}`);
    await run(cp.binaries.kubectl, ['get', 'sfj', '-o', 'wide'], env);
  }
  await op.stop();
} catch (e) {
  say(`failed: ${e instanceof Error ? e.message : String(e)}`);
  exitCode = 1;
} finally {
  say('stopping');
  await stack.stop();
}
process.exit(exitCode);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: ROOT });
    child.on('exit', (code) => ok(code ?? 1));
    child.on('error', () => ok(127));
  });
}
