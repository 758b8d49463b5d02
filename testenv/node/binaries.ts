// kubelet, kube-proxy and kube-scheduler, built once per version from the control
// plane's Go module (tools/build-node-binaries.sh, which locks the cache against
// concurrent first runs) and cached beside the control-plane binaries.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, KUBE_VERSION } from '../controlplane/binaries.ts';

const NAMES = ['kubelet', 'kube-proxy', 'kube-scheduler'] as const;
export type NodeBinaries = Record<(typeof NAMES)[number], string>;

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');

export function nodeBinariesDir(): string {
  return join(cacheRoot(), `node-${KUBE_VERSION}`);
}

async function complete(dir: string): Promise<boolean> {
  try {
    for (const n of NAMES) await access(join(dir, n), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function resolveNodeBinaries(log: (m: string) => void): Promise<NodeBinaries> {
  const dir = nodeBinariesDir();
  const pick = () => Object.fromEntries(NAMES.map((n) => [n, join(dir, n)])) as NodeBinaries;
  if (await complete(dir)) return pick();
  log(`real node: building kubelet, kube-proxy and kube-scheduler ${KUBE_VERSION} with Go into ${dir} (once; about 8 minutes on 2 cores)`);
  await new Promise<void>((ok, fail) => {
    const child = spawn('bash', [join(repoRoot, 'tools', 'build-node-binaries.sh'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (e) => fail(new Error(`cannot run tools/build-node-binaries.sh: ${e.message}`)));
    child.on('exit', (code) => code === 0 ? ok() : fail(new Error(`building the node binaries failed (exit ${code}); Go >= 1.26 and the Go module proxy are needed`)));
  });
  if (!(await complete(dir))) throw new Error(`the build finished but ${dir} lacks some binaries; remove the folder and try again`);
  return pick();
}
