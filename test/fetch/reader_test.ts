// LogReader (fetch/reader.ts) against a real apiserver and the fake kubelet: a reader opened at a cursor reports that
// cursor until it has skipped all k lines, never a position before it. A cursor that went back while skipping was
// handed out by a Fetch stopped mid-skip (interleave.ts stops the reads that did not move); if that reader was then
// closed, the fresh read at the earlier position delivered the lines between a second time (ci13: the last four
// lines of a step twice).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { START_CURSOR } from '../../src/api/token.ts';
import { LogReader } from '../../src/fetch/reader.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds } from './harness.ts';

let cp: ControlPlane;
let kc: KubeConfig;
before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(cp);
});
after(async () => {
  await cp?.stop();
});

async function until(what: string, ok: () => boolean): Promise<void> {
  const stop = Date.now() + 30_000;
  while (!ok()) {
    assert.ok(Date.now() < stop, `timed out waiting for ${what}`);
    await tick();
  }
}

test('a reader opened at a cursor reports that cursor while it still skips, then continues after it', async () => {
  await createNamespace(kc, 'reader');
  const job = await new FakeJob(kc, cp.kubelet!.logs, 'reader', 'skip', 1).create();
  await job.startStep(0);
  // Enough lines that skipping them takes many chunks of the answer.
  const n = 40_000;
  job.append(0, Array.from({ length: n }, (_, i) => `line ${i}\n`).join(''));
  const target = { namespace: 'reader', pod: job.podName(0), podUID: '', container: 'main' };

  const first = await LogReader.open(kc, { ...target, cursor: { ...START_CURSOR }, follow: true });
  let taken = 0;
  await until('the first reader to queue every line', () => {
    taken += first.take(1 << 30).length;
    return taken === n;
  });
  const end = first.cursor();
  first.close();
  assert.equal(end.k, n, 'all lines are in the same second or the one before (one append)');

  const second = await LogReader.open(kc, { ...target, cursor: end, follow: true });
  await until('some of the answer to arrive', () => second.bytesRead > 0);
  assert.ok(second.bytesRead < end.bytes, `still skipping: ${second.bytesRead} of ${end.bytes} bytes read`);
  assert.deepEqual(second.take(1 << 20), [], 'nothing to take while skipping');
  assert.deepEqual(second.cursor(), end, 'the cursor it was opened at, not a position before it');
  await until('the skip to finish', () => second.bytesRead >= end.bytes);
  assert.deepEqual(second.cursor(), end, 'after the skip: the same canonical cursor');

  job.append(0, 'after\n');
  await until('the new line', () => second.available() > 0);
  assert.deepEqual(second.take(1 << 20).map((l) => l.text), ['after']);
  assert.equal(second.cursor().k, n + 1);
  second.close();
});
