// Read amplification of Fetch: bytes the apiserver returned ÷ bytes delivered, for one step writing 10 MB while a
// client fetches every 200 ms. Three clients read the same live step:
//   cached   — one API process, continuation readers (the default);
//   fresh    — no reader cache: every Fetch is a fresh sinceTime read (what a cache miss costs, every time);
// Delivered bytes are counted as the kubelet frames them (timestamp prefix + line + newline, what a single
// `kubectl logs --timestamps` of the same lines returns) and as bare content.
// Run: node --import tsx bench/fetch_amplification.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeToken, encodeToken } from '../src/api/token.ts';
import { ReaderCache } from '../src/fetch/cache.ts';
import { Fetcher } from '../src/fetch/fetch.ts';
import { podLogStats } from '../src/fetch/podlog.ts';
import { JobSource } from '../src/fetch/source.ts';
import { StatusRecorder } from '../src/fetch/status.ts';
import { startControlPlane } from '../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds } from '../test/fetch/harness.ts';
import { Resources } from '../src/kube/resources.ts';

const TOTAL = 10 * 1024 * 1024;
const LINE = 120; // bytes of content per line
const PREFIX = 31; // "2026-01-01T00:00:00.123456789Z "

const cp = await startControlPlane();
try {
  const kc = cp.kubeConfig();
  await installCrds(cp);
  const results: string[] = [];
  for (const mode of ['cached', 'fresh'] as const) {
    const ns = `amp-${mode}`;
    await createNamespace(kc, ns);
    const job = await new FakeJob(kc, cp.kubelet!.logs, ns, 'amp', 1).create();
    const source = new JobSource(kc, { namespace: ns });
    await source.start();
    const cache = mode === 'cached' ? new ReaderCache() : false;
    const fetcher = new Fetcher({ kc, source, cache, status: new StatusRecorder(new Resources(kc)) });
    await job.startStep(0);
    // Writer: 10 MB at about 2 MB/s in 10 ms chunks, with the current time as timestamps.
    const writer = (async () => {
      let written = 0;
      let n = 0;
      while (written < TOTAL) {
        let chunk = '';
        for (let i = 0; i < 160 && written < TOTAL; i++) {
          const head = `line ${n++} `;
          const l = head + 'x'.repeat(LINE - head.length) + '\n';
          chunk += l;
          written += l.length;
        }
        job.append(0, chunk);
        await sleep(10);
      }
      await job.finishStep(0);
      await job.complete();
    })();
    const before = podLogStats.bytesRead;
    let token = encodeToken({ namespace: ns, job: 'amp', uid: job.uid, workflow: '', step: 0, nodeID: '', cursor: { sec: 0, k: 0, bytes: 0 }, lines: 0 });
    let content = 0;
    let framed = 0;
    let calls = 0;
    const t0 = Date.now();
    for (;;) {
      const r = await fetcher.fetch(decodeToken(token), { maxBytes: 4 * 1024 * 1024 });
      calls++;
      for (const l of r.lines) {
        content += Buffer.byteLength(l.text) + 1;
        framed += Buffer.byteLength(l.text) + 1 + PREFIX;
      }
      token = r.token;
      if (r.eof) break;
      await sleep(200);
    }
    await writer;
    const read = podLogStats.bytesRead - before;
    results.push(
      `${mode.padEnd(7)} calls ${String(calls).padStart(4)}  ${((Date.now() - t0) / 1000).toFixed(1)} s  apiserver bytes ${(read / 1e6).toFixed(2)} MB  ` +
        `delivered ${(content / 1e6).toFixed(2)} MB content / ${(framed / 1e6).toFixed(2)} MB framed  ` +
        `amplification ${(read / framed).toFixed(3)} (vs framed)  ${(read / content).toFixed(3)} (vs content)` +
        (cache ? `  cache hits ${cache.stats.hits} misses ${cache.stats.misses}` : ''),
    );
    if (cache) cache.close();
    await source.stop();
  }
  console.log(results.join('\n'));
} finally {
  await cp.stop();
}
