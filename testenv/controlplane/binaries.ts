// Finds the control-plane binaries. Order: KUBEBUILDER_ASSETS (the envtest
// convention) → a cache outside the repo keyed by versions → a build with Go
// (tools/build-binaries.sh, which locks the cache against concurrent first runs).
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUBE_VERSION = 'v1.37.2';
export const ETCD_VERSION = 'v3.7.3';
const NAMES = ['kube-apiserver', 'kube-controller-manager', 'kubectl', 'etcd'] as const;
export type BinaryName = (typeof NAMES)[number];
export type Binaries = Record<BinaryName, string>;

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');

export function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sqlflow-operator');
}

export function cacheDir(): string {
  return join(cacheRoot(), `controlplane-${KUBE_VERSION}-etcd-${ETCD_VERSION}`);
}

async function executable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function complete(dir: string, required: readonly BinaryName[]): Promise<boolean> {
  for (const n of required) if (!(await executable(join(dir, n)))) return false;
  return true;
}

function pick(dir: string): Binaries {
  return Object.fromEntries(NAMES.map((n) => [n, join(dir, n)])) as Binaries;
}

/** Resolves the binaries, building them once if needed (this can take many minutes on a cold cache). */
export async function resolveBinaries(log: (msg: string) => void = (m) => process.stderr.write(m + '\n')): Promise<Binaries> {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets) {
    // envtest's asset folders carry no kube-controller-manager; fall back to the cache for it.
    if (!(await complete(assets, ['kube-apiserver', 'etcd', 'kubectl']))) {
      throw new Error(`KUBEBUILDER_ASSETS=${assets} must hold executable kube-apiserver, etcd and kubectl; fix the folder or unset the variable to use the built binaries`);
    }
    const bins = pick(assets);
    if (!(await executable(bins['kube-controller-manager']))) {
      const built = await cachedOrBuilt(log);
      bins['kube-controller-manager'] = built['kube-controller-manager'];
    }
    return bins;
  }
  return cachedOrBuilt(log);
}

async function cachedOrBuilt(log: (msg: string) => void): Promise<Binaries> {
  const dir = cacheDir();
  if (await complete(dir, NAMES)) return pick(dir);
  log(`control plane: building kube-apiserver, kube-controller-manager, kubectl ${KUBE_VERSION} and etcd ${ETCD_VERSION} with Go into ${dir} (once; 20+ minutes on 2 cores)`);
  await build(dir);
  if (!(await complete(dir, NAMES))) throw new Error(`the build finished but ${dir} lacks some binaries; remove the folder and try again`);
  return pick(dir);
}

function build(dir: string): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn('bash', [join(repoRoot, 'tools', 'build-binaries.sh'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (e) => fail(new Error(`cannot run tools/build-binaries.sh: ${e.message}`)));
    child.on('exit', (code) => code === 0 ? ok() : fail(new Error(
      `building the control-plane binaries failed (exit ${code}). Install Go >= 1.26 with access to the Go module proxy, ` +
      `or set KUBEBUILDER_ASSETS to a folder holding kube-apiserver ${KUBE_VERSION}, etcd and kubectl`)));
  });
}
