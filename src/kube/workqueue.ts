// A keyed, de-duplicating, rate-limited work queue with a bounded worker pool (client-go's workqueue semantics).
//
// Invariants (same as client-go):
//   - a key is queued at most once (dirty set): ten events for one object before a worker gets to it = one reconcile;
//   - a key is never reconciled by two workers at once; adding it while it is being processed marks it dirty and it
//     is queued again when the running reconcile finishes;
//   - failures requeue with per-key exponential backoff (base 5 ms, cap 1000 s); success forgets the failure count.
// Controllers are level-triggered, so a reconcile reads current state and never needs to know why it ran.
import { expBackoff } from './backoff.ts';
import { isTransient } from './errors.ts';
import { type Logger, silentLogger } from './logger.ts';

export interface ReconcileResult {
  /** Run this key again after this many ms even though it succeeded (polling external state). */
  requeueAfter?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'requeue' | 'error';

export interface WorkQueueOptions {
  name?: string;
  /** Concurrent reconciles (distinct keys). Default 1. */
  workers?: number;
  /** Per-key retry backoff: baseDelayMs * 2^failures, capped. Defaults 5 ms and 1000 s (client-go's). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Cap for failures `isTransient` says are the apiserver's, not the key's (default 30 s). client-go's 1000 s cap
   * is for a broken object: after a two-minute apiserver outage every key would otherwise wait minutes past the
   * recovery, and a key whose last events came before the outage would wait with no event to wake it.
   */
  transientMaxDelayMs?: number;
  isTransient?: (err: unknown) => boolean;
  logger?: Logger;
  /** Called after every reconcile, for metrics (duration histogram, outcome counter). Must not throw. */
  onReconciled?(key: string, outcome: ReconcileOutcome, durationMs: number, error?: unknown): void;
}

export class WorkQueue {
  readonly name: string;
  private readonly workers: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly transientMaxDelayMs: number;
  private readonly isTransient: (err: unknown) => boolean;
  private readonly log: Logger;
  private readonly onReconciled: WorkQueueOptions['onReconciled'];

  /** FIFO of keys ready to process. Every key in it is also in `dirty`. */
  private readonly queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  /** Delayed adds: key -> due time and timer (the earliest due time wins, like client-go's delaying queue). */
  private readonly waiting = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();

  private shuttingDown = false;
  private running: Promise<void>[] = [];
  /** Workers parked waiting for a key. */
  private idle: (() => void)[] = [];

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? 'queue';
    this.workers = Math.max(1, opts.workers ?? 1);
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    this.transientMaxDelayMs = Math.min(opts.transientMaxDelayMs ?? 30_000, this.maxDelayMs);
    this.isTransient = opts.isTransient ?? isTransient;
    this.log = (opts.logger ?? silentLogger).child({ queue: this.name });
    this.onReconciled = opts.onReconciled;
  }

  /** Queue a key now. No-op if it is already queued or after shutDown(). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // requeued by done() when the running reconcile ends
    this.queue.push(key);
    this.idle.shift()?.();
  }

  /** Queue a key after `ms`. If it is already waiting with an earlier due time, that one stands. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const due = Date.now() + ms;
    const w = this.waiting.get(key);
    if (w && w.due <= due) return;
    if (w) clearTimeout(w.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { due, timer });
  }

  /**
   * Requeue after this key's next backoff step (5 ms, 10 ms, 20 ms, ... 1000 s). A transient failure stops the count
   * where the delay reaches transientMaxDelayMs, so an outage does not push the key's later real errors far out.
   */
  addRateLimited(key: string, transient = false): void {
    const n = this.failures.get(key) ?? 0;
    const cap = transient ? this.transientMaxDelayMs : this.maxDelayMs;
    const delay = expBackoff(n, this.baseDelayMs, cap);
    this.failures.set(key, transient && delay >= cap ? n : n + 1);
    this.addAfter(key, delay);
  }

  /** Reset the key's failure count (after a success, or when the object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys ready to process (not counting delayed or in-flight ones): the queue-depth metric. */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Keys being reconciled right now. */
  inFlight(): number {
    return this.processing.size;
  }

  /** Keys scheduled for later (addAfter / backoff). */
  delayed(): number {
    return this.waiting.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Start the worker pool. Call once. */
  run(reconcile: Reconcile): void {
    if (this.running.length > 0) throw new Error(`work queue ${this.name} is already running`);
    for (let i = 0; i < this.workers; i++) this.running.push(this.worker(reconcile));
  }

  /**
   * Stop accepting keys, cancel delayed ones, let in-flight reconciles finish, and resolve when all workers have
   * exited. Keys still queued are dropped: the controller is level-triggered and the next leader relists.
   */
  async shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    this.queue.length = 0;
    this.head = 0;
    this.dirty.clear();
    for (const wake of this.idle.splice(0)) wake();
    await Promise.all(this.running);
  }

  /** Next key, or undefined once shutting down. */
  private async get(): Promise<string | undefined> {
    while (!this.shuttingDown && this.len() === 0) await new Promise<void>((r) => this.idle.push(r));
    if (this.shuttingDown) return undefined;
    const key = this.queue[this.head++] as string;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
      this.idle.shift()?.();
    }
  }

  private async worker(reconcile: Reconcile): Promise<void> {
    for (;;) {
      const key = await this.get();
      if (key === undefined) return;
      const started = performance.now();
      let outcome: ReconcileOutcome = 'success';
      let error: unknown;
      try {
        const res = await reconcile(key);
        if (res && typeof res.requeueAfter === 'number' && res.requeueAfter >= 0) {
          outcome = 'requeue';
          this.forget(key);
          this.addAfter(key, res.requeueAfter);
        } else {
          this.forget(key);
        }
      } catch (err) {
        outcome = 'error';
        error = err;
        this.log.warn('reconcile failed; will retry', { key, retries: this.numRequeues(key), err });
        this.addRateLimited(key, this.isTransient(err));
      } finally {
        this.done(key);
      }
      try {
        this.onReconciled?.(key, outcome, performance.now() - started, error);
      } catch (err) {
        this.log.error('onReconciled hook threw', { key, err });
      }
    }
  }
}
