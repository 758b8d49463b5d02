// A test process killed with SIGKILL must not leave etcd or kube-* processes behind: the
// launcher's guardian reaps them, and the next start clears what is left.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alive } from '../testenv/controlplane/processes.ts';
import { ROOT } from '../testenv/operator.ts';
import { until } from './support/http.ts';

it('leaves no orphan processes when the owning process is SIGKILLed', async () => {
  const script = `
    import { startControlPlane } from ${JSON.stringify(join(ROOT, 'testenv/controlplane/index.ts'))};
    const cp = await startControlPlane();
    console.log(JSON.stringify({ dir: cp.dir }));
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const { dir } = await until('control plane up', async () => (out.includes('\n') ? (JSON.parse(out.split('\n')[0]!) as { dir: string }) : undefined), 120_000, 100);
  const pids: number[] = [];
  for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager']) pids.push(Number(await readFile(join(dir, `${name}.pid`), 'utf8')));
  assert.ok(pids.every(alive), 'all three run');

  child.kill('SIGKILL');
  await until('processes reaped', async () => pids.every((p) => !alive(p)), 20_000, 200);
  await until('state folder removed', async () => !(await readFile(join(dir, 'owner'), 'utf8').then(() => true, () => false)), 10_000, 200);
});
