// Interleaved Fetch (fetch/interleave.ts) against a real apiserver and the fake kubelet, the job driven by hand
// (harness.ts) so that steps run at once: a step's lines come while an earlier step still runs, each line with its
// step, every line exactly once — also when every call goes to another client process with only the token, and
// through `sqlflow logs -f --interleave` (labels) over the Kubernetes API and over the v1 API (--server). Program
// order (the default) stays: the last test starts a later step's node before an earlier one's, as a DAG does.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { isInterleavedToken } from '../../src/api/interleave_token.ts';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/io.ts';
import { SQLFlowClient } from '../../src/client/index.ts';
import { startApiServer, type ApiServer } from '../../src/server/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds } from './harness.ts';

let cp: ControlPlane;
let kc: KubeConfig;
let server: ApiServer;
const clients: SQLFlowClient[] = [];
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(cp);
  server = await startApiServer({ kc, port: 0, host: '127.0.0.1', auth: 'none' });
});
after(async () => {
  for (const c of clients) await c.close();
  await server?.close();
  await cp?.stop();
  clearInterval(keepAlive);
});

function client(): SQLFlowClient {
  const c = new SQLFlowClient({ kc, namespace: 'default' });
  clients.push(c);
  return c;
}

/** Each step's line texts, in the order received; fails on a line of a step outside 0..n-1. */
function byStep(lines: { step: number; text: string }[], n: number): string[][] {
  const out = Array.from({ length: n }, () => [] as string[]);
  for (const l of lines) {
    assert.ok(l.step >= 0 && l.step < n, `line ${JSON.stringify(l)} has a step in 0..${n - 1}`);
    out[l.step]!.push(l.text);
  }
  return out;
}

describe('interleaved Fetch', () => {
  test("a later step's lines come while an earlier step still runs; each step's lines exactly once, across client processes", async () => {
    await createNamespace(kc, 'il-lib');
    const job = await new FakeJob(kc, cp.kubelet!.logs, 'il-lib', 'two', 3).create();
    await job.startStep(0);
    await job.startStep(1);
    job.append(0, 'a0\n');
    job.append(1, 'b0\nb1\n');
    const [c1, c2] = [client(), client()];
    let token = await c1.tokenFor('two', { namespace: 'il-lib', interleave: true });
    assert.ok(isInterleavedToken(token));
    const got: { step: number; text: string }[] = [];
    // Until step 2's lines have come: step 1 is still running (nothing finished it), so program order could not.
    for (let i = 0; !got.some((l) => l.step === 1 && l.text === 'b1'); i++) {
      assert.ok(i < 200, `step 2's lines while step 1 runs; got ${JSON.stringify(got)}`);
      const r = await c1.fetch(token, { waitSeconds: 5 });
      got.push(...r.lines);
      token = r.token;
      assert.equal(r.eof, false);
    }
    // Many more lines in both, in small reads; every call from the other client (only the token carries state).
    const expected = [['a0'], ['b0', 'b1'], [] as string[]];
    for (let n = 0; n < 300; n++) {
      for (const s of [0, 1]) {
        job.append(s, `${s}-${n}\n`);
        expected[s]!.push(`${s}-${n}`);
      }
    }
    await job.finishStep(1);
    await job.startStep(2);
    job.append(2, 'c0\n');
    expected[2]!.push('c0');
    await job.finishStep(2);
    await job.finishStep(0);
    await job.complete();
    for (let i = 0; ; i++) {
      assert.ok(i < 2000, 'eof');
      const r = await (i % 2 === 0 ? c2 : c1).fetch(token, { waitSeconds: 5, maxBytes: 256 });
      got.push(...r.lines);
      token = r.token;
      if (r.eof) break;
    }
    assert.deepEqual(byStep(got, 3), expected, 'each step\'s lines exactly once, in its own order');
  });

  for (const via of ['the Kubernetes API', 'the v1 API (--server)'] as const) {
    test(`sqlflow logs -f --interleave through ${via}: every line labelled with its step, exactly once`, async () => {
      const ns = via.startsWith('the v1') ? 'il-srv' : 'il-cli';
      await createNamespace(kc, ns);
      const job = await new FakeJob(kc, cp.kubelet!.logs, ns, 'cli', 2).create();
      await job.startStep(0);
      await job.startStep(1);
      job.append(0, 'first step, line 1\n');
      job.append(1, 'second step, line 1\n');
      const out: string[] = [];
      const err: string[] = [];
      const io: Io = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', readFile: (p) => readFile(p, 'utf8') };
      const conn = via.startsWith('the v1') ? ['--server', `http://127.0.0.1:${server.port}`, '--auth-token', 'unused'] : ['--kubeconfig', cp.kubeconfigPath];
      const done = main(['logs', 'cli', '-f', '--interleave', '-n', ns, ...conn], io);
      // Step 2's line is printed while step 1 still runs.
      for (let i = 0; !out.join('').includes('[step-2] second step, line 1\n'); i++) {
        assert.ok(i < 1200, `stdout:\n${out.join('')}\nstderr:\n${err.join('')}`);
        await sleep(50);
      }
      for (let n = 2; n <= 50; n++) {
        job.append(0, `first step, line ${n}\n`);
        job.append(1, `second step, line ${n}\n`);
      }
      await job.finishStep(1);
      await job.finishStep(0);
      await job.complete();
      assert.equal(await done, 0, err.join(''));
      const lines = out.join('').split('\n').filter(Boolean);
      const parsed = lines.map((l) => {
        const m = /^\[step-(\d+)\] (.*)$/.exec(l);
        assert.ok(m, `labelled: ${JSON.stringify(l)}`);
        return { step: Number(m[1]) - 1, text: m[2]! };
      });
      const range = (name: string) => Array.from({ length: 50 }, (_, i) => `${name} step, line ${i + 1}`);
      assert.deepEqual(byStep(parsed, 2), [range('first'), range('second')]);
    });
  }

  test('program order (the default) when a later statement\'s node exists first: each step whole, in order', async () => {
    await createNamespace(kc, 'il-order');
    const job = await new FakeJob(kc, cp.kubelet!.logs, 'il-order', 'order', 3).create();
    await job.startStep(0);
    await job.startStep(2);
    job.append(0, 'a\n');
    job.append(2, 'c\n');
    await job.finishStep(0);
    await job.finishStep(2);
    const c = client();
    let token = await c.tokenFor('order', { namespace: 'il-order' });
    const got: { step: number; text: string }[] = [];
    // Step 1 done, step 2 has no node yet: program order waits for it rather than reading step 3 in its place.
    const early = await c.fetch(token, { waitSeconds: 1 });
    got.push(...early.lines);
    token = early.token;
    await job.startStep(1);
    job.append(1, 'b\n');
    await job.finishStep(1);
    await job.complete();
    for (let i = 0; ; i++) {
      assert.ok(i < 100, 'eof');
      const r = await c.fetch(token, { waitSeconds: 5 });
      got.push(...r.lines);
      token = r.token;
      if (r.eof) break;
    }
    assert.deepEqual(got, [{ step: 0, text: 'a' }, { step: 1, text: 'b' }, { step: 2, text: 'c' }]);
  });
});
