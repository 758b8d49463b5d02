// Drain speed: a finished 100 MB step log read to the end through Fetch (the library's path: maxBytes 1 MiB per
// call, continuation reader, back-pressured stream) against `kubectl logs` of the same pod in the same run.
// Ratio = kubectl time ÷ Fetch time (≥ 1 means Fetch is faster). Run: node --import tsx bench/fetch_drain.ts
// Also printed: bytes read from the apiserver per byte delivered (the timestamp prefixes make it > 1) and Fetch calls
// per MB delivered. DRAIN_MB sets the log size; DRAIN_PROF=DIR writes a CPU profile of each Fetch process there.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds } from '../test/fetch/harness.ts';

const CLIENT = fileURLToPath(new URL('./fetch_drain_client.ts', import.meta.url));
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

  const rows: string[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < 3; round++) {
    // Alternate which goes first, so a change in the machine's load (it is shared) does not always favour one side.
    const runKubectl = async () => {
      const t0 = performance.now();
      const r = await cp.kubectl(['logs', '-n', 'drain', job.podName(0), '-c', 'main']);
      if (r.code !== 0) throw new Error(r.stderr);
      return { k: r, kubectlMs: performance.now() - t0 };
    };
    // Fetch runs in a process of its own, as kubectl does: in this one it would share the event loop with the
    // fake kubelet that serves both reads.
    const runFetch = async () => {
      const prof = process.env.DRAIN_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.DRAIN_PROF}`] : [];
      const args = [...prof, '--import', 'tsx', CLIENT, cp.kubeconfigPath, 'drain', 'big', job.uid];
      const child = await new Promise<string>((ok, fail) => execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (err, out) => (err ? fail(err) : ok(out))));
      return JSON.parse(child) as { ms: number; bytes: number; lines: number; calls: number; read: number; requests: number };
    };
    let kr: Awaited<ReturnType<typeof runKubectl>>;
    let fr: Awaited<ReturnType<typeof runFetch>>;
    if (round % 2 === 0) {
      kr = await runKubectl();
      fr = await runFetch();
    } else {
      fr = await runFetch();
      kr = await runKubectl();
    }
    const { k, kubectlMs } = kr;
    const { ms: fetchMs, bytes, lines, calls, read, requests } = fr;
    if (bytes !== k.stdout.length) throw new Error(`fetch delivered ${bytes} bytes, kubectl ${k.stdout.length}`);
    ratios.push(kubectlMs / fetchMs);
    rows.push(
      `round ${round} (${round % 2 === 0 ? 'kubectl first' : 'Fetch first'}): ${(bytes / 1e6).toFixed(1)} MB, ${lines} lines. kubectl logs ${(kubectlMs / 1000).toFixed(2)} s (${(bytes / 1e6 / (kubectlMs / 1000)).toFixed(0)} MB/s); ` +
        `Fetch ${calls} calls ${(fetchMs / 1000).toFixed(2)} s (${(bytes / 1e6 / (fetchMs / 1000)).toFixed(0)} MB/s, read ${(read / 1e6).toFixed(1)} MB, ` +
        `${(read / bytes).toFixed(3)} bytes read per byte delivered, ${(calls / (bytes / 1e6)).toFixed(2)} calls/MB, ${requests} log requests); ` +
        `speed ratio Fetch/kubectl ${(kubectlMs / fetchMs).toFixed(2)}`,
    );
  }
  console.log(rows.join('\n'));
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`median speed ratio Fetch/kubectl over ${sorted.length} rounds: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} (target ≥ 1.0, no round below 0.8)`);
} finally {
  await cp.stop();
}
