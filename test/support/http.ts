// Raw HTTPS requests to the apiserver with a KubeConfig's credentials, for tests that
// need exact status codes, query parameters or streaming.
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RawResponse {
  status: number;
  body: string;
}

export async function open(kc: KubeConfig, method: string, path: string, body?: unknown): Promise<IncomingMessage> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const opts: import('node:https').RequestOptions = { method, headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload) (opts.headers as Record<string, string>)['Content-Type'] = 'application/json';
  return new Promise((ok, fail) => {
    const req = request(url, opts, ok);
    req.on('error', fail);
    req.end(payload);
  });
}

export async function raw(kc: KubeConfig, method: string, path: string, body?: unknown): Promise<RawResponse> {
  const res = await open(kc, method, path, body);
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
