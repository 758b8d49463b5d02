// `npm run cluster:up` / `cluster:down`: the local control plane as a background
// daemon whose state lives in .cache/cluster of the checkout.
//   up    start the daemon (or reuse a running one); last line: export KUBECONFIG=...
//   down  stop it and every process it started
//   serve (internal) run in the foreground until SIGTERM
//   binaries  find or build the control-plane binaries (the test command runs this first)
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive } from './controlplane/processes.ts';
import { startLocalStack } from './stack.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const stateDir = join(root, '.cache', 'cluster');
const daemonPid = join(stateDir, 'daemon.pid');
const readyFile = join(stateDir, 'ready.json');

async function running(): Promise<number | undefined> {
  const pid = Number(await readFile(daemonPid, 'utf8').catch(() => '0'));
  return pid && alive(pid) ? pid : undefined;
}

async function ready(): Promise<{ kubeconfig: string } | undefined> {
  try {
    return JSON.parse(await readFile(readyFile, 'utf8')) as { kubeconfig: string };
  } catch {
    return undefined;
  }
}

async function up(): Promise<void> {
  if ((await running()) && (await ready())) {
    console.log(`cluster: already running (state in ${stateDir})`);
  } else {
    await down(true);
    await mkdir(stateDir, { recursive: true });
    const out = openSync(join(stateDir, 'daemon.log'), 'w');
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'serve'], {
      detached: true, stdio: ['ignore', out, out], cwd: root,
    });
    child.unref();
    await writeFile(daemonPid, String(child.pid));
    console.error(`cluster: starting (log: ${join(stateDir, 'daemon.log')}); the first run builds the binaries and can take long`);
    for (;;) {
      if (await ready()) break;
      if (!child.pid || !alive(child.pid)) {
        const log = await readFile(join(stateDir, 'daemon.log'), 'utf8').catch(() => '');
        console.error(`cluster: the daemon exited while starting:\n${log.split('\n').slice(-25).join('\n')}`);
        process.exit(1);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const r = (await ready())!;
  const { resolveBinaries } = await import('./controlplane/binaries.ts');
  const bin = (await resolveBinaries()).kubectl.replace(/\/kubectl$/, '');
  console.log(`export PATH=${bin}:$PATH  # kubectl ${'v1.37.2'}`);
  console.log(`export KUBECONFIG=${r.kubeconfig}`);
}

async function down(quiet = false): Promise<void> {
  const pid = await running();
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  // Whatever the daemon could not stop: its children's process groups.
  const { reapStale } = await import('./controlplane/processes.ts');
  await reapStale(stateDir, 'run');
  if (!quiet) console.log(pid ? 'cluster: stopped' : 'cluster: not running');
}

async function serve(): Promise<void> {
  await rm(readyFile, { force: true });
  await rm(join(stateDir, 'run'), { recursive: true, force: true }); // a fresh cluster each time
  const stack = await startLocalStack({ dir: join(stateDir, 'run'), log: (m) => console.log(m) });
  await writeFile(readyFile, JSON.stringify({ kubeconfig: stack.controlPlane.kubeconfigPath }));
  console.log(`cluster: ready; export KUBECONFIG=${stack.controlPlane.kubeconfigPath}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await rm(readyFile, { force: true });
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') await down();
else if (cmd === 'serve') await serve();
else if (cmd === 'binaries') {
  const { resolveBinaries } = await import('./controlplane/binaries.ts');
  const bins = await resolveBinaries();
  console.error(`control plane binaries: ${bins['kube-apiserver'].replace(/\/kube-apiserver$/, '')}`);
}
else {
  console.error('usage: cli.ts up|down|binaries');
  process.exit(2);
}
