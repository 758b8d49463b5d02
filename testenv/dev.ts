// `npm run dev`: the whole product on this machine, in the foreground — control plane, local
// Argo, the operator (as its ServiceAccount) with its API (authentication OFF), and the step
// runtime (step/, from its venv) on a real datasource loaded with the samples (MariaDB where
// installed, else SQLite). Ctrl-C stops everything.
// `npm run demo`: the same, then runs examples/iris.sql with the CLI on that datasource,
// following its logs to the end, prints `kubectl get sfj`, stops everything, and exits with the
// job's outcome.
// `-- --dry-run`: the dry-run step program (testenv/drystep) instead; no venv, no datasource.
// `-- --sqlite`: SQLite even where MariaDB is installed.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './controlplane/ports.ts';
import { drystepCommandFlag } from './drystep/index.ts';
import { installOperator, ROOT, startOperator } from './operator.ts';
import { DATASOURCE_SECRET_FLAG, startLocalStack, type LocalStack } from './stack.ts';

const mode = process.argv[2] === 'demo' ? 'demo' : 'dev';
const flags = process.argv.slice(3);
const unknown = flags.filter((f) => f !== '--dry-run' && f !== '--sqlite');
if (unknown.length) {
  process.stderr.write(`${mode}: unknown flag ${unknown.join(' ')}; usage: npm run ${mode} [-- --dry-run | --sqlite]\n`);
  process.exit(2);
}
const dryRun = flags.includes('--dry-run');
const say = (m: string) => process.stderr.write(`${mode}: ${m}\n`);

const dir = join(ROOT, '.cache', mode, 'run');
await rm(dir, { recursive: true, force: true });
say(`starting ${dryRun ? '' : 'the step runtime\'s venv and datasource, '}the control plane (etcd, kube-apiserver, kube-controller-manager), the fake kubelet and the local Argo`);
let stack: LocalStack;
try {
  stack = await startLocalStack({
    dir, dryRun, ...(flags.includes('--sqlite') ? { datasource: 'sqlite' as const } : {}),
    log: (m) => (/^(samples|datasource|step-venv|mariadb|sqlite):/.test(m) ? say(m) : undefined),
  });
} catch (e) {
  say(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
const cp = stack.controlPlane;
let exitCode = 0;
try {
  const kubeconfig = await installOperator(cp);
  const apiPort = await freePort();
  // Without --dry-run, no --step-command: the operator's default ["step","-e"] finds the venv's `step` on PATH.
  const op = await startOperator(cp, kubeconfig, [
    `--step-command=${dryRun ? drystepCommandFlag() : '["step","-e"]'}`, `--api-addr=127.0.0.1:${apiPort}`, '--api-auth=none', '--log-level=info',
  ]);
  const bin = cp.binaries.kubectl.replace(/\/kubectl$/, '');
  say(`operator running as ServiceAccount sqlflow-system/sqlflow-operator; its log: ${op.logFile}`);
  if (dryRun) say(`steps run the DRY-RUN step program (testenv/drystep): it parses each statement and prints what SQLFlow would do`);
  else say(`steps run the step runtime (${stack.venv!.bin}/step -e) on ${stack.datasource!.kind}; jobs get it with --datasource-secret ${DATASOURCE_SECRET_FLAG}`);
  say(`API: http://127.0.0.1:${apiPort} (gRPC, gRPC-Web and Connect JSON) — AUTHENTICATION IS OFF, for local use only`);
  const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath, PATH: `${bin}:${process.env.PATH}` };

  if (mode === 'dev') {
    console.log(`export PATH=${bin}:$PATH`);
    console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
    console.log(`export SQLFLOW_SERVER=http://127.0.0.1:${apiPort}`);
    if (stack.datasource) console.log(`export SQLFLOW_DATASOURCE='${stack.datasource.url}'`);
    say(`ready; try: npm run -s sqlflow -- run examples/iris.sql --follow${dryRun ? '' : ` --datasource-secret ${DATASOURCE_SECRET_FLAG}`}   (Ctrl-C stops everything)`);
    await new Promise<void>((ok) => {
      process.once('SIGINT', ok);
      process.once('SIGTERM', ok);
    });
  } else {
    const program = join(ROOT, 'examples', 'iris.sql');
    const ds = dryRun ? [] : ['--datasource-secret', DATASOURCE_SECRET_FLAG];
    say(`sqlflow run ${program} --follow -o text ${ds.join(' ')}`.trimEnd());
    exitCode = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'run', program, '--follow', '-o', 'text', ...ds], env);
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
