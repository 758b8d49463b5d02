// A keyed, de-duplicating, rate-limited work queue with a bounded worker pool (client-go's workqueue semantics).
//
// Invariants (same as client-go):
//   - a key is queued at most once (dirty set): ten events for one object before a worker gets to it = one reconcile;
//   - a key is never reconciled by two workers at once; adding it while it is being processed marks it dirty and it
//     is queued again when the running reconcile finishes;
//   - failures requeue with per-key exponential backoff (base 5 ms, cap 1000 s); success forgets the failure count.
// Beyond client-go: two lanes. add() is urgent (an object waits for us to act); addBackground() is work that only
// mirrors state (status writes) and yields while urgent keys keep arriving: it runs once no urgent key was added for
// backgroundQuietMs, or when it has waited backgroundMaxWaitMs. On a 2-core machine every write competes at the
// apiserver; in a burst of new objects this keeps their creates ahead of the status writes that can wait. Keys
// overdue while the burst goes on run one at a time.
// Controllers are level-triggered, so a reconcile reads current state and never needs to know why it ran.
import { expBackoff } from './backoff.ts';
import { isTransient } from './errors.ts';
import { type Logger, silentLogger } from './logger.ts';

export interface ReconcileResult {
  /** Run this key again after this many ms even though it succeeded (polling external state). */
  requeueAfter?: number;
  /** Run this key again in the background lane (its remaining work can wait for a quiet moment). */
  requeueBackground?: boolean;
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
  /** Background keys wait until no urgent key was added for this long (default 500 ms)... */
  backgroundQuietMs?: number;
  /** ...or, one at a time, once they have waited this long (default 10 s): a steady stream of urgent keys cannot
   *  starve them. */
  backgroundMaxWaitMs?: number;
  logger?: Logger;
  /** Called after every reconcile, for metrics (duration histogram, outcome counter). Must not throw. */
  onReconciled?(key: string, outcome: ReconcileOutcome, durationMs: number, error?: unknown): void;
}

interface BackgroundEntry {
  key: string;
  /** performance.now() when queued. */
  at: number;
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
  private readonly quietMs: number;
  private readonly maxWaitMs: number;

  /** FIFO of urgent keys ready to process. Every key in it is also in `dirty` with lane 'urgent'. */
  private readonly queue: string[] = [];
  private head = 0;
  /** FIFO of background keys with the time they were queued; an entry counts only while `bgLive` points at it. */
  private readonly background: BackgroundEntry[] = [];
  private bgHead = 0;
  private readonly bgLive = new Map<string, BackgroundEntry>();
  private lastUrgentAt = -Infinity;
  /** Queued (or re-queued while processing) keys and their lane. */
  private readonly dirty = new Map<string, 'urgent' | 'background'>();
  private readonly processing = new Set<string>();
  /** Delayed adds: key -> due time and timer (the earliest due time wins, like client-go's delaying queue). */
  private readonly waiting = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  /** Keys taken from the background lane and being reconciled. */
  private readonly bgRunning = new Set<string>();

  private shuttingDown = false;
  private running: Promise<void>[] = [];
  /** Workers parked waiting for a key. */
  private idle: (() => void)[] = [];
  /** Wakes a parked worker when the oldest background key becomes due. */
  private bgTimer: NodeJS.Timeout | undefined;
  private bgTimerDue = 0;
  private quietWaiters: { resolve: () => void; due: number }[] = [];

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? 'queue';
    this.workers = Math.max(1, opts.workers ?? 1);
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    this.transientMaxDelayMs = Math.min(opts.transientMaxDelayMs ?? 30_000, this.maxDelayMs);
    this.isTransient = opts.isTransient ?? isTransient;
    this.log = (opts.logger ?? silentLogger).child({ queue: this.name });
    this.onReconciled = opts.onReconciled;
    this.quietMs = opts.backgroundQuietMs ?? 500;
    this.maxWaitMs = opts.backgroundMaxWaitMs ?? 10_000;
  }

  /** Queue a key now (urgent lane). No-op if it is already queued urgently or after shutDown(). */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.lastUrgentAt = performance.now();
    const lane = this.dirty.get(key);
    if (lane === 'urgent') return;
    this.dirty.set(key, 'urgent');
    this.bgLive.delete(key); // promoted: its background entry is skipped when reached
    if (this.processing.has(key)) return; // requeued by done() when the running reconcile ends
    this.queue.push(key);
    this.idle.shift()?.();
  }

  /** Queue a key in the background lane. No-op if it is already queued (in either lane) or after shutDown(). */
  addBackground(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.set(key, 'background');
    if (this.processing.has(key)) return;
    this.pushBackground(key);
  }

  private pushBackground(key: string): void {
    const e = { key, at: performance.now() };
    this.background.push(e);
    this.bgLive.set(key, e);
    this.wakeForBackground();
  }

  /**
   * Resolves when background work may run (no urgent key added for backgroundQuietMs), or after
   * backgroundMaxWaitMs at most: for writes that, like background keys, should not compete with a burst.
   */
  whenQuiet(): Promise<void> {
    if (this.shuttingDown || this.isQuiet(performance.now())) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.quietWaiters.push({ resolve, due: performance.now() + this.maxWaitMs });
      this.armTimer();
    });
  }

  private isQuiet(now: number): boolean {
    return this.queue.length - this.head === 0 && now - this.lastUrgentAt >= this.quietMs;
  }

  /** The oldest live background entry (dropping promoted or stale ones from the front). */
  private oldestBackground(): BackgroundEntry | undefined {
    while (this.bgHead < this.background.length) {
      const e = this.background[this.bgHead] as BackgroundEntry;
      if (this.bgLive.get(e.key) === e) return e;
      this.bgHead++;
    }
    return undefined;
  }

  /** Quiet: any number of workers. Overdue in a burst: one background reconcile at a time, so the burst's own
   *  writes keep the apiserver's attention while the backlog still moves. */
  private backgroundDue(now: number): boolean {
    const e = this.oldestBackground();
    return e !== undefined && (this.isQuiet(now) || (now - e.at >= this.maxWaitMs && this.bgRunning.size === 0));
  }

  /** Wake a parked worker if a background key may run now, else set a timer for when one may. */
  private wakeForBackground(): void {
    if (this.backgroundDue(performance.now())) this.idle.shift()?.();
    this.armTimer();
  }

  private armTimer(): void {
    if (this.shuttingDown) return;
    // Background keys need the timer only while a worker is parked; busy workers look for them when they finish.
    const e = this.idle.length > 0 ? this.oldestBackground() : undefined;
    const dues: number[] = this.quietWaiters.map((w) => w.due);
    if (e) dues.push(e.at + this.maxWaitMs);
    // While urgent keys are queued, quiet cannot come before they are taken, and the worker that takes the last
    // one re-arms this timer when it parks.
    if ((e || this.quietWaiters.length) && this.queue.length === this.head) dues.push(this.lastUrgentAt + this.quietMs);
    if (dues.length === 0) return;
    const due = Math.min(...dues);
    if (this.bgTimer && this.bgTimerDue <= due) return;
    if (this.bgTimer) clearTimeout(this.bgTimer);
    this.bgTimerDue = due;
    this.bgTimer = setTimeout(() => {
      this.bgTimer = undefined;
      const now = performance.now();
      const quiet = this.isQuiet(now);
      this.quietWaiters = this.quietWaiters.filter((w) => {
        if (!quiet && now < w.due) return true;
        w.resolve();
        return false;
      });
      if (this.backgroundDue(now)) for (const wake of this.idle.splice(0)) wake();
      this.armTimer();
    }, Math.max(1, due - performance.now()));
    this.bgTimer.unref();
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

  /** Keys ready to process, both lanes (not counting delayed or in-flight ones): the queue-depth metric. */
  len(): number {
    return this.queue.length - this.head + this.bgLive.size;
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
    this.background.length = 0;
    this.bgHead = 0;
    this.bgLive.clear();
    if (this.bgTimer) clearTimeout(this.bgTimer);
    this.bgTimer = undefined;
    for (const w of this.quietWaiters.splice(0)) w.resolve();
    this.dirty.clear();
    for (const wake of this.idle.splice(0)) wake();
    await Promise.all(this.running);
  }

  /** Next key (urgent first, background when due), or undefined once shutting down. */
  private async get(): Promise<string | undefined> {
    for (;;) {
      if (this.shuttingDown) return undefined;
      if (this.queue.length - this.head > 0) {
        const key = this.queue[this.head++] as string;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        return this.take(key);
      }
      if (this.backgroundDue(performance.now())) {
        const e = this.oldestBackground() as BackgroundEntry;
        this.bgHead++;
        this.bgLive.delete(e.key);
        if (this.bgHead > 1024 && this.bgHead * 2 > this.background.length) {
          this.background.splice(0, this.bgHead);
          this.bgHead = 0;
        }
        this.bgRunning.add(e.key);
        return this.take(e.key);
      }
      await new Promise<void>((r) => {
        this.idle.push(r);
        this.armTimer();
      });
    }
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private done(key: string): void {
    this.processing.delete(key);
    this.bgRunning.delete(key);
    const lane = this.dirty.get(key);
    if (lane === undefined || this.shuttingDown) return;
    if (lane === 'urgent') {
      this.queue.push(key);
      this.idle.shift()?.();
    } else {
      this.pushBackground(key);
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
        this.forget(key);
        if (res && typeof res.requeueAfter === 'number' && res.requeueAfter >= 0) {
          outcome = 'requeue';
          this.addAfter(key, res.requeueAfter);
        }
        if (res?.requeueBackground) {
          outcome = 'requeue';
          this.addBackground(key);
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
