// Fault: etcd compacted to its head while every watch is down, so each watch the operator re-opens from its last
// resourceVersion gets 410 Gone. The informers must relist (the diff synthesises the missed events) and no job
// created meanwhile may be missed. The watch cache is off so watches read etcd and meet the compaction directly.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from '../../testenv/argo/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Jobs } from '../support/jobs.ts';
import { until } from '../support/http.ts';
import { assertExactlyOnce, assertNoForbiddenOutside, counter, createAll, observe, restartApiserver, waitAllFinal, type Window } from './support.ts';

let cp: ControlPlane;
let argo: LocalArgo;
let op: OperatorProcess & { metricsPort: number };
const keepAlive = setInterval(() => {}, 1000);
const windows: Window[] = [];

before(async () => {
  cp = await startControlPlane({ apiserverArgs: ['--watch-cache=false'] });
  const sa = await installOperator(cp);
  await installWorkflowCrd(cp.kubeConfig());
  argo = await startLocalArgo({ kc: cp.kubeConfig(), kubelet: cp.kubelet! });
  op = await startOperator(cp, sa, [`--step-command=${JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')])}`]);
});
after(async () => {
  try {
    if (op) await assertNoForbiddenOutside(op, windows);
  } finally {
    await op?.stop('SIGKILL');
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

describe('etcd compaction: 410 Gone on every watch', () => {
  it('the operator relists and misses no job created while its watches were gone', async () => {
    const kc = cp.kubeConfig();
    const jobs = new Jobs(kc);
    const names = Array.from({ length: 120 }, (_, i) => `gone-${i}`);
    const goneBefore = counter(await metrics(), 'sqlflow_operator_watch_restarts_total', { reason: 'gone' });
    const creating = createAll(jobs, names, (i) => ({ sql: `SELECT ${i}` }));
    let rounds = 0;
    for (const atLeast of [10, 40, 80]) {
      await until(`${atLeast} workflows exist`, async () => (await observe(kc)).workflowsPerJob.size >= atLeast, 180_000, 50);
      // Down, compact (nothing can write meanwhile, so the head is final), up: every watch resumes from a compacted version.
      windows.push(await restartApiserver(cp, async () => {
        await compactToHead();
      }));
      rounds++;
    }
    await creating;
    const o = await waitAllFinal(kc, names);
    await assertExactlyOnce(kc, names, o);
    assert.equal(rounds, 3);
    const page = await metrics();
    const gone = counter(page, 'sqlflow_operator_watch_restarts_total', { reason: 'gone' }) - goneBefore;
    assert.ok(gone >= 3, `watches met 410 Gone and relisted (${gone} times):\n${page.split('\n').filter((l) => l.includes('watch_restarts')).join('\n')}`);
  });
});
