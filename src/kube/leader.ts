// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection package.
//
// - Acquire: every retryPeriod try to take the Lease; it is free if it has no holder, or if its record has not
//   changed for leaseDuration as measured by OUR clock since we last saw it change (client-go's observedTime rule,
//   which avoids trusting another node's clock in renewTime).
// - Renew: every retryPeriod; if no renewal succeeded within renewDeadline, stop leading (onStoppedLeading) — the
//   caller should exit, because another replica may already be acting.
// - Every write is a replace carrying the resourceVersion we read: two candidates racing get one 200 and one 409.
// - release() (on graceful shutdown) writes an empty holder and leaseDurationSeconds=1 so a successor need not wait
//   out the full lease (client-go's ReleaseOnCancel).
import { jitter, sleep } from './backoff.ts';
import { describeError, isConflict, isNotFound, isAlreadyExists } from './errors.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { Resources } from './resources.ts';
import { formatMicroTime } from './time.ts';

export interface LeaderElectionOptions {
  /** Reads and writes the Lease (coordination.k8s.io/v1). */
  api: Pick<Resources, 'get' | 'create' | 'replace'>;
  namespace: string;
  /** Lease name, e.g. "sqlflow-operator-leader". */
  name: string;
  /** Unique per replica: pod name plus a random suffix is the usual choice. */
  identity: string;
  /** Defaults are client-go's: 15 s, 10 s, 2 s. Must satisfy leaseDuration > renewDeadline > retryPeriod*1.2. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Release the Lease in stop() (default true). */
  releaseOnCancel?: boolean;
  /** Leading starts; the signal aborts when leadership ends for any reason. */
  onStartedLeading(signal: AbortSignal): void;
  /** Leading ended (lost or stopped). Called once per onStartedLeading. */
  onStoppedLeading(): void;
  /** The observed holder changed (including to ourselves, or to '' when released). */
  onNewLeader?(identity: string): void;
  logger?: Logger;
}

/** Lease spec as written by us: MicroTime fields are strings with microseconds. */
interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** A Lease as the apiserver sends it (JSON: MicroTimes are strings). */
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: Partial<LeaseRecord>;
}

const leases = (namespace: string) => ({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace });

export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectionOptions, 'onNewLeader' | 'logger'>> &
    Pick<LeaderElectionOptions, 'onNewLeader'>;
  private readonly log: Logger;
  private stopped = false;
  private readonly stopCtl = new AbortController();
  private leading: AbortController | undefined;
  private running: Promise<void> | undefined;

  /** Last Lease object read or written, and when (local monotonic ms) its record last changed. */
  private observed: Lease | undefined;
  private observedKey = '';
  private observedAt = 0;
  private lastHolder: string | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      ...opts,
    };
    if (!(this.o.leaseDurationMs > this.o.renewDeadlineMs && this.o.renewDeadlineMs > this.o.retryPeriodMs * 1.2)) {
      throw new Error('leader election needs leaseDuration > renewDeadline > 1.2 * retryPeriod');
    }
    this.log = (opts.logger ?? silentLogger).child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** The holder we last observed ('' when free, undefined before the first read). */
  leader(): string | undefined {
    return this.lastHolder;
  }

  /** Campaign, lead, and resolve when leadership is lost or stop() was called. Call once. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stop campaigning/renewing; release the Lease if leading (and releaseOnCancel). Waits for run() to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopCtl.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    // Acquire
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) break;
      await sleep(jitter(this.o.retryPeriodMs, 1.2), this.stopCtl.signal);
    }
    if (this.stopped) return;
    this.leading = new AbortController();
    this.log.info('became leader');
    try {
      this.o.onStartedLeading(this.leading.signal);
    } catch (err) {
      this.log.error('onStartedLeading threw', { err });
    }
    // Renew
    let lastRenew = performance.now();
    while (!this.stopped) {
      await sleep(this.o.retryPeriodMs, this.stopCtl.signal);
      if (this.stopped) break;
      const left = this.o.renewDeadlineMs - (performance.now() - lastRenew);
      const ok = await this.withTimeout(this.tryAcquireOrRenew(), Math.max(left, 1));
      if (ok) lastRenew = performance.now();
      else if (performance.now() - lastRenew >= this.o.renewDeadlineMs) {
        this.log.warn('failed to renew lease within renewDeadline; stepping down', { renewDeadlineMs: this.o.renewDeadlineMs });
        break;
      }
    }
    if (this.stopped && this.o.releaseOnCancel) await this.release();
    const ctl = this.leading;
    this.leading = undefined;
    ctl.abort();
    try {
      this.o.onStoppedLeading();
    } catch (err) {
      this.log.error('onStoppedLeading threw', { err });
    }
  }

  /** Resolves false if `p` takes longer than `ms` (the request keeps running; its result is ignored). */
  private async withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (t = setTimeout(() => r(false), ms)));
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  private leaseSeconds(): number {
    return Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000));
  }

  private observe(lease: Lease): void {
    const s = lease.spec ?? {};
    const key = JSON.stringify([s.holderIdentity, s.leaseDurationSeconds, String(s.renewTime), String(s.acquireTime), s.leaseTransitions]);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = performance.now();
    }
    this.observed = lease;
    const holder = s.holderIdentity ?? '';
    if (holder !== this.lastHolder) {
      this.lastHolder = holder;
      try {
        this.o.onNewLeader?.(holder);
      } catch (err) {
        this.log.error('onNewLeader threw', { err });
      }
    }
  }

  /** One attempt, as client-go's tryAcquireOrRenew. Never throws. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.o;
    const now = formatMicroTime();
    let current: Lease;
    try {
      current = await api.get<Lease>({ ...leases(namespace), name });
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.warn('reading lease failed', { err: describeError(err) });
        return false;
      }
      const record: LeaseRecord = {
        holderIdentity: identity,
        leaseDurationSeconds: this.leaseSeconds(),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      };
      try {
        const created = await api.create<Lease>(leases(namespace), {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: record,
        });
        this.observe(created);
        return true;
      } catch (e) {
        if (!isAlreadyExists(e)) this.log.warn('creating lease failed', { err: describeError(e) });
        return false;
      }
    }
    this.observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const iAmHolder = holder === identity;
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseSeconds()) * 1000;
    if (holder !== '' && !iAmHolder && performance.now() - this.observedAt < durationMs) {
      return false; // held by someone else and not yet expired by our clock
    }
    const record: LeaseRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: this.leaseSeconds(),
      acquireTime: iAmHolder && spec.acquireTime ? spec.acquireTime : now,
      renewTime: now,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (iAmHolder ? 0 : 1),
    };
    try {
      const updated = await api.replace<Lease>({ ...leases(namespace), name }, { ...current, spec: { ...spec, ...record } });
      this.observe(updated);
      return true;
    } catch (err) {
      if (isConflict(err)) this.log.debug('lost the race to update the lease');
      else this.log.warn('updating lease failed', { err: describeError(err) });
      return false;
    }
  }

  /** Give the Lease up at once: empty holder, 1 s duration. Returns whether the write succeeded. */
  async release(): Promise<boolean> {
    const lease = this.observed;
    if (!lease || lease.spec?.holderIdentity !== this.o.identity) return false;
    const now = formatMicroTime();
    try {
      const record: LeaseRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: lease.spec?.leaseTransitions ?? 0,
      };
      const updated = await this.o.api.replace<Lease>({ ...leases(this.o.namespace), name: this.o.name }, { ...lease, spec: { ...lease.spec, ...record } });
      this.observe(updated);
      this.log.info('released lease');
      return true;
    } catch (err) {
      this.log.warn('releasing lease failed; successor will wait for expiry', { err: describeError(err) });
      return false;
    }
  }
}
