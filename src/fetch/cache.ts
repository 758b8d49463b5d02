// Per-process cache of open continuation readers, keyed by (pod, container, canonical cursor).
//
// A Fetch whose token position equals a parked reader's position continues that stream instead of re-reading the
// current second (about 3x the bytes at 5 calls/s). A reader is checked out exclusively (take) and parked again at
// its new position (put), so two clients holding the same token never share one. A miss (another replica, a
// restart, an eviction) just opens a fresh read at the token's cursor: correctness never depends on this cache.
import { LogReader, readerKey, type ReaderTarget } from './reader.ts';
import type { LogCursor } from '../api/token.ts';

export interface ReaderCacheOptions {
  /** Close readers not used for this long (default 30 s). */
  idleMs?: number;
  /** At most this many parked readers; the least recently used goes first (default 256). */
  maxReaders?: number;
}

export class ReaderCache {
  readonly stats = { hits: 0, misses: 0, parked: 0, evicted: 0 };
  private readonly idleMs: number;
  private readonly maxReaders: number;
  /** Insertion order = least recently parked first. */
  private readonly readers = new Map<string, LogReader>();
  private readonly timer: NodeJS.Timeout;

  constructor(opts: ReaderCacheOptions = {}) {
    this.idleMs = opts.idleMs ?? 30_000;
    this.maxReaders = opts.maxReaders ?? 256;
    this.timer = setInterval(() => this.sweep(), Math.min(5_000, Math.max(100, this.idleMs / 3)));
    this.timer.unref();
  }

  get size(): number {
    return this.readers.size;
  }

  /** Checks out the reader parked at exactly this position, if any. */
  take(t: ReaderTarget, c: LogCursor): LogReader | undefined {
    const key = readerKey(t, c);
    const r = this.readers.get(key);
    if (!r) {
      this.stats.misses++;
      return undefined;
    }
    this.readers.delete(key);
    this.stats.hits++;
    return r;
  }

  /** Parks a reader at its current position; one with nothing more to give is closed instead. */
  put(r: LogReader): void {
    if (r.exhausted() && !r.hasFragment()) {
      r.close();
      return;
    }
    const key = r.key();
    const old = this.readers.get(key);
    if (old && old !== r) old.close();
    this.readers.delete(key);
    this.readers.set(key, r);
    this.stats.parked++;
    while (this.readers.size > this.maxReaders) {
      const first = this.readers.entries().next().value;
      if (!first) break;
      this.readers.delete(first[0]);
      first[1].close();
      this.stats.evicted++;
    }
  }

  /** Closes every parked reader of a pod (it was deleted or its step is done). */
  dropPod(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const [k, r] of this.readers) {
      if (!k.startsWith(prefix)) continue;
      this.readers.delete(k);
      r.close();
    }
  }

  sweep(now = Date.now()): void {
    for (const [k, r] of this.readers) {
      if (now - r.lastUsed < this.idleMs) continue;
      this.readers.delete(k);
      r.close();
      this.stats.evicted++;
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }
}
