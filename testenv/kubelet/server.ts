// The fake kubelet's HTTPS endpoint: GET /containerLogs/{ns}/{pod}/{container} with
// the kubelet's query semantics, which the apiserver reaches when a client asks for
// GET /api/v1/namespaces/{ns}/pods/{name}/log.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { formatTimestamp, parseTimestamp, type ContainerLog, type LogStore } from './logstore.ts';

interface Query {
  follow: boolean;
  timestamps: boolean;
  since?: bigint;
  tailLines?: number;
  limitBytes?: number;
}

class BadRequest extends Error {}

function parseQuery(url: URL): Query {
  const p = url.searchParams;
  const int = (name: string): number | undefined => {
    const v = p.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new BadRequest(`${name}=${v} must be a non-negative integer`);
    return n;
  };
  const q: Query = { follow: p.get('follow') === 'true', timestamps: p.get('timestamps') === 'true' };
  const tail = int('tailLines');
  if (tail !== undefined) q.tailLines = tail;
  const limit = int('limitBytes');
  if (limit !== undefined) q.limitBytes = limit;
  const sinceTime = p.get('sinceTime');
  const sinceSeconds = int('sinceSeconds');
  if (sinceTime !== null) {
    const t = parseTimestamp(sinceTime);
    if (t === undefined) throw new BadRequest(`sinceTime=${sinceTime} is not RFC3339`);
    q.since = t;
  } else if (sinceSeconds !== undefined) {
    q.since = (BigInt(Date.now()) - BigInt(sinceSeconds) * 1000n) * 1_000_000n;
  }
  return q;
}

/** Writes a container's log to `res` following the kubelet: tail first, then since, timestamps, limitBytes, follow. */
function serveLog(log: ContainerLog, q: Query, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.flushHeaders(); // a follower of an empty log must still get its 200 at once
  let i = q.tailLines === undefined ? 0 : Math.max(0, log.records.length - q.tailLines);
  let sentInRecord = 0; // bytes of records[i] already written (a record may still grow)
  let budget = q.limitBytes ?? Infinity;
  let done = false;

  // Output is batched into writes of up to 64 KiB and paused while the socket is full, as a real kubelet streams:
  // one write per record (two with timestamps) made this fake, not the reader under test, the bottleneck.
  let batch: Buffer[] = [];
  let batchLen = 0;
  let waitingDrain = false;
  let stamp = { time: -1n, prefix: Buffer.alloc(0) };
  const flush = (): boolean => {
    if (batchLen === 0) return true;
    const ok = res.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchLen));
    batch = [];
    batchLen = 0;
    return ok;
  };
  const finish = () => {
    if (done) return;
    done = true;
    log.events.off('change', pump);
    flush();
    res.end();
  };
  const write = (b: Buffer) => {
    if (b.length > budget) b = b.subarray(0, budget);
    budget -= b.length;
    batch.push(b);
    batchLen += b.length;
  };
  const prefix = (time: bigint): Buffer => {
    if (stamp.time !== time) stamp = { time, prefix: Buffer.from(formatTimestamp(time) + ' ') };
    return stamp.prefix;
  };
  function pump(): void {
    if (done || waitingDrain) return;
    while (i < log.records.length && budget > 0) {
      const rec = log.records[i]!;
      const fresh = sentInRecord === 0;
      if (fresh && q.since !== undefined && rec.time < q.since) {
        i++;
        continue;
      }
      if (rec.data.length > sentInRecord) {
        if (fresh && q.timestamps) write(prefix(rec.time));
        if (budget > 0) write(rec.data.subarray(sentInRecord));
        sentInRecord = rec.data.length;
      }
      if (rec.data.at(-1) !== 0x0a && i === log.records.length - 1 && !log.finished) break; // may still grow
      i++;
      sentInRecord = 0;
      if (batchLen >= 65536 && !flush()) {
        waitingDrain = true;
        res.once('drain', () => {
          waitingDrain = false;
          pump();
        });
        return;
      }
    }
    flush();
    if (budget <= 0 || !q.follow || log.finished) finish();
  }
  if (q.follow) {
    log.events.on('change', pump);
    req.on('close', finish);
  }
  pump();
}

export interface KubeletServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startKubeletServer(store: LogStore, tls: { cert: string; key: string }): Promise<KubeletServer> {
  const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`404 page not found\n`);
      return;
    }
    const [ns, pod, container] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent) as [string, string, string];
    let q: Query;
    try {
      q = parseQuery(url);
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${(e as Error).message}\n`);
      return;
    }
    const log = store.get(ns, pod, container);
    if (!log) {
      const msg = store.hasPod(ns, pod)
        ? `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`
        : `pod "${ns}/${pod}" not found on this node`;
      res.writeHead(store.hasPod(ns, pod) ? 400 : 404, { 'Content-Type': 'text/plain' }).end(msg + '\n');
      return;
    }
    serveLog(log, q, req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
