// One real node per machine: the bridge, the pod range, /run/containerd and the
// kubelet's fixed /var/lib/kubelet/device-plugins are machine-wide. The lock is a
// folder holding its owner's pid (mkdir is atomic); a dead owner's lock is taken over.
// A live owner makes `cluster:up` fail at once, unless SQLFLOW_REAL_NODE_WAIT (seconds)
// asks to queue behind it: test runs sharing one machine take turns that way.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alive } from '../controlplane/processes.ts';

export async function lockMachine(path: string, log: (m: string) => void = () => {}): Promise<() => Promise<void>> {
  const waitS = Number(process.env.SQLFLOW_REAL_NODE_WAIT ?? 0);
  const deadline = Date.now() + (Number.isFinite(waitS) && waitS > 0 ? waitS * 1000 : 0);
  let said = 0;
  for (let attempt = 0; ; attempt++) {
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
        if (Date.now() >= deadline) {
          throw new Error(`a real node already runs on this machine (process ${owner} holds ${path}); stop it first (npm run cluster:down) — two cannot share the machine-wide paths`);
        }
        if (Date.now() - said > 60_000) {
          log(`real node: waiting for process ${owner}'s real node to stop (SQLFLOW_REAL_NODE_WAIT)`);
          said = Date.now();
        }
        await new Promise((r) => setTimeout(r, 2000));
      } else if (!owner) {
        if (attempt > 20) throw new Error(`cannot take the real node's lock ${path}: it names no owner; remove it if no real node runs`);
        await new Promise((r) => setTimeout(r, 200)); // the owner may be writing its pid
      } else {
        await rm(path, { recursive: true, force: true });
      }
    }
  }
}

/** The pid of a live process other than this one holding the lock at `path`, if any. */
export async function otherHolder(path: string): Promise<number | undefined> {
  const owner = Number(await readFile(join(path, 'owner'), 'utf8').catch(() => '0'));
  return owner && owner !== process.pid && alive(owner) ? owner : undefined;
}
