// Fault: etcd compacted to its head while the operator's connections are cut (a TCP proxy stands between it and a
// healthy apiserver), so each watch it re-opens from its last resourceVersion gets 410 Gone. The informers must
// relist (the diff synthesises the missed events) and no job created meanwhile may be missed. The watch cache is
// off so watches read etcd and meet the compaction directly.
import { readFile, writeFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from '../../testenv/argo/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { startProxy, type CuttableProxy } from '../kube/proxy.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Jobs } from '../support/jobs.ts';
import { until } from '../support/http.ts';
import { assertExactlyOnce, counter, createAll, observe, waitAllFinal } from './support.ts';

let cp: ControlPlane;
let argo: LocalArgo;
let op: OperatorProcess & { metricsPort: number };
const keepAlive = setInterval(() => {}, 1000);
let proxy: CuttableProxy;

before(async () => {
  cp = await startControlPlane({ apiserverArgs: ['--watch-cache=false'] });
  const sa = await installOperator(cp);
  await installWorkflowCrd(cp.kubeConfig());
  argo = await startLocalArgo({ kc: cp.kubeConfig(), kubelet: cp.kubelet! });
  // Only the operator goes through the proxy; the test and the local Argo talk to the apiserver directly.
  proxy = await startProxy(cp.server);
  const viaProxy = `${sa}.proxy`;
  await writeFile(viaProxy, (await readFile(sa, 'utf8')).replaceAll(cp.server, proxy.url));
  op = await startOperator(cp, viaProxy, [`--step-command=${JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')])}`]);
});
after(async () => {
  try {
    if (op) await assertNoForbidden(op);
  } finally {
    await op?.stop('SIGKILL');
    await proxy?.close();
    await argo?.stop();
    await cp?.stop();
    clearInterval(keepAlive);
  }
});

async function etcd(path: string, body: unknown): Promise<{ header?: { revision?: string } }> {
  const r = await fetch(`${cp.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`etcd ${path}: ${r.status} ${text}`);
  return JSON.parse(text) as { header?: { revision?: string } };
}

/** Compacts etcd's history up to its current revision: every older resourceVersion is gone. */
async function compactToHead(): Promise<number> {
  const head = Number((await etcd('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 })).header?.revision);
  assert.ok(head > 0, 'etcd reports its revision');
  await etcd('/v3/kv/compaction', { revision: String(head), physical: true });
  return head;
}

const metrics = async () => (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
const RESOURCES = ['sqlflowjobs', 'workflows', 'pods'] as const;
const gone = (page: string, resource: string) => counter(page, 'sqlflow_operator_watch_restarts_total', { resource, reason: 'gone' });

describe('etcd compaction: 410 Gone on every watch', () => {
  it('the operator relists and misses no job created while its watches were gone', { timeout: 1_200_000 }, async () => {
    const kc = cp.kubeConfig();
    const jobs = new Jobs(kc);
    const names = Array.from({ length: 120 }, (_, i) => `gone-${i}`);
    const first = await metrics();
    const goneBefore = Object.fromEntries(RESOURCES.map((r) => [r, gone(first, r)])) as Record<(typeof RESOURCES)[number], number>;
    const creating = createAll(jobs, names, (i) => ({ sql: `SELECT ${i}` }));
    let rounds = 0;
    for (const atLeast of [10, 40, 80]) {
      await until(`${atLeast} workflows exist`, async () => (await observe(kc)).workflowsPerJob.size >= atLeast, 180_000, 50);
      // Cut the operator off, let jobs and Workflows change without it, compact, reconnect: every watch it re-opens
      // starts from a compacted resourceVersion.
      proxy.setDown(true);
      proxy.cut();
      const cutAt = (await observe(kc)).phases.size;
      await until('more jobs created while the operator is cut off', async () => (await observe(kc)).phases.size >= Math.min(names.length, cutAt + 10), 180_000, 50);
      await compactToHead();
      proxy.setDown(false);
      rounds++;
      // The next round starts once all three watches have met this round's 410 and relisted. Otherwise a watch still
      // asleep in its back-off from this cut would sleep through the next one too, and meet one 410 for two rounds.
      await until(
        `round ${rounds}: every watch met 410 Gone`,
        async () => {
          const page = await metrics();
          return RESOURCES.every((resource) => gone(page, resource) - goneBefore[resource] >= rounds);
        },
        120_000,
        100,
      ).catch(async (err: Error) => {
        const restarts = (await metrics()).split('\n').filter((l) => l.startsWith('sqlflow_operator_watch_restarts_total'));
        throw new Error(`${err.message}\n${restarts.join('\n')}`);
      });
    }
    await creating;
    const o = await waitAllFinal(kc, names);
    await assertExactlyOnce(kc, names, o);
  });
});
