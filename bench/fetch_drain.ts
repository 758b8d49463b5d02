// Drain speed: a finished 100 MB step log read to the end through Fetch (the library's path: maxBytes 1 MiB per
// call, continuation reader, back-pressured stream) against `kubectl logs` of the same pod in the same run.
// Ratio = kubectl time ÷ Fetch time (≥ 1 means Fetch is faster). Run: node --import tsx bench/fetch_drain.ts
import { CustomObjectsApi } from '@kubernetes/client-node';
import { decodeToken, encodeToken } from '../src/api/token.ts';
import { ReaderCache } from '../src/fetch/cache.ts';
import { Fetcher } from '../src/fetch/fetch.ts';
import { podLogStats } from '../src/fetch/podlog.ts';
import { JobSource } from '../src/fetch/source.ts';
import { StatusRecorder } from '../src/fetch/status.ts';
import { startControlPlane } from '../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds } from '../test/fetch/harness.ts';

const TOTAL = Number(process.env.DRAIN_MB ?? 100) * 1024 * 1024;
const LINE = 100;

const cp = await startControlPlane();
try {
  const kc = cp.kubeConfig();
  await installCrds(cp);
  await createNamespace(kc, 'drain');
  const job = await new FakeJob(kc, cp.kubelet!.logs, 'drain', 'big', 1).create();
  await job.startStep(0);
  let written = 0;
  let n = 0;
  let t = 1_767_225_600_000_000_000n;
  while (written < TOTAL) {
    let chunk = '';
    for (let i = 0; i < 1000; i++) {
      const head = `line ${n++} `;
      chunk += head + 'y'.repeat(LINE - head.length - 1) + '\n';
    }
    job.append(0, chunk, t);
    t += 10_000_000n;
    written += chunk.length;
  }
  await job.finishStep(0);
  await job.complete();
  const source = new JobSource(kc, { namespace: 'drain' });
  await source.start();
  const fetcher = new Fetcher({ kc, source, cache: new ReaderCache(), status: new StatusRecorder(kc.makeApiClient(CustomObjectsApi)) });

  const rows: string[] = [];
  for (let round = 0; round < 3; round++) {
    let t0 = performance.now();
    const k = await cp.kubectl(['logs', '-n', 'drain', job.podName(0), '-c', 'main']);
    const kubectlMs = performance.now() - t0;
    if (k.code !== 0) throw new Error(k.stderr);
    t0 = performance.now();
    const before = podLogStats.bytesRead;
    let token = encodeToken({ namespace: 'drain', job: 'big', uid: job.uid, workflow: '', step: 0, nodeID: '', cursor: { sec: 0, k: 0, bytes: 0 }, lines: 0 });
    let bytes = 0;
    let lines = 0;
    let calls = 0;
    for (;;) {
      const r = await fetcher.fetch(decodeToken(token), { maxBytes: 1024 * 1024 });
      calls++;
      for (const l of r.lines) bytes += l.text.length + 1;
      lines += r.lines.length;
      token = r.token;
      if (r.eof) break;
    }
    const fetchMs = performance.now() - t0;
    if (bytes !== k.stdout.length) throw new Error(`fetch delivered ${bytes} bytes, kubectl ${k.stdout.length}`);
    rows.push(
      `round ${round}: ${(bytes / 1e6).toFixed(1)} MB, ${lines} lines. kubectl logs ${(kubectlMs / 1000).toFixed(2)} s (${(bytes / 1e6 / (kubectlMs / 1000)).toFixed(0)} MB/s); ` +
        `Fetch ${calls} calls ${(fetchMs / 1000).toFixed(2)} s (${(bytes / 1e6 / (fetchMs / 1000)).toFixed(0)} MB/s, read ${((podLogStats.bytesRead - before) / 1e6).toFixed(1)} MB); ` +
        `speed ratio Fetch/kubectl ${(kubectlMs / fetchMs).toFixed(2)}`,
    );
  }
  console.log(rows.join('\n'));
  await source.stop();
} finally {
  await cp.stop();
}
