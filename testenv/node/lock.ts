// One real node per machine: the bridge, the pod range, /run/containerd and the
// kubelet's fixed /var/lib/kubelet/device-plugins are machine-wide. The lock is a
// folder holding its owner's pid (mkdir is atomic); a dead owner's lock is taken over.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alive } from '../controlplane/processes.ts';

export async function lockMachine(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'owner'), String(process.pid));
      return async () => {
        const owner = Number(await readFile(join(path, 'owner'), 'utf8').catch(() => '0'));
        if (owner === process.pid) await rm(path, { recursive: true, force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(await readFile(join(path, 'owner'), 'utf8').catch(() => '0'));
      if (owner && owner !== process.pid && alive(owner)) {
        throw new Error(`a real node already runs on this machine (process ${owner} holds ${path}); stop it first (npm run cluster:down) — two cannot share the machine-wide paths`);
      }
      if (!owner) await new Promise((r) => setTimeout(r, 200)); // the owner may be writing its pid
      else await rm(path, { recursive: true, force: true });
    }
  }
  throw new Error(`cannot take the real node's lock ${path}; remove it if no real node runs`);
}
