// Raw list and watch over the runtime's one HTTP client (http.ts).
//
// Why not client-node's Watch (2.0.1, dist/watch.js)? It aborts any watch after a hard-coded, private 30 s without
// bytes (quiet resources reconnect every 30 s), silently drops lines it cannot parse, and turns a non-200 answer
// into Error(statusText), losing the Status body that tells "410 Expired" from a 403. Here the idle limit is ours
// (the informer's watchdog), a corrupt stream is an error, and errors keep the apiserver's Status. Listing over the
// same path keeps the informer generic: it needs a collection path, not a generated list function per kind.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { KubeStatus } from './errors.ts';
import { failure, KubeHttp, type Query } from './http.ts';

export type { Query } from './http.ts';

export interface ListPage<T extends KubernetesObject = KubernetesObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent<T extends KubernetesObject = KubernetesObject> {
  type: WatchEventType;
  /** The object; for ERROR a Status. */
  object: T & KubeStatus;
}

/** The watch saw no bytes (not even a bookmark) for idleTimeoutMs: the connection is presumed dead. */
export class WatchIdleError extends Error {
  constructor(ms: number) {
    super(`watch received nothing for ${ms} ms`);
    this.name = 'WatchIdleError';
  }
}

export interface WatchOptions {
  signal: AbortSignal;
  /** Destroy the connection if no bytes arrive for this long (0 = never). */
  idleTimeoutMs: number;
}

/** What the informer needs from the network; tests substitute a fake or wrap the real one. */
export interface ListWatchTransport {
  list(path: string, query: Query, signal: AbortSignal): Promise<ListPage>;
  /** Resolves when the server ends the stream cleanly (or the signal aborts); rejects on any error. */
  watch(path: string, query: Query, onEvent: (ev: WatchEvent) => void, opts: WatchOptions): Promise<void>;
}

export class RestTransport implements ListWatchTransport {
  readonly http: KubeHttp;
  /** Socket inactivity limit for lists and for a watch's connect phase. */
  readonly requestTimeoutMs: number;
  constructor(kc: KubeConfig | KubeHttp, requestTimeoutMs = 60_000) {
    this.http = kc instanceof KubeHttp ? kc : KubeHttp.for(kc);
    this.requestTimeoutMs = requestTimeoutMs;
  }

  async list(path: string, query: Query, signal: AbortSignal): Promise<ListPage> {
    const { res } = await this.http.open('GET', path, { query, signal, timeoutMs: this.requestTimeoutMs });
    if (res.statusCode !== 200) return await failure(res, 'GET', path);
    res.setEncoding('utf8');
    let text = '';
    for await (const chunk of res) text += chunk;
    return JSON.parse(text) as ListPage;
  }

  async watch(path: string, query: Query, onEvent: (ev: WatchEvent) => void, opts: WatchOptions): Promise<void> {
    // The timeout bounds the connect phase; once headers arrive the informer's watchdog (idleTimeoutMs) takes over.
    const { req, res } = await this.http.open('GET', path, {
      query: { ...query, watch: 'true' },
      signal: opts.signal,
      timeoutMs: opts.idleTimeoutMs > 0 ? opts.idleTimeoutMs : this.requestTimeoutMs,
    });
    if (res.statusCode !== 200) return await failure(res, 'GET', path);
    req.setTimeout(0);
    res.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        opts.signal.removeEventListener('abort', onAbort);
        if (err) {
          res.destroy();
          reject(err);
        } else resolve();
      };
      const onAbort = (): void => {
        res.destroy();
        finish();
      };
      const arm = (): void => {
        if (opts.idleTimeoutMs <= 0) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => finish(new WatchIdleError(opts.idleTimeoutMs)), opts.idleTimeoutMs);
      };
      if (opts.signal.aborted) return onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      arm();
      res.on('data', (chunk: string) => {
        arm();
        buf += chunk;
        let nl: number;
        while (!settled && (nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line === '') continue;
          let ev: WatchEvent;
          try {
            ev = JSON.parse(line) as WatchEvent;
          } catch {
            return finish(new Error(`watch ${path}: undecodable event: ${line.slice(0, 200)}`));
          }
          try {
            onEvent(ev);
          } catch (err) {
            return finish(err instanceof Error ? err : new Error(String(err)));
          }
        }
      });
      res.on('end', () => finish());
      res.on('error', (err) => finish(opts.signal.aborted ? undefined : err));
      // A connection reset after headers may surface only as 'close' with an incomplete body.
      res.on('close', () => {
        if (!res.complete && !opts.signal.aborted) finish(new Error(`watch ${path}: connection closed mid-stream`));
        else finish();
      });
    });
  }
}
