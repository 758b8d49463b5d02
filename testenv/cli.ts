// `npm run cluster:up` / `cluster:down`: the local control plane as a background
// daemon whose state lives in .cache/cluster of the checkout.
//   up    start the daemon (or reuse a running one) with the step runtime's datasource (MariaDB
//         where installed, else SQLite) loaded with the samples; prints export lines for PATH,
//         KUBECONFIG and SQLFLOW_DATASOURCE. `up --dry-run`: no step runtime (the dry-run step);
//         `up --sqlite`: SQLite even where MariaDB is installed. `up --node=real`: instead, the real
//         stack (testenv/realstack, as root): a real node (kubelet + containerd) with its control
//         plane, real Argo, the operator from its image (2 replicas) and MariaDB for the step image;
//         it changes machine-wide state, which `down` restores.
//   down  stop it and every process it started
//   serve (internal) run in the foreground until SIGTERM
//   binaries  find or build the control-plane binaries, and where the e2e tier runs the node's
//             binaries and the test-bed images (the test command runs this first)
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive } from './controlplane/processes.ts';
import { DATASOURCE_SECRET_FLAG, startLocalStack } from './stack.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
// SQLFLOW_CLUSTER_DIR: another state folder (the e2e test's own, so it never stops a developer's cluster).
const stateDir = process.env.SQLFLOW_CLUSTER_DIR || join(root, '.cache', 'cluster');
const daemonPid = join(stateDir, 'daemon.pid');
const readyFile = join(stateDir, 'ready.json');

async function running(): Promise<number | undefined> {
  const pid = Number(await readFile(daemonPid, 'utf8').catch(() => '0'));
  return pid && alive(pid) ? pid : undefined;
}

interface Ready {
  kubeconfig: string;
  realNode?: { name: string; api: string; operatorImage: string; datasourceSecret: string };
  datasource?: { kind: string; url: string; secret: string; stepBin: string };
}

async function ready(): Promise<Ready | undefined> {
  try {
    return JSON.parse(await readFile(readyFile, 'utf8')) as Ready;
  } catch {
    return undefined;
  }
}

async function up(flags: string[]): Promise<void> {
  const bad = flags.filter((f) => f !== '--dry-run' && f !== '--sqlite' && f !== '--node=real');
  if (bad.length || (flags.includes('--node=real') && flags.length > 1)) {
    console.error(`cluster: unknown flag ${bad.join(' ') || flags.join(' ')}; usage: npm run cluster:up [-- --dry-run | --sqlite | --node=real]`);
    process.exit(2);
  }
  if (flags.includes('--node=real')) {
    const { unsupported } = await import('./node/index.ts');
    const why = unsupported();
    if (why) {
      console.error(`cluster: cannot start a real node here: ${why}`);
      process.exit(1);
    }
  }
  if ((await running()) && (await ready())) {
    console.log(`cluster: already running (state in ${stateDir})`);
  } else {
    await down(true);
    await mkdir(stateDir, { recursive: true });
    const out = openSync(join(stateDir, 'daemon.log'), 'w');
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'serve', ...flags], {
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
  if (r.realNode) {
    const n = r.realNode;
    console.error(`cluster: real node ${n.name} Ready (kubelet + containerd), real Argo in namespace argo, the operator (${n.operatorImage}, 2 replicas) in sqlflow-system;`);
    console.error(`cluster: its API through its Service: sqlflow --server ${n.api} (token in SQLFLOW_AUTH_TOKEN); jobs in default get MariaDB with spec.datasource Secret ${n.datasourceSecret}`);
    console.error('cluster: `npm run cluster:down` stops it and restores the machine');
  }
  if (r.datasource) {
    console.error(`cluster: the step runtime runs on ${r.datasource.kind} (samples loaded; steps find ${r.datasource.stepBin}/step first on PATH); jobs get the datasource with --datasource-secret ${r.datasource.secret}`);
    console.log(`export SQLFLOW_DATASOURCE='${r.datasource.url}'`);
  }
  console.log(`export KUBECONFIG=${r.kubeconfig}`);
}

async function down(quiet = false): Promise<void> {
  const pid = await running();
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 240_000; // the real stack drains its pods first
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  // Whatever the daemon could not stop: its children's process groups.
  const { reapStale } = await import('./controlplane/processes.ts');
  await reapStale(stateDir, 'run');
  // A real node's daemon restores the machine as it stops; if it died first, do it here.
  const { restoreLeftovers } = await import('./node/index.ts');
  const left = await restoreLeftovers((m) => console.error(m));
  if (left.length) {
    console.error(`cluster: the machine still differs from before the real node started:\n  ${left.join('\n  ')}`);
    process.exitCode = 1;
  }
  if (!quiet) console.log(pid ? 'cluster: stopped' : 'cluster: not running');
}

async function serveRealNode(): Promise<void> {
  await rm(readyFile, { force: true });
  const { startRealStack, DATASOURCE_SECRET } = await import('./realstack/index.ts');
  const stack = await startRealStack({ log: (m) => console.log(m) });
  const node = stack.node;
  console.log(`cluster: phases ${stack.phases.map(([p, s]) => `${p} ${s.toFixed(1)}s`).join(', ')}`);
  const realNode = { name: node.nodeName, api: stack.apiUrl, operatorImage: stack.operatorImage, datasourceSecret: `${DATASOURCE_SECRET.name}:${DATASOURCE_SECRET.key}` };
  await writeFile(readyFile, JSON.stringify({ kubeconfig: stack.kubeconfig, realNode } satisfies Ready), { mode: 0o600 });
  console.log(`cluster: ready; export KUBECONFIG=${stack.kubeconfig}`);
  // The node's processes are detached and unref'd: without this the daemon would exit, and its guardian would stop them.
  const keepAlive = setInterval(() => {}, 60_000);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await rm(readyFile, { force: true });
    const left = await stack.stop();
    clearInterval(keepAlive);
    console.log(left.length ? `cluster: the machine still differs from before:\n  ${left.join('\n  ')}` : 'cluster: machine restored');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function serve(flags: string[]): Promise<void> {
  if (flags.includes('--node=real')) return serveRealNode();
  await rm(readyFile, { force: true });
  await rm(join(stateDir, 'run'), { recursive: true, force: true }); // a fresh cluster each time
  const stack = await startLocalStack({
    dir: join(stateDir, 'run'), log: (m) => console.log(m), dryRun: flags.includes('--dry-run'), ...(flags.includes('--sqlite') ? { datasource: 'sqlite' as const } : {}),
  });
  const r: Ready = { kubeconfig: stack.controlPlane.kubeconfigPath };
  if (stack.datasource) r.datasource = { kind: stack.datasource.kind, url: stack.datasource.url, secret: DATASOURCE_SECRET_FLAG, stepBin: stack.venv!.bin };
  // 0600: it holds the datasource URL with its password.
  await writeFile(readyFile, JSON.stringify(r), { mode: 0o600 });
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
if (cmd === 'up') await up(process.argv.slice(3));
else if (cmd === 'down') await down();
else if (cmd === 'serve') await serve(process.argv.slice(3));
else if (cmd === 'binaries') {
  const { resolveBinaries } = await import('./controlplane/binaries.ts');
  const bins = await resolveBinaries();
  console.error(`control plane binaries: ${bins['kube-apiserver'].replace(/\/kube-apiserver$/, '')}`);
  // Where the e2e tier can run, its node binaries too: a cold build would not fit in a test's timeout.
  const { unsupported } = await import('./node/host.ts');
  if (!unsupported()) {
    const { resolveNodeBinaries, nodeBinariesDir } = await import('./node/binaries.ts');
    await resolveNodeBinaries((m) => console.error(m));
    console.error(`node binaries: ${nodeBinariesDir()}`);
    // And its images (Argo's Go build, the bases, the operator and step images): a cold build takes far
    // longer than a test's timeout. Where buildah cannot run, the e2e tests say why instead.
    const { ensureImages, imagesUnavailable, imagesDir } = await import('./images/index.ts');
    if (!(await imagesUnavailable((m) => console.error(m)))) {
      await ensureImages((m) => console.error(m));
      console.error(`test-bed images: ${imagesDir()}`);
    }
  }
}
else {
  console.error('usage: cli.ts up|down|binaries');
  process.exit(2);
}
