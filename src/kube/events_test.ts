import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventRecorder, type EventRecorderOptions } from './events.ts';

/** Records calls; only the two methods the recorder uses. */
function fakeApi(): { api: EventRecorderOptions['api']; creates: any[]; patches: any[] } {
  const creates: any[] = [];
  const patches: any[] = [];
  const api = {
    create: async (ref: any, body: any) => {
      creates.push({ namespace: ref.namespace, body });
      return body;
    },
    patch: async (ref: any, type: any, body: any) => {
      patches.push({ namespace: ref.namespace, name: ref.name, type, body });
      return {};
    },
  } as unknown as EventRecorderOptions['api'];
  return { api, creates, patches };
}

const job = { apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name: 'j', namespace: 'ns', uid: 'u1' } };

test('a hot loop of one event makes one Event and one series patch', async () => {
  const { api, creates, patches } = fakeApi();
  const r = new EventRecorder({ api, reportingController: 'sqlflow.org/operator', reportingInstance: 'pod-1', seriesFlushMs: 50 });
  r.warning(job, 'ReconcileError', 'boom');
  await r.flush(); // the create is written
  for (let i = 1; i < 1000; i++) r.warning(job, 'ReconcileError', 'boom');
  await r.flush();
  assert.equal(creates.length, 1);
  const ev = creates[0].body;
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.reason, 'ReconcileError');
  assert.equal(ev.regarding.uid, 'u1');
  assert.equal(ev.reportingController, 'sqlflow.org/operator');
  assert.match(String(ev.eventTime), /\.\d{6}Z$/);
  assert.equal(patches.length, 1);
  assert.equal(patches[0].body.series.count, 1000);
  assert.equal(patches[0].type, 'merge');
  assert.equal(r.stats.patched, 1);
});

test('repeats before the first write go into the create itself', async () => {
  const { api, creates, patches } = fakeApi();
  const r = new EventRecorder({ api, reportingController: 'c/c', reportingInstance: 'i' });
  for (let i = 0; i < 50; i++) r.warning(job, 'ReconcileError', 'boom');
  await r.flush();
  assert.equal(creates.length, 1);
  assert.equal(creates[0].body.series.count, 50);
  assert.equal(patches.length, 0);
});

test('distinct events per object are capped by the spam filter', async () => {
  const { api, creates } = fakeApi();
  const r = new EventRecorder({ api, reportingController: 'c/c', reportingInstance: 'i', burst: 5 });
  for (let i = 0; i < 20; i++) r.normal(job, 'Step', `step ${i}`);
  await r.flush();
  assert.equal(creates.length, 5);
  assert.equal(r.stats.dropped, 15);
});

test('a series whose Event expired is recreated; long notes are truncated', async () => {
  const { api, creates } = fakeApi();
  (api as any).patch = async () => {
    throw Object.assign(new Error('not found'), { code: 404 });
  };
  const r = new EventRecorder({ api, reportingController: 'c/c', reportingInstance: 'i', seriesFlushMs: 1 });
  const long = 'x'.repeat(5000);
  r.normal(job, 'R', long);
  await r.flush();
  r.normal(job, 'R', long);
  await r.flush();
  assert.equal(creates.length, 2);
  assert.equal(creates[1].body.series.count, 2);
  assert.notEqual(creates[0].body.metadata.name, creates[1].body.metadata.name);
  assert.ok(Buffer.byteLength(creates[0].body.note) <= 1024);
});

test('a burst of events for many objects keeps at most maxInFlight writes running, and writes them all', async () => {
  let running = 0;
  let peak = 0;
  let created = 0;
  const api = {
    create: async (_ref: any, body: any) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((ok) => setImmediate(ok));
      running--;
      created++;
      return body;
    },
    patch: async () => ({}),
  } as unknown as EventRecorderOptions['api'];
  const r = new EventRecorder({ api, reportingController: 'sqlflow.org/operator', reportingInstance: 'pod-1', maxInFlight: 3 });
  for (let i = 0; i < 500; i++) r.normal({ ...job, metadata: { ...job.metadata, name: `j${i}`, uid: `u${i}` } }, 'Submitted', 'Created workflow w');
  await r.flush();
  assert.equal(created, 500);
  assert.equal(peak, 3);
});

test('writes wait for the gate', async () => {
  const { api, creates } = fakeApi();
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let gated = 0;
  const r = new EventRecorder({ api, reportingController: 'sqlflow.org/operator', reportingInstance: 'pod-1', gate: () => (gated++, opened) });
  r.normal(job, 'Submitted', 'created workflow w');
  await new Promise((ok) => setTimeout(ok, 20));
  assert.equal(creates.length, 0, 'written before the gate opened');
  assert.equal(gated, 1);
  open();
  await r.flush();
  assert.equal(creates.length, 1);
});
