// Kubernetes Events for the objects the operator manages (what `kubectl describe` shows).
//
// Why events.k8s.io/v1 and not core/v1: it is the current API (core/v1 Event is kept for compatibility), its
// `series {count, lastObservedTime}` is designed for exactly the aggregation we need, and it makes
// reportingController/reportingInstance first-class. Both APIs share one storage, so kubectl shows either.
//
// Flood control, because a reconcile hot loop must not turn into an apiserver write storm:
//   1. Repeats (same object, type, reason, action and note within seriesWindowMs) never create a new Event; they
//      bump an in-memory count, and the Event is merge-patched with the series at most once per seriesFlushMs.
//   2. New distinct events per involved object pass a token bucket (client-go's spam filter defaults: burst 25,
//      one more token every 5 minutes); the excess is dropped and counted.
// Recording never throws and never blocks the caller: event() is fire-and-forget, flush() awaits pending writes.
import { randomBytes } from 'node:crypto';
import type { EventsV1Event, KubernetesObject, V1MicroTime } from '@kubernetes/client-node';
import { describeError, isNotFound } from './errors.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { Resources } from './resources.ts';

const EVENTS = { group: 'events.k8s.io', version: 'v1', plural: 'events' };
import { formatMicroTime, nowMicros } from './time.ts';

export type EventType = 'Normal' | 'Warning';

/** The object an event is about. A full KubernetesObject works too. */
export interface ObjectRef {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
}

export interface EventRecorderOptions {
  /** Where events are written (tests pass a recorder of calls). */
  api: Pick<Resources, 'create' | 'patch'>;
  /** e.g. "sqlflow.org/sqlflow-operator" (the API requires a "domain/name"-like value). */
  reportingController: string;
  /** Which replica: the pod name. */
  reportingInstance: string;
  /** Repeats within this window join one series. Default 6 min (client-go's). */
  seriesWindowMs?: number;
  /** At most one series patch per event per this interval. Default 10 s. */
  seriesFlushMs?: number;
  /** New distinct events per object: bucket size and refill period. Defaults 25 and 5 min. */
  burst?: number;
  refillMs?: number;
  /** Remembered series / buckets (oldest evicted). Default 4096. */
  cacheSize?: number;
  /**
   * Event writes in flight at once (default 2). Events are fire-and-forget: unbounded, a burst of 500 jobs sent 500
   * event POSTs at once, competing at the apiserver with the Workflow creates and status writes the jobs wait on.
   * Queued here they go out behind the reconciles and catch up when the burst is over.
   */
  maxInFlight?: number;
  /**
   * Awaited before each write: events are for people reading `kubectl describe`, and can wait while the controller
   * has urgent work (the controller passes its queue's whenQuiet, so a burst's events go out after its creates).
   * flush() waits for it too; the queue's whenQuiet resolves at once after its shutDown().
   */
  gate?: () => Promise<void>;
  logger?: Logger;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  /** Count the apiserver has (so we know whether a flush is needed). */
  written: number;
  firstMicros: number;
  lastMicros: number;
  lastWriteMs: number;
  timer: NodeJS.Timeout | undefined;
  /** Serialises this series' writes. */
  chain: Promise<void>;
  /** Everything needed to recreate the Event if it expired (1 h TTL) before a patch. */
  body: EventsV1Event;
}

const NOTE_LIMIT = 1024; // the API rejects longer notes

export class EventRecorder {
  readonly stats = { created: 0, patched: 0, dropped: 0, failed: 0 };
  private readonly o: Required<Omit<EventRecorderOptions, 'logger' | 'gate'>>;
  private readonly gate: (() => Promise<void>) | undefined;
  private readonly log: Logger;
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly pending = new Set<Promise<void>>();

  constructor(opts: EventRecorderOptions) {
    this.o = {
      seriesWindowMs: 6 * 60_000,
      seriesFlushMs: 10_000,
      burst: 25,
      refillMs: 5 * 60_000,
      cacheSize: 4096,
      maxInFlight: 2,
      ...opts,
    };
    this.gate = opts.gate;
    this.log = (opts.logger ?? silentLogger).child({ component: 'events' });
  }

  /** Record an event; returns at once. `action` is what the controller did or failed to do (defaults to reason). */
  event(obj: ObjectRef | KubernetesObject, type: EventType, reason: string, note: string, action?: string): void {
    const ref = toRef(obj);
    if (!ref.name) return;
    const namespace = ref.namespace || 'default';
    const act = action ?? reason;
    const text = truncate(note);
    const key = JSON.stringify([ref.apiVersion, ref.kind, namespace, ref.name, ref.uid, type, reason, act, text]);
    const now = Date.now();
    const micros = nowMicros();
    const s = this.series.get(key);
    if (s && now - s.lastMicros / 1000 < this.o.seriesWindowMs) {
      s.count++;
      s.lastMicros = micros;
      this.touch(this.series, key, s);
      this.scheduleFlush(s);
      return;
    }
    if (!this.take(`${namespace}/${ref.kind}/${ref.name}/${ref.uid}`, now)) {
      this.stats.dropped++;
      this.log.debug('event dropped by spam filter', { object: `${namespace}/${ref.name}`, reason });
      return;
    }
    if (s?.timer) clearTimeout(s.timer);
    const body: EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: eventName(ref.name), namespace },
      eventTime: formatMicroTime(micros) as unknown as V1MicroTime,
      type,
      reason,
      action: act,
      note: text,
      regarding: {
        ...(ref.apiVersion ? { apiVersion: ref.apiVersion } : {}),
        ...(ref.kind ? { kind: ref.kind } : {}),
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        ...(ref.uid ? { uid: ref.uid } : {}),
        ...(ref.resourceVersion ? { resourceVersion: ref.resourceVersion } : {}),
      },
      reportingController: this.o.reportingController,
      reportingInstance: this.o.reportingInstance,
    };
    const fresh: Series = {
      name: body.metadata?.name ?? '',
      namespace,
      count: 1,
      written: 0,
      firstMicros: micros,
      lastMicros: micros,
      lastWriteMs: now,
      timer: undefined,
      chain: Promise.resolve(),
      body,
    };
    this.touch(this.series, key, fresh);
    this.enqueue(fresh, () => this.create(fresh));
  }

  /** Shorthands. */
  normal(obj: ObjectRef | KubernetesObject, reason: string, note: string, action?: string): void {
    this.event(obj, 'Normal', reason, note, action);
  }
  warning(obj: ObjectRef | KubernetesObject, reason: string, note: string, action?: string): void {
    this.event(obj, 'Warning', reason, note, action);
  }

  /** Write pending series counts now and wait for every outstanding write (shutdown, tests). */
  async flush(): Promise<void> {
    for (const s of this.series.values()) {
      if (s.timer) {
        clearTimeout(s.timer);
        s.timer = undefined;
      }
      if (s.count > s.written) this.enqueue(s, () => this.patchSeries(s));
    }
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private inFlight = 0;
  private readonly slots: (() => void)[] = [];

  /** Runs `write` when fewer than maxInFlight event writes are running. */
  private async limited(write: () => Promise<void>): Promise<void> {
    // A finishing write hands its slot straight to the next waiter, so inFlight never exceeds the bound.
    if (this.inFlight >= this.o.maxInFlight) await new Promise<void>((ok) => this.slots.push(ok));
    else this.inFlight++;
    try {
      if (this.gate) await this.gate();
      await write();
    } finally {
      const next = this.slots.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  private enqueue(s: Series, write: () => Promise<void>): void {
    const p = s.chain.then(() => this.limited(write)).catch((err: unknown) => {
      this.stats.failed++;
      this.log.warn('writing event failed', { event: `${s.namespace}/${s.name}`, err: describeError(err) });
    });
    s.chain = p;
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private scheduleFlush(s: Series): void {
    if (s.timer) return;
    const wait = Math.max(0, s.lastWriteMs + this.o.seriesFlushMs - Date.now());
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.enqueue(s, () => this.patchSeries(s));
    }, wait);
    s.timer.unref();
  }

  private async create(s: Series): Promise<void> {
    const count = s.count;
    const body: EventsV1Event =
      count > 1
        ? { ...s.body, series: { count, lastObservedTime: formatMicroTime(s.lastMicros) as unknown as V1MicroTime } }
        : s.body;
    await this.o.api.create({ ...EVENTS, namespace: s.namespace }, body);
    s.written = count;
    s.lastWriteMs = Date.now();
    this.stats.created++;
  }

  private async patchSeries(s: Series): Promise<void> {
    const count = s.count;
    if (count <= s.written) return;
    try {
      await this.o.api.patch({ ...EVENTS, namespace: s.namespace, name: s.name }, 'merge', {
        series: { count, lastObservedTime: formatMicroTime(s.lastMicros) },
      });
      this.stats.patched++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // The Event expired (default TTL 1 h) or was deleted: start it again under a new name.
      s.name = eventName(s.body.regarding?.name ?? 'object');
      s.body = { ...s.body, metadata: { ...s.body.metadata, name: s.name } };
      await this.create(s);
      return;
    }
    s.written = count;
    s.lastWriteMs = Date.now();
  }

  /** Token bucket per involved object for new (non-repeat) events. */
  private take(objKey: string, now: number): boolean {
    let b = this.buckets.get(objKey);
    if (!b) b = { tokens: this.o.burst, at: now };
    const refill = Math.floor((now - b.at) / this.o.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.o.burst, b.tokens + refill);
      b.at += refill * this.o.refillMs;
    }
    if (b.tokens >= this.o.burst) b.at = now;
    const ok = b.tokens > 0;
    if (ok) b.tokens--;
    this.touch(this.buckets, objKey, b);
    return ok;
  }

  /** Map as LRU: re-insert on use, evict the oldest past cacheSize. */
  private touch<V>(m: Map<string, V>, key: string, v: V): void {
    m.delete(key);
    m.set(key, v);
    while (m.size > this.o.cacheSize) {
      const oldest = m.keys().next().value as string;
      const ev = m.get(oldest) as Series | undefined;
      if (ev && typeof ev === 'object' && 'timer' in ev && ev.timer) clearTimeout(ev.timer);
      m.delete(oldest);
    }
  }
}

function toRef(obj: ObjectRef | KubernetesObject): ObjectRef {
  if ('metadata' in obj || !('name' in obj)) {
    const o = obj as KubernetesObject;
    return {
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.metadata?.name ?? '',
      namespace: o.metadata?.namespace,
      uid: o.metadata?.uid,
      resourceVersion: o.metadata?.resourceVersion,
    };
  }
  return obj;
}

/** client-go names events "<object>.<hex nanos>"; a random suffix avoids collisions between replicas. */
function eventName(objName: string): string {
  const base = objName.slice(0, 253 - 26);
  return `${base}.${Date.now().toString(16)}${randomBytes(4).toString('hex')}`;
}

function truncate(note: string): string {
  if (Buffer.byteLength(note) <= NOTE_LIMIT) return note;
  let s = note.slice(0, NOTE_LIMIT);
  while (Buffer.byteLength(s) > NOTE_LIMIT - 3) s = s.slice(0, -1);
  return `${s}...`;
}
