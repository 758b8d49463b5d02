import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient, KubeHttpError } from './errors.ts';
import { WorkQueue } from './workqueue.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('adding a queued key twice reconciles it once', async () => {
  const q = new WorkQueue();
  const seen: string[] = [];
  q.add('a');
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  q.run(async (k) => {
    seen.push(k);
  });
  await sleep(20);
  await q.shutDown();
  assert.deepEqual(seen, ['a', 'b']);
});

test('a key re-added while processing runs again afterwards, never concurrently', async () => {
  const q = new WorkQueue({ workers: 4 });
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const gate = deferred();
  q.run(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs++;
    if (runs === 1) await gate.promise;
    active--;
  });
  q.add('k');
  await sleep(5);
  assert.equal(q.inFlight(), 1);
  q.add('k'); // dirty while processing
  q.add('k'); // deduplicated with the previous one
  assert.equal(q.len(), 0, 'not queued while in flight');
  await sleep(5);
  assert.equal(runs, 1);
  gate.resolve();
  await sleep(20);
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
  await q.shutDown();
});

test('distinct keys run in parallel up to the worker bound', async () => {
  const q = new WorkQueue({ workers: 3 });
  let active = 0;
  let maxActive = 0;
  const gate = deferred();
  q.run(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    await gate.promise;
    active--;
  });
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  await sleep(10);
  assert.equal(maxActive, 3);
  assert.equal(q.len(), 2);
  gate.resolve();
  await sleep(10);
  await q.shutDown();
});

test('a throwing reconcile is retried with growing per-key backoff; success forgets', async () => {
  const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 1000 });
  const times: number[] = [];
  q.run(async () => {
    times.push(Date.now());
    if (times.length < 4) throw new Error('boom');
  });
  q.add('x');
  // Wait for the fourth run rather than a fixed time: under load timers fire late (never early).
  while (times.length < 4) await sleep(5);
  await sleep(20);
  await q.shutDown();
  assert.equal(times.length, 4);
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  // 10, 20, 40 ms nominal; timers may fire late but never early.
  assert.ok((gaps[0] as number) >= 9, `gap0 ${gaps[0]}`);
  assert.ok((gaps[1] as number) >= 19, `gap1 ${gaps[1]}`);
  assert.ok((gaps[2] as number) >= 39, `gap2 ${gaps[2]}`);
  assert.equal(q.numRequeues('x'), 0, 'success forgets the failures');
});

test('addRateLimited backoff caps and forget resets', () => {
  const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 40 });
  for (let i = 0; i < 10; i++) q.addRateLimited('k');
  assert.equal(q.numRequeues('k'), 10);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  return q.shutDown();
});

test('transient failures stop counting where the backoff reaches its transient cap', () => {
  // 5 ms * 2^n reaches 30 s at n = 13: an outage of any length leaves the key at 13, not at hundreds.
  const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 1_000_000, transientMaxDelayMs: 30_000 });
  for (let i = 0; i < 100; i++) q.addRateLimited('k', true);
  assert.equal(q.numRequeues('k'), 13);
  q.addRateLimited('k', false);
  assert.equal(q.numRequeues('k'), 14, 'a real error goes on counting from there');
  return q.shutDown();
});

test('isTransient: network errors, 429 and 5xx are the apiserver\'s; 4xx and bugs are not', () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
  assert.equal(isTransient(refused), true);
  assert.equal(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), true);
  assert.equal(isTransient(new KubeHttpError(503, 'unavailable')), true);
  assert.equal(isTransient(new KubeHttpError(429, 'slow down')), true);
  assert.equal(isTransient(new KubeHttpError(403, 'forbidden')), false);
  assert.equal(isTransient(new KubeHttpError(422, 'invalid')), false);
  assert.equal(isTransient(new TypeError("Cannot read properties of undefined (reading 'x')")), false);
});

test('requeueAfter schedules another run', async () => {
  const q = new WorkQueue();
  let runs = 0;
  q.run(async () => {
    runs++;
    return runs < 3 ? { requeueAfter: 15 } : {};
  });
  q.add('p');
  await sleep(10);
  assert.equal(runs, 1);
  await sleep(60);
  assert.equal(runs, 3);
  await q.shutDown();
});

test('addAfter keeps the earliest due time', async () => {
  const q = new WorkQueue();
  const seen: number[] = [];
  const t0 = Date.now();
  q.run(async () => {
    seen.push(Date.now() - t0);
  });
  q.addAfter('k', 200);
  q.addAfter('k', 20);
  q.addAfter('k', 300);
  assert.equal(q.delayed(), 1);
  await sleep(80);
  assert.equal(seen.length, 1);
  assert.ok((seen[0] as number) < 150);
  await sleep(250);
  assert.equal(seen.length, 1, 'the later schedules were merged into the earlier one');
  await q.shutDown();
});

test('shutDown waits for in-flight reconciles and drops the rest', async () => {
  const q = new WorkQueue({ workers: 2 });
  const finished: string[] = [];
  q.run(async (k) => {
    await sleep(50);
    finished.push(k);
  });
  q.add('a');
  q.add('b');
  q.add('c');
  q.addAfter('d', 10);
  await sleep(5);
  const t0 = Date.now();
  await q.shutDown();
  assert.ok(Date.now() - t0 >= 30, 'waited for the in-flight ones');
  assert.deepEqual(finished.sort(), ['a', 'b']);
  q.add('e');
  assert.equal(q.len(), 0, 'no adds after shutdown');
  await sleep(30);
  assert.deepEqual(finished.sort(), ['a', 'b']);
});

test('onReconciled reports outcomes', async () => {
  const outcomes: string[] = [];
  const q = new WorkQueue({
    baseDelayMs: 1,
    onReconciled: (k, o) => outcomes.push(`${k}:${o}`),
  });
  let n = 0;
  q.run(async () => {
    n++;
    if (n === 1) throw new Error('x');
    if (n === 2) return { requeueAfter: 1 };
    return;
  });
  q.add('k');
  await sleep(50);
  await q.shutDown();
  assert.deepEqual(outcomes, ['k:error', 'k:requeue', 'k:success']);
});

test('background keys wait while urgent keys keep arriving, then run', async () => {
  const q = new WorkQueue({ workers: 2, backgroundQuietMs: 40, backgroundMaxWaitMs: 60_000 });
  const seen: string[] = [];
  q.run(async (k) => {
    seen.push(k);
  });
  q.addBackground('status');
  let more = true;
  const feeder = (async () => {
    for (let i = 0; more; i++) {
      q.add(`new-${i}`);
      await sleep(5);
    }
  })();
  await sleep(100);
  assert.ok(!seen.includes('status'), 'background key ran while urgent keys were still arriving');
  more = false;
  await feeder;
  for (let i = 0; i < 100 && !seen.includes('status'); i++) await sleep(10);
  assert.ok(seen.includes('status'), 'background key never ran after the urgent keys stopped');
  await q.shutDown();
});

test('a background key is never starved: it runs after backgroundMaxWaitMs', async () => {
  const q = new WorkQueue({ workers: 1, backgroundQuietMs: 1_000_000, backgroundMaxWaitMs: 30 });
  const seen: string[] = [];
  q.run(async (k) => {
    seen.push(k);
  });
  q.add('u');
  q.addBackground('b');
  for (let i = 0; i < 200 && !seen.includes('b'); i++) await sleep(10);
  assert.deepEqual(seen, ['u', 'b']);
  await q.shutDown();
});

test('add() promotes a queued background key; it runs once', async () => {
  const q = new WorkQueue({ workers: 1, backgroundQuietMs: 1_000_000, backgroundMaxWaitMs: 1_000_000 });
  const seen: string[] = [];
  q.addBackground('k');
  q.add('k');
  assert.equal(q.len(), 1);
  q.run(async (k) => {
    seen.push(k);
  });
  await sleep(30);
  assert.deepEqual(seen, ['k']);
  assert.equal(q.len(), 0);
  await q.shutDown();
});

test('requeueBackground runs the key again in the background lane', async () => {
  const q = new WorkQueue({ workers: 1, backgroundQuietMs: 20 });
  const seen: string[] = [];
  q.run(async (k) => {
    seen.push(k);
    return seen.length === 1 ? { requeueBackground: true } : undefined;
  });
  q.add('job');
  for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(10);
  assert.deepEqual(seen, ['job', 'job']);
  await q.shutDown();
});

test('whenQuiet resolves once no urgent key was added for backgroundQuietMs', async () => {
  const q = new WorkQueue({ workers: 1, backgroundQuietMs: 30, backgroundMaxWaitMs: 60_000 });
  await q.whenQuiet(); // nothing ever added: quiet at once
  q.run(async () => {});
  q.add('a');
  let quiet = false;
  const p = q.whenQuiet().then(() => (quiet = true));
  assert.equal(quiet, false);
  await p;
  assert.equal(quiet, true);
  await q.shutDown();
});

test('overdue background keys run one at a time while urgent keys keep arriving', async () => {
  const q = new WorkQueue({ workers: 4, backgroundQuietMs: 1_000_000, backgroundMaxWaitMs: 10 });
  let active = 0;
  let maxActive = 0;
  const ran: string[] = [];
  q.run(async (k) => {
    if (!k.startsWith('bg')) return;
    active++;
    maxActive = Math.max(maxActive, active);
    await sleep(5);
    active--;
    ran.push(k);
  });
  for (let i = 0; i < 6; i++) q.addBackground(`bg-${i}`);
  q.add('urgent'); // never quiet from here on (backgroundQuietMs is huge)
  for (let i = 0; i < 300 && ran.length < 6; i++) await sleep(10);
  assert.equal(ran.length, 6);
  assert.equal(maxActive, 1);
  await q.shutDown();
});
