// eof and the job phase reported with it agree. The operator writes the job's phase only after it has seen the
// workflow complete, while Fetch's eof is decided by the workflow completing: between the two, a Fetch used to
// answer eof with jobPhase "Running". Here the gap is held open on purpose (no operator writes the job's phase),
// so the old behaviour fails every time instead of once in a few runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { decodeToken, encodeToken } from '../../src/api/token.ts';
import { ReaderCache } from '../../src/fetch/cache.ts';
import { Fetcher, type FetchResult } from '../../src/fetch/fetch.ts';
import { JobSource } from '../../src/fetch/source.ts';
import { patchCustomObject } from '../../src/kube/patch.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds, JOBS } from './harness.ts';
import { Resources } from '../../src/kube/resources.ts';

let cp: ControlPlane;
let kc: KubeConfig;
let source: JobSource;
let cache: ReaderCache;
let fetcher: Fetcher;
const NS = 'phase';
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(cp);
  await createNamespace(kc, NS);
  source = new JobSource(kc);
  await source.start();
  cache = new ReaderCache();
  fetcher = new Fetcher({ kc, source, cache, status: false });
});
after(async () => {
  cache?.close();
  await source?.stop();
  await cp?.stop();
  clearInterval(keepAlive);
});

/** Fetches until eof; every response, in order. */
async function untilEof(job: FakeJob): Promise<FetchResult[]> {
  const out: FetchResult[] = [];
  let token = encodeToken({ namespace: job.ns, job: job.name, uid: job.uid, workflow: '', step: 0, nodeID: '', cursor: { sec: 0, k: 0, bytes: 0 }, lines: 0 });
  for (let i = 0; i < 1000; i++) {
    const r = await fetcher.fetch(decodeToken(token), { waitSeconds: 5 });
    out.push(r);
    if (r.eof) return out;
    token = r.token;
  }
  throw new Error(`no eof after 1000 fetches of ${job.name}; last phase ${out.at(-1)?.jobPhase}`);
}

/** Waits until the cache has seen the workflow's phase, so the Fetch below does not race the test itself. */
async function cached(job: FakeJob, phase: string): Promise<void> {
  for (;;) {
    const since = source.version();
    if (source.workflows.store.get(job.ns, job.wf)?.status?.phase === phase) return;
    await source.waitChange(job.ns, job.name, job.wf, since, AbortSignal.timeout(30_000));
  }
}

describe('eof and jobPhase', () => {
  test('a workflow that completed before the job status says so: eof reports the workflow\'s final phase', async () => {
    for (const [name, wfPhase, want] of [['fails', 'Failed', 'Failed'], ['errs', 'Error', 'Error'], ['ok', 'Succeeded', 'Succeeded']] as const) {
      const job = await new FakeJob(kc, cp.kubelet!.logs, NS, name, 1).create();
      await job.startStep(0);
      job.append(0, 'one\n');
      await job.finishStep(0, want === 'Succeeded' ? 0 : 1);
      await job.setWorkflow(wfPhase); // the job's own status stays "Running": the operator has not caught up
      await cached(job, wfPhase);
      const results = await untilEof(job);
      assert.deepEqual(results.flatMap((r) => r.lines.map((l) => l.text)), ['one'], name);
      assert.equal(results.at(-1)?.jobPhase, want, `${name}: eof came with jobPhase ${results.at(-1)?.jobPhase}`);
    }
  });

  test('a cancelled job whose workflow failed reports Cancelled with eof, as the operator will write it', async () => {
    const job = await new FakeJob(kc, cp.kubelet!.logs, NS, 'cancelled', 1).create();
    await patchCustomObject(new Resources(kc), { ...JOBS, namespace: NS, name: job.name }, 'merge', { spec: { cancel: true } });
    await job.startStep(0);
    await job.finishStep(0, 143);
    await job.setWorkflow('Failed');
    await cached(job, 'Failed');
    for (;;) {
      const since = source.version();
      if (source.jobs.store.get(NS, job.name)?.spec.cancel === true) break;
      await source.waitChange(NS, job.name, job.wf, since, AbortSignal.timeout(30_000));
    }
    assert.equal((await untilEof(job)).at(-1)?.jobPhase, 'Cancelled');
  });

  test('once the operator has written a final phase, eof reports that one', async () => {
    const job = await new FakeJob(kc, cp.kubelet!.logs, NS, 'written', 1).create();
    await job.startStep(0);
    await job.finishStep(0, 1);
    await job.setWorkflow('Failed');
    await job.setJobPhase('Error'); // the job's word wins over the workflow's once it is there
    for (;;) {
      const since = source.version();
      if (source.jobs.store.get(NS, job.name)?.status?.phase === 'Error') break;
      await source.waitChange(NS, job.name, job.wf, since, AbortSignal.timeout(30_000));
    }
    assert.equal((await untilEof(job)).at(-1)?.jobPhase, 'Error');
  });
});
