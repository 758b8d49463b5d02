// A list-watch informer that keeps going.
//
// client-node's own informer (ListWatch in dist/cache.js) stops for good on any error other than 410 and reports its
// own stop() as an error, has no pagination, no bookmarks, no resync and no watchdog. This one runs a single loop:
//   list (paginated, selectors applied) -> diff into the cache -> watch from the list's resourceVersion
//   -> on clean close: re-watch from the last resourceVersion
//   -> on 410 Gone, an apiserver error status or a watchdog timeout: relist (the diff synthesises the
//      add/update/delete we missed)
//   -> on network errors: re-watch after jittered exponential backoff
//   -> every relistIntervalMs: relist anyway, in case a watch silently lost events (stalls behind proxies are a known
//      failure mode that no error reports).
// A periodic relist stops the watch first and re-watches from the new list's resourceVersion, so a list can never
// overwrite newer state delivered by a concurrent watch.
import { EventEmitter } from 'node:events';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { expBackoff, jitter, sleep } from './backoff.ts';
import { KubeHttpError, isGone } from './errors.ts';
import { type Logger, silentLogger } from './logger.ts';
import { type ListWatchTransport, type Query, RestTransport, type WatchEvent, WatchIdleError } from './rest.ts';
import { Store, objectKey } from './store.ts';

export interface InformerHandlers<T extends KubernetesObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** Gets the last known state (from the DELETED event, or the cache when a relist found it gone). */
  delete?(obj: T): void;
}

/** Why the watch was (re)started; 'error' and 'list-error' carry the error. */
export type RestartReason = 'closed' | 'watchdog' | 'gone' | 'relist' | 'error' | 'list-error';

export interface RestartInfo {
  reason: RestartReason;
  error?: unknown;
  /** Delay before the next attempt (0 = immediate). */
  delayMs: number;
}

export interface RelistInfo {
  items: number;
  added: number;
  updated: number;
  deleted: number;
  resourceVersion: string;
}

export interface InformerEventMap {
  /** Every watch restart, for a `watch_restarts_total{reason}` counter. */
  restart: [RestartInfo];
  /** Every completed list+diff. */
  relist: [RelistInfo];
  /** First successful list. */
  synced: [];
  /** A registered handler threw; the informer carries on. */
  handlerError: [{ event: 'add' | 'update' | 'delete'; key: string; error: unknown }];
}

export interface InformerOptions {
  /** Collection path, e.g. /api/v1/namespaces/ns/configmaps or /apis/argoproj.io/v1alpha1/workflows. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per list page (limit/continue). Default 500, client-go's page size. */
  pageSize?: number;
  /** Full relist + diff this often; 0 disables. Default 10 min. */
  relistIntervalMs?: number;
  /** Restart the watch when nothing, not even a bookmark, arrives this long; 0 disables. Default 150 s: the watch
   *  cache sends a bookmark about every minute, and the server-side timeout below ends the watch anyway. */
  watchdogMs?: number;
  /** Server-side watch timeout, randomised in [min, 2*min) like client-go (spreads reconnects). Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Backoff for failed lists/watches: base doubles per consecutive failure up to max. Default 500 ms .. 30 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Label keys to index in the store (store.byLabel). */
  indexLabels?: readonly string[];
  logger?: Logger;
  /** Replaces the HTTP transport (tests). */
  transport?: ListWatchTransport;
  /** Applied to every listed or watched object before it is stored or handed to handlers: drop what no reader
   *  needs (as client-go's SetTransform), so the cache holds a fraction of each object. Must keep metadata's
   *  name, namespace, uid, resourceVersion and the indexed labels. */
  transform?: <O extends KubernetesObject>(obj: O) => O;
}

/** A watch that lived this long or delivered an event counts as healthy and resets the backoff. */
const HEALTHY_WATCH_MS = 10_000;

class GoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoneError';
  }
}

export class Informer<T extends KubernetesObject = KubernetesObject> extends EventEmitter<InformerEventMap> {
  readonly store: Store<T>;
  readonly path: string;
  private readonly transform: ((obj: T) => T) | undefined;
  /** Counters for metrics and tests. */
  readonly stats = { watchRestarts: 0, relists: 0, events: 0, handlerErrors: 0 };

  private readonly opts: Required<
    Pick<InformerOptions, 'pageSize' | 'relistIntervalMs' | 'watchdogMs' | 'watchTimeoutSeconds' | 'backoffBaseMs' | 'backoffMaxMs'>
  >;
  private readonly selectors: Query;
  private readonly transport: ListWatchTransport;
  private readonly log: Logger;
  private readonly handlers: InformerHandlers<T>[] = [];

  private resourceVersion = '';
  private synced = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  /** Aborts the current list or watch; `abortReason` says why, so the loop can tell relist from stop. */
  private current: AbortController | undefined;
  private abortReason: RestartReason | undefined;
  private readonly stopCtl = new AbortController();
  private syncWaiters: (() => void)[] = [];

  constructor(kc: KubeConfig | undefined, opts: InformerOptions) {
    super();
    if (!kc && !opts.transport) throw new Error('Informer needs a KubeConfig or a transport');
    this.path = opts.path;
    this.transform = opts.transform;
    this.store = new Store<T>(opts.indexLabels ?? []);
    this.transport = opts.transport ?? new RestTransport(kc as KubeConfig);
    this.log = (opts.logger ?? silentLogger).child({ informer: opts.path });
    this.opts = {
      pageSize: opts.pageSize ?? 500,
      relistIntervalMs: opts.relistIntervalMs ?? 10 * 60_000,
      watchdogMs: opts.watchdogMs ?? 150_000,
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300,
      backoffBaseMs: opts.backoffBaseMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000,
    };
    this.selectors = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  }

  /**
   * Register handlers. Called synchronously in event order; a throwing handler is logged and counted, never fatal.
   * Registered after the first sync, `add` is replayed for everything already cached (as client-go does).
   * Returns a function that unregisters.
   */
  addHandler(h: InformerHandlers<T>): () => void {
    this.handlers.push(h);
    if (this.synced && h.add) for (const o of this.store.list()) this.call(h, 'add', objectKey(o), () => h.add?.(o));
    return () => {
      const i = this.handlers.indexOf(h);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Start the loop; returns at once. Use waitForSync() to wait for the cache. */
  start(): void {
    if (this.loop) return;
    if (this.stopping) throw new Error('informer was stopped; create a new one');
    this.loop = this.run();
    if (this.opts.relistIntervalMs > 0) {
      this.relistTimer = setInterval(() => this.relistNow(), this.opts.relistIntervalMs);
      this.relistTimer.unref();
    }
  }

  /** Stop for good and wait for the loop to exit. Never triggers a restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.relistTimer) clearInterval(this.relistTimer);
    this.stopCtl.abort();
    this.current?.abort();
    await this.loop;
    for (const w of this.syncWaiters) w();
    this.syncWaiters = [];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first successful list; rejects after timeoutMs (if given) or when stopped first. */
  waitForSync(timeoutMs?: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => reject(new Error(`informer ${this.path} did not sync within ${timeoutMs} ms`)), timeoutMs);
      this.syncWaiters.push(() => {
        if (timer) clearTimeout(timer);
        if (this.synced) resolve();
        else reject(new Error(`informer ${this.path} stopped before syncing`));
      });
    });
  }

  /** The resourceVersion the next watch would start from. */
  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Interrupt the current watch and relist now (the periodic timer calls this). */
  relistNow(): void {
    if (this.stopping) return;
    this.abortReason = 'relist';
    this.current?.abort();
  }

  /** A method, not a field read, so TypeScript does not narrow it across the awaits that set it. */
  private interruption(): RestartReason | undefined {
    return this.abortReason;
  }

  private async run(): Promise<void> {
    let needList = true;
    let attempt = 0;
    while (!this.stopping) {
      const startedAt = Date.now();
      const eventsBefore = this.stats.events;
      let listing = false;
      let reason: RestartReason;
      let error: unknown;
      this.current = new AbortController();
      this.abortReason = undefined;
      try {
        if (needList) {
          listing = true;
          await this.listAndReplace(this.current.signal);
          listing = false;
          needList = false;
        }
        await this.transport.watch(
          this.path,
          {
            ...this.selectors,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: Math.floor(this.opts.watchTimeoutSeconds * (1 + Math.random())),
          },
          (ev) => this.onWatchEvent(ev),
          { signal: this.current.signal, idleTimeoutMs: this.opts.watchdogMs },
        );
        reason = this.interruption() ?? 'closed';
      } catch (err) {
        const why = this.interruption();
        if (why) reason = why;
        else if (err instanceof GoneError || isGone(err)) reason = 'gone';
        else if (err instanceof WatchIdleError) reason = 'watchdog';
        else {
          reason = listing ? 'list-error' : 'error';
          error = err;
        }
      }
      if (this.stopping) break;
      // Relist when the apiserver itself refused us (410, "too large resourceVersion" 504, 5xx status events):
      // our resourceVersion may be the problem. Also after a watchdog timeout: kube-apiserver 1.37 answers a watch
      // from a resourceVersion older than its watch cache with headers and then silence (checked: no 410, no
      // bookmark), so re-watching from the same resourceVersion would stall forever. Network errors just re-watch.
      if (
        reason === 'gone' ||
        reason === 'relist' ||
        reason === 'watchdog' ||
        (reason === 'error' && error instanceof KubeHttpError)
      ) {
        needList = true;
      }
      const healthy = this.stats.events > eventsBefore || Date.now() - startedAt >= HEALTHY_WATCH_MS;
      if (healthy && !listing) attempt = 0;
      const benign = reason === 'closed' || reason === 'watchdog' || reason === 'gone' || reason === 'relist';
      const delayMs =
        benign && attempt === 0 ? 0 : jitter(expBackoff(attempt, this.opts.backoffBaseMs, this.opts.backoffMaxMs));
      attempt++;
      this.stats.watchRestarts++;
      const info: RestartInfo = error === undefined ? { reason, delayMs } : { reason, error, delayMs };
      const level = reason === 'error' || reason === 'list-error' ? 'warn' : 'debug';
      this.log[level]('watch restarting', {
        reason,
        delayMs: Math.round(delayMs),
        resourceVersion: this.resourceVersion,
        ...(error !== undefined ? { err: error } : {}),
      });
      this.safeEmit('restart', info);
      await sleep(delayMs, this.stopCtl.signal);
    }
    this.current = undefined;
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.transport.list(
        this.path,
        { ...this.selectors, limit: this.opts.pageSize, continue: cont },
        signal,
      );
      // Every page of one paginated list is the same snapshot; the first page's resourceVersion is the list's.
      if (rv === '') rv = page.metadata?.resourceVersion ?? '';
      // List items come without apiVersion/kind; fill them so cached objects look like watched ones.
      const kind = page.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
      for (const it of page.items ?? []) {
        const o = it as T;
        if (!o.apiVersion && page.apiVersion) o.apiVersion = page.apiVersion;
        if (!o.kind && kind) o.kind = kind;
        items.push(this.transform ? this.transform(o) : o);
      }
      cont = page.metadata?.continue || undefined;
    } while (cont);
    this.replace(items, rv);
  }

  /** Make the cache equal to a fresh list, dispatching the differences as events. */
  private replace(items: T[], rv: string): void {
    const seen = new Set<string>();
    let added = 0;
    let updated = 0;
    let deleted = 0;
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const prev = this.store.set(obj);
      if (!prev) {
        added++;
        this.dispatch('add', key, obj);
      } else if (prev.metadata?.uid !== obj.metadata?.uid) {
        // Deleted and recreated under the same name while we were not looking.
        deleted++;
        added++;
        this.dispatch('delete', key, prev);
        this.dispatch('add', key, obj);
      } else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        updated++;
        this.dispatch('update', key, obj, prev);
      }
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const prev = this.store.delete(key);
      if (prev) {
        deleted++;
        this.dispatch('delete', key, prev);
      }
    }
    this.resourceVersion = rv;
    this.stats.relists++;
    this.log.debug('relisted', { items: items.length, added, updated, deleted, resourceVersion: rv });
    this.safeEmit('relist', { items: items.length, added, updated, deleted, resourceVersion: rv });
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters) w();
      this.syncWaiters = [];
      this.safeEmit('synced');
    }
  }

  /** Runs inside the transport's data callback; throwing ends the watch (410 / error status). */
  private onWatchEvent(ev: WatchEvent): void {
    this.stats.events++;
    const raw = ev.object as unknown as T;
    const obj = this.transform && ev.type !== 'ERROR' && ev.type !== 'BOOKMARK' ? this.transform(raw) : raw;
    switch (ev.type) {
      case 'ERROR': {
        const code = ev.object?.code ?? 500;
        const msg = ev.object?.message ?? 'watch error event';
        if (code === 410) throw new GoneError(msg);
        throw new KubeHttpError(code, `watch ${this.path}: ${msg}`, ev.object);
      }
      case 'BOOKMARK':
        break;
      case 'ADDED':
      case 'MODIFIED': {
        const key = objectKey(obj);
        const prev = this.store.set(obj);
        if (!prev) this.dispatch('add', key, obj);
        else if (prev.metadata?.uid !== obj.metadata?.uid) {
          this.dispatch('delete', key, prev);
          this.dispatch('add', key, obj);
        } else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
          this.dispatch('update', key, obj, prev);
        }
        break;
      }
      case 'DELETED': {
        const key = objectKey(obj);
        // Unknown objects are ignored, as client-go does: we never told anyone they existed.
        if (this.store.delete(key)) this.dispatch('delete', key, obj);
        break;
      }
      default:
        this.log.warn('unknown watch event type', { type: (ev as { type?: unknown }).type });
    }
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
  }

  private dispatch(event: 'add' | 'update' | 'delete', key: string, obj: T, prev?: T): void {
    for (const h of [...this.handlers]) {
      if (event === 'add') this.call(h, event, key, () => h.add?.(obj));
      else if (event === 'update') this.call(h, event, key, () => h.update?.(prev as T, obj));
      else this.call(h, event, key, () => h.delete?.(obj));
    }
  }

  private call(_h: InformerHandlers<T>, event: 'add' | 'update' | 'delete', key: string, fn: () => unknown): void {
    try {
      const r = fn();
      // An async handler's rejection would otherwise be unhandled and, by default, kill the process.
      if (r instanceof Promise) r.catch((error: unknown) => this.handlerFailed(event, key, error));
    } catch (error) {
      this.handlerFailed(event, key, error);
    }
  }

  private handlerFailed(event: 'add' | 'update' | 'delete', key: string, error: unknown): void {
    this.stats.handlerErrors++;
    this.log.error('informer handler threw', { event, key, err: error });
    this.safeEmit('handlerError', { event, key, error });
  }

  /** A throwing metrics listener must not break the loop either. */
  private safeEmit<K extends keyof InformerEventMap>(name: K, ...args: InformerEventMap[K]): void {
    try {
      (this.emit as (n: K, ...a: InformerEventMap[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error('informer event listener threw', { event: name, err });
    }
  }
}
