// The Fetch side of bench/fetch_drain.ts, in its own process as kubectl is: drains one job's
// step log through Fetch and prints {ms, bytes, lines, calls, read, requests} as JSON.
// Args: KUBECONFIG NAMESPACE JOB UID
import { KubeConfig } from '@kubernetes/client-node';
import { decodeToken, encodeToken } from '../src/api/token.ts';
import { ReaderCache } from '../src/fetch/cache.ts';
import { Fetcher } from '../src/fetch/fetch.ts';
import { podLogStats } from '../src/fetch/podlog.ts';
import { JobSource } from '../src/fetch/source.ts';
import { StatusRecorder } from '../src/fetch/status.ts';
import { Resources } from '../src/kube/resources.ts';

const [kubeconfig, namespace, job, uid] = process.argv.slice(2) as [string, string, string, string];
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const source = new JobSource(kc, { namespace });
await source.start();
const fetcher = new Fetcher({ kc, source, cache: new ReaderCache(), status: new StatusRecorder(new Resources(kc)) });
const t0 = performance.now();
let token = encodeToken({ namespace, job, uid, workflow: '', step: 0, nodeID: '', cursor: { sec: 0, k: 0, bytes: 0 }, lines: 0 });
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
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, bytes, lines, calls, read: podLogStats.bytesRead, requests: podLogStats.requests }));
await source.stop();
process.exit(0);
