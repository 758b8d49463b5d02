// GET /api/v1/namespaces/{ns}/pods/{pod}/log over node:https with the kubeconfig's credentials.
//
// Not client-node's Log class: 2.0.1 crashes the process on a mid-stream connection reset (unhandled 'error'), loses
// non-200 bodies and cannot send limitBytes=0. Here every failure is an error value with the apiserver's message.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { sinceTimeParam } from './cursor.ts';

export interface PodLogQuery {
  namespace: string;
  pod: string;
  container: string;
  /** Whole second for sinceTime; 0 or undefined = the whole log. */
  sinceSec?: number;
  follow?: boolean;
  limitBytes?: number;
}

/** A non-200 answer to a log request, with the apiserver's (or kubelet's) message. */
export class PodLogError extends Error {
  override readonly name = 'PodLogError';
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
  /** 400 "container ... is waiting to start" / "ContainerCreating" / "PodInitializing": not an error, just early. */
  get waiting(): boolean {
    return this.code === 400 && /waiting to start|ContainerCreating|PodInitializing|is not available|does not have a host/i.test(this.message);
  }
}

/** Bytes received from the apiserver's log endpoint by this process (read amplification = this / bytes delivered). */
export const podLogStats = { bytesRead: 0, requests: 0 };

export function podLogPath(q: PodLogQuery): string {
  const p = new URLSearchParams({ container: q.container, timestamps: 'true' });
  if (q.follow) p.set('follow', 'true');
  if (q.sinceSec) p.set('sinceTime', sinceTimeParam(q.sinceSec));
  if (q.limitBytes !== undefined) p.set('limitBytes', String(q.limitBytes));
  return `/api/v1/namespaces/${encodeURIComponent(q.namespace)}/pods/${encodeURIComponent(q.pod)}/log?${p}`;
}

/** Opens the log stream; resolves on a 200 with the response (paused until read), rejects with PodLogError otherwise. */
export async function openPodLog(kc: KubeConfig, q: PodLogQuery, signal?: AbortSignal): Promise<http.IncomingMessage> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(podLogPath(q), cluster.server);
  const opts: https.RequestOptions = { method: 'GET', headers: {} };
  await kc.applyToHTTPSOptions(opts);
  if (signal) opts.signal = signal;
  podLogStats.requests++;
  const mod = url.protocol === 'http:' ? http : https;
  const res = await new Promise<http.IncomingMessage>((ok, fail) => {
    const req = mod.request(url, opts, ok);
    req.on('error', fail);
    // Connect and headers must come within 30 s; a follow stream is then quiet as long as the container is.
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${url.pathname}: no answer within 30 s`)));
    req.on('response', () => req.setTimeout(0));
    req.end();
  });
  if (res.statusCode === 200) return res;
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res) {
      if (n < 65536) chunks.push(c as Buffer);
      n += (c as Buffer).length;
    }
  } catch {
    // the message is best effort
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let message = text.trim().slice(0, 500);
  try {
    const st = JSON.parse(text) as { message?: string };
    if (st.message) message = st.message;
  } catch {
    // plain text
  }
  throw new PodLogError(res.statusCode ?? 0, `log of pod ${q.namespace}/${q.pod}: ${res.statusCode} ${message}`);
}
