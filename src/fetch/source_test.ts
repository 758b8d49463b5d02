import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { JOB_LABEL } from '../api/job.ts';
import { Informer } from '../kube/informer.ts';
import type { ListPage, ListWatchTransport, WatchEvent, WatchOptions } from '../kube/rest.ts';
import { WORKFLOW_LABEL } from '../workflow/observe.ts';
import { JobSource, type SharedInformers } from './source.ts';

/** An apiserver with nothing listed; the test pushes watch events by hand. */
class Scripted implements ListWatchTransport {
  emit: ((ev: WatchEvent) => void) | undefined;
  async list(): Promise<ListPage> {
    return { metadata: { resourceVersion: '1' }, items: [] };
  }
  watch(_p: string, _q: unknown, onEvent: (ev: WatchEvent) => void, opts: WatchOptions): Promise<void> {
    this.emit = onEvent;
    return new Promise((ok) => opts.signal.addEventListener('abort', () => ok(), { once: true }));
  }
}

const job = (name: string, rv: number): KubernetesObject =>
  ({ apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name, namespace: 'ns', uid: `u-${name}`, resourceVersion: String(rv) }, spec: {} }) as KubernetesObject;

test('a source over shared informers keeps per-job bookkeeping only for jobs that exist, and wakes waiters on deletion', async () => {
  const t = { jobs: new Scripted(), workflows: new Scripted(), pods: new Scripted() };
  const shared = {
    jobs: new Informer(undefined, { path: '/j', transport: t.jobs }),
    workflows: new Informer(undefined, { path: '/w', transport: t.workflows, indexLabels: [JOB_LABEL] }),
    pods: new Informer(undefined, { path: '/p', transport: t.pods, indexLabels: [JOB_LABEL, WORKFLOW_LABEL] }),
  } as unknown as SharedInformers;
  for (const i of Object.values(shared)) (i as Informer).start();
  const source = JobSource.over(shared);
  await source.start();
  for (const s of Object.values(t)) while (!s.emit) await new Promise((ok) => setImmediate(ok));

  for (let i = 0; i < 1000; i++) t.jobs.emit!({ type: 'ADDED', object: job(`j${i}`, 10 + i) as WatchEvent['object'] });
  assert.equal(source.trackedKeys(), 1000);
  const since = source.version();
  const woken = source.waitChange('ns', 'j7', undefined, since, new AbortController().signal);
  for (let i = 0; i < 1000; i++) t.jobs.emit!({ type: 'DELETED', object: job(`j${i}`, 2000 + i) as WatchEvent['object'] });
  await woken; // the deletion woke it
  assert.equal(source.trackedKeys(), 0, 'deleted jobs leave nothing behind');
  // A waiter that read state before a deletion it has not seen wakes at once rather than sleeping on a gone key.
  await source.waitChange('ns', 'j8', undefined, since, new AbortController().signal);

  await source.stop();
  assert.equal((shared.jobs as unknown as Informer).hasSynced(), true, 'stopping the source leaves the owner\'s informers running');
  for (const i of Object.values(shared)) await (i as Informer).stop();
});
