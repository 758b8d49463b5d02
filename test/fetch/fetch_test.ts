// Fetch core against a real apiserver and the fake kubelet, with the workflow driven by hand (harness.ts) so each
// log shape is exact: bursts sharing one nanosecond timestamp, fragments, lines over 1 MiB, deleted pods.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { decodeToken, encodeToken } from '../../src/api/token.ts';
import { ReaderCache } from '../../src/fetch/cache.ts';
import { FetchError, Fetcher, type FetchResult } from '../../src/fetch/fetch.ts';
import { JobSource } from '../../src/fetch/source.ts';
import { StatusRecorder } from '../../src/fetch/status.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds, JOBS } from './harness.ts';
import { Resources } from '../../src/kube/resources.ts';

let cp: ControlPlane;
let kc: KubeConfig;
const keepAlive = setInterval(() => {}, 1000);

interface Api {
  source: JobSource;
  cache: ReaderCache | false;
  fetcher: Fetcher;
  close(): Promise<void>;
}

/** One "API process": its own informers, reader cache and status recorder. */
async function apiProcess(opts: { cache?: boolean } = {}): Promise<Api> {
  const source = new JobSource(kc);
  await source.start();
  const cache = opts.cache === false ? false : new ReaderCache();
  const status = new StatusRecorder(new Resources(kc), { intervalMs: 500 });
  const fetcher = new Fetcher({ kc, source, cache, status });
  return {
    source, cache, fetcher,
    close: async () => {
      await status.flush();
      if (cache) cache.close();
      await source.stop();
    },
  };
}

let api: Api;
let nsSeq = 0;
async function ns(): Promise<string> {
  const name = `fetch-${++nsSeq}`;
  await createNamespace(kc, name);
  return name;
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(cp);
  api = await apiProcess();
});
after(async () => {
  await api?.close();
  await cp?.stop();
  clearInterval(keepAlive);
});

function startToken(job: FakeJob): string {
  return encodeToken({ namespace: job.ns, job: job.name, uid: job.uid, workflow: '', step: 0, nodeID: '', cursor: { sec: 0, k: 0, bytes: 0 }, lines: 0 });
}

/** Fetch until eof; returns every line text and every response. */
async function drain(f: Fetcher, token: string, o: { maxBytes?: number; waitSeconds?: number; until?: number; everyMs?: number } = {}): Promise<{ texts: string[]; results: FetchResult[]; token: string }> {
  const texts: string[] = [];
  const results: FetchResult[] = [];
  const deadline = Date.now() + (o.until ?? 120_000);
  for (;;) {
    const r = await f.fetch(decodeToken(token), { maxBytes: o.maxBytes ?? 64 * 1024, waitSeconds: o.waitSeconds ?? 2 });
    results.push(r);
    for (const l of r.lines) texts.push(l.text);
    token = r.token;
    if (r.eof) return { texts, results, token };
    if (Date.now() > deadline) throw new Error(`no eof after ${texts.length} lines; last: ${JSON.stringify({ ...r, lines: r.lines.length })}`);
    if (o.everyMs) await sleep(o.everyMs);
  }
}

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

/**
 * Writes `count` numbered lines for step i in bursts: each burst shares ONE nanosecond timestamp, simulated time
 * advances a few ms between bursts (so a second holds many bursts), with short real pauses now and then.
 */
async function writeBursts(job: FakeJob, i: number, count: number, seed: number, startNs: bigint): Promise<void> {
  const r = rng(seed);
  let t = startNs;
  let n = 0;
  while (n < count) {
    const burst = Math.min(count - n, 1 + Math.floor(r() * 400));
    let chunk = '';
    for (let j = 0; j < burst; j++) chunk += `s${i} ${n++}\n`;
    job.append(i, chunk, t);
    t += BigInt(Math.floor(r() * 30e6));
    if (r() < 0.05) await sleep(Math.floor(r() * 5));
  }
}

function expectSequence(texts: string[], steps: number, count: number): void {
  let k = 0;
  for (let i = 0; i < steps; i++) {
    for (let n = 0; n < count; n++, k++) {
      if (texts[k] !== `s${i} ${n}`) {
        assert.fail(`line ${k}: expected "s${i} ${n}", got ${JSON.stringify(texts[k])} (total ${texts.length}, expected ${steps * count})`);
      }
    }
  }
  assert.equal(texts.length, steps * count);
}

describe('fetch', () => {
  test('three steps of 100,000 lines in same-timestamp bursts: exact sequence through small maxBytes while written', async () => {
    const job = await new FakeJob(kc, cp.kubelet!.logs, await ns(), 'stress', 3).create();
    const COUNT = 100_000;
    const writer = (async () => {
      let t = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
      for (let i = 0; i < 3; i++) {
        await job.startStep(i);
        await writeBursts(job, i, COUNT, 7 + i, t);
        t += 3_600_000_000_000n;
        await job.finishStep(i);
        if (i < 2) await sleep(300); // the gap before Argo creates the next node
      }
      await job.complete();
    })();
    const { texts, results } = await drain(api.fetcher, startToken(job), { maxBytes: 16 * 1024, waitSeconds: 1, until: 240_000 });
    await writer;
    expectSequence(texts, 3, COUNT);
    assert.ok(results.length > 50, `many small fetches (${results.length})`);
    assert.ok(results.every((r) => r.lines.every((l) => l.step === Number(l.text.slice(1, 2)))), 'every line carries its step');
  });

  test('the same stress without the reader cache (fresh sinceTime reads every call) is exact too', async () => {
    const fresh = await apiProcess({ cache: false });
    try {
      const job = await new FakeJob(kc, cp.kubelet!.logs, await ns(), 'stress-fresh', 3).create();
      const COUNT = 10_000;
      const writer = (async () => {
        let t = 1_767_225_600_000_000_000n;
        for (let i = 0; i < 3; i++) {
          await job.startStep(i);
          await writeBursts(job, i, COUNT, 17 + i, t);
          t += 60_000_000_000n;
          await job.finishStep(i);
        }
        await job.complete();
      })();
      const { texts } = await drain(fresh.fetcher, startToken(job), { maxBytes: 2048, waitSeconds: 1, until: 240_000 });
      await writer;
      expectSequence(texts, 3, COUNT);
    } finally {
      await fresh.close();
    }
  });

  test('pending step: no lines, no error; eof not in the gap before the next node', async () => {
    const job = await new FakeJob(kc, cp.kubelet!.logs, await ns(), 'gap', 2).create();
    let r = await api.fetcher.fetch(decodeToken(startToken(job)));
    assert.deepEqual([r.lines.length, r.eof, r.message], [0, false, undefined]);
    await job.createPod(0);
    r = await api.fetcher.fetch(decodeToken(r.token), { waitSeconds: 0.5 });
    assert.deepEqual([r.lines.length, r.eof, r.message, r.step?.phase], [0, false, undefined, 'Pending']);
    await job.startStep(0);
    job.append(0, 'one\ntwo\n');
    r = await api.fetcher.fetch(decodeToken(r.token), { waitSeconds: 5 });
    assert.deepEqual(r.lines.map((l) => l.text), ['one', 'two']);
    await job.finishStep(0);
    r = await api.fetcher.fetch(decodeToken(r.token), { waitSeconds: 5 });
    assert.equal(r.finishedSteps[0]?.phase, 'Succeeded');
    // Step 1 does not exist yet and the workflow runs: no eof, and a long poll waits for it.
    const t0 = Date.now();
    r = await api.fetcher.fetch(decodeToken(r.token), { waitSeconds: 1 });
    assert.equal(r.eof, false);
    assert.ok(Date.now() - t0 >= 900, 'long poll waited');
    assert.deepEqual([r.step?.index, r.step?.count], [1, 2]);
    const waiting = api.fetcher.fetch(decodeToken(r.token), { waitSeconds: 20 });
    await sleep(300);
    await job.startStep(1);
    job.append(1, 'three\n');
    const t1 = Date.now();
    r = await waiting;
    assert.deepEqual(r.lines.map((l) => l.text), ['three']);
    assert.ok(Date.now() - t1 < 5000, 'woken by the change, not the timeout');
    await job.finishStep(1);
    await job.complete();
    r = await api.fetcher.fetch(decodeToken(r.token), { waitSeconds: 5 });
    assert.equal(r.eof, true);
  });

  test('resume from a saved token in a new API process; two clients with their own tokens both get everything', async () => {
    const job = await new FakeJob(kc, cp.kubelet!.logs, await ns(), 'resume', 2).create();
    await job.startStep(0);
    for (let n = 0; n < 5000; n++) job.append(0, `s0 ${n}\n`, 1_767_225_600_000_000_000n + BigInt(Math.floor(n / 1000)) * 1_000_000n);
    const first = await api.fetcher.fetch(decodeToken(startToken(job)), { maxBytes: 10_000 });
    assert.ok(first.lines.length > 0 && first.lines.length < 5000);
    const saved = first.token;
    const other = await apiProcess();
    const otherClient = drain(api.fetcher, startToken(job), { maxBytes: 3000 });
    const writer = (async () => {
      for (let n = 5000; n < 10_000; n++) job.append(0, `s0 ${n}\n`);
      await job.finishStep(0);
      await job.startStep(1);
      for (let n = 0; n < 10_000; n++) job.append(1, `s1 ${n}\n`);
      await job.finishStep(1);
      await job.complete();
    })();
    try {
      const resumed = await drain(other.fetcher, saved, { maxBytes: 7000 });
      await writer;
      expectSequence([...first.lines.map((l) => l.text), ...resumed.texts], 2, 10_000);
      expectSequence((await otherClient).texts, 2, 10_000);
    } finally {
      await other.close();
    }
  });

  test('a line over 1 MiB, and a last line without newline delivered only once the container terminated', async () => {
    for (const cached of [true, false]) {
      const proc = cached ? api : await apiProcess({ cache: false });
      const job = await new FakeJob(kc, cp.kubelet!.logs, await ns(), `big-${cached}`, 1).create();
      await job.startStep(0);
      const big = 'x'.repeat(1536 * 1024);
      job.append(0, `before\n${big}\nafter\nno newline yet`);
      let r = await proc.fetcher.fetch(decodeToken(startToken(job)), { maxBytes: 1024 });
      const got: string[] = r.lines.map((l) => l.text);
      for (let i = 0; i < 5 && got.length < 3; i++) {
        r = await proc.fetcher.fetch(decodeToken(r.token), { maxBytes: 1024, waitSeconds: 0.5 });
        got.push(...r.lines.map((l) => l.text));
      }
      assert.deepEqual(got.map((t) => t.length), [6, big.length, 5]);
      r = await proc.fetcher.fetch(decodeToken(r.token), { waitSeconds: 0.5 });
      assert.equal(r.lines.length, 0, 'the fragment waits while the container runs');
      job.append(0, ' - still');
      await job.finishStep(0);
      await job.complete();
      const rest = await drain(proc.fetcher, r.token);
      assert.deepEqual(rest.texts, ['no newline yet - still']);
      if (!cached) await proc.close();
    }
  });

  test('a failed step reports its exit code and message; the next steps still come', async () => {
    const job = await new FakeJob(kc, cp.kubelet!.logs, await ns(), 'failing', 2).create();
    await job.startStep(0);
    job.append(0, 'Traceback: boom\n');
    await job.finishStep(0, 3, 'main: Error (exit code 3)');
    await job.complete('Failed');
    const { texts, results } = await drain(api.fetcher, startToken(job));
    assert.deepEqual(texts, ['Traceback: boom']);
    const fin = results.flatMap((r) => r.finishedSteps);
    assert.deepEqual(fin.map((s) => [s.index, s.phase, s.exitCode, s.message]), [[0, 'Failed', 3, 'main: Error (exit code 3)']]);
    assert.match(results.map((r) => r.message ?? '').join(' '), /step 1\/2 \(step-1\) failed with exit code 3: main: Error \(exit code 3\)/);
    assert.equal(results.at(-1)?.jobPhase, 'Failed');
  });

  test('a pod deleted before its log was read yields one clear line, then the next step', async () => {
    const job = await new FakeJob(kc, cp.kubelet!.logs, await ns(), 'deleted', 2).create();
    await job.startStep(0);
    job.append(0, 'lost line\n');
    await job.finishStep(0);
    await job.deletePod(0);
    await job.startStep(1);
    job.append(1, 'kept line\n');
    await job.finishStep(1);
    await job.complete();
    const { results } = await drain(api.fetcher, startToken(job));
    const lines = results.flatMap((r) => r.lines);
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.notice, true);
    assert.match(lines[0]!.text, /step 1\/2 \(step-1\): its pod was deleted before its log was read/);
    assert.deepEqual(lines[1], { step: 1, text: 'kept line' });
  });

  test('a token for a deleted and re-created job is refused (UID mismatch); status.logs records progress', async () => {
    const space = await ns();
    const job = await new FakeJob(kc, cp.kubelet!.logs, space, 'again', 1).create();
    await job.startStep(0);
    job.append(0, 'a\nb\n');
    await job.finishStep(0);
    await job.complete();
    const { token } = await drain(api.fetcher, startToken(job));
    const custom = kc.makeApiClient(CustomObjectsApi);
    const rec = await (async () => {
      for (let i = 0; i < 50; i++) {
        const j = (await custom.getNamespacedCustomObject({ ...JOBS, namespace: space, name: 'again' })) as { status?: { logs?: { complete?: boolean; linesDelivered?: number; step?: number } } };
        if (j.status?.logs?.complete) return j.status.logs;
        await sleep(100);
      }
      return undefined;
    })();
    assert.equal(rec?.complete, true);
    assert.equal(rec?.linesDelivered, 2);
    assert.equal(rec?.step, 1);
    await custom.deleteNamespacedCustomObject({ ...JOBS, namespace: space, name: 'again' });
    await sleep(200);
    await custom.createNamespacedCustomObject({ ...JOBS, namespace: space, body: { apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name: 'again' }, spec: { sql: 'SELECT 2;' } } });
    let err: unknown;
    for (let i = 0; i < 50; i++) {
      try {
        await api.fetcher.fetch(decodeToken(token));
      } catch (e) {
        err = e;
        if ((e as FetchError).code === 'failed-precondition') break;
      }
      await sleep(100);
    }
    assert.ok(err instanceof FetchError);
    assert.equal(err.code, 'failed-precondition');
    assert.match(err.message, /deleted and a new one .* now has its name/);
  });
});
