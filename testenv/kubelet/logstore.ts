// Container logs as a kubelet keeps them: records with a nanosecond timestamp, in
// arrival order. A record is one line with its newline, or the unfinished tail of
// the output (a last line without newline), which later output may complete.
import { EventEmitter } from 'node:events';

export interface LogRecord {
  /** Nanoseconds since the epoch. */
  time: bigint;
  data: Buffer;
}

export interface ContainerLog {
  records: LogRecord[];
  bytes: number;
  finished: boolean;
  /** Fires 'change' on every append and on finish. */
  events: EventEmitter;
}

const key = (ns: string, pod: string, container: string) => `${ns}/${pod}/${container}`;

/**
 * The wall clock in nanoseconds, never going backwards: the epoch read once, then the monotonic clock's progress.
 * (Date's milliseconds plus hrtime's sub-millisecond digits, as before, went back by up to 1 ms whenever hrtime's
 * digits wrapped inside one of Date's milliseconds; a real kubelet's stamps come from one clock.)
 */
const EPOCH_AT_START = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
export function nowNanos(): bigint {
  return EPOCH_AT_START + process.hrtime.bigint();
}

export class LogStore {
  private logs = new Map<string, ContainerLog>();

  /** Registers a container as started (its log exists, possibly empty). */
  start(ns: string, pod: string, container: string): ContainerLog {
    const k = key(ns, pod, container);
    let log = this.logs.get(k);
    if (!log) {
      log = { records: [], bytes: 0, finished: false, events: new EventEmitter() };
      log.events.setMaxListeners(0);
      this.logs.set(k, log);
    }
    return log;
  }

  get(ns: string, pod: string, container: string): ContainerLog | undefined {
    return this.logs.get(key(ns, pod, container));
  }

  hasPod(ns: string, pod: string): boolean {
    const prefix = `${ns}/${pod}/`;
    for (const k of this.logs.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  /**
   * Appends output. Each complete line becomes a record stamped `time` (default now);
   * a trailing fragment without newline becomes an open record that the next append extends.
   */
  append(ns: string, pod: string, container: string, data: string | Buffer, time: bigint = nowNanos()): void {
    const log = this.start(ns, pod, container);
    let buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (buf.length === 0) return;
    const last = log.records.at(-1);
    if (last && last.data.at(-1) !== 0x0a) {
      const nl = buf.indexOf(0x0a);
      const head = nl < 0 ? buf : buf.subarray(0, nl + 1);
      last.data = Buffer.concat([last.data, head]);
      log.bytes += head.length;
      buf = buf.subarray(head.length);
    }
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      const end = nl < 0 ? buf.length : nl + 1;
      const data = Buffer.from(buf.subarray(start, end));
      log.records.push({ time, data });
      log.bytes += data.length;
      start = end;
    }
    log.events.emit('change');
  }

  /** Marks the container as terminated: followers get the rest and their stream ends. */
  finish(ns: string, pod: string, container: string): void {
    const log = this.start(ns, pod, container);
    log.finished = true;
    log.events.emit('change');
  }

  /** Forgets a pod's logs, as a kubelet does when the pod is deleted. */
  removePod(ns: string, pod: string): void {
    const prefix = `${ns}/${pod}/`;
    for (const [k, log] of this.logs) {
      if (!k.startsWith(prefix)) continue;
      log.finished = true;
      log.events.emit('change');
      this.logs.delete(k);
    }
  }
}

/** RFC3339 with exactly nine fractional digits, the kubelet's `timestamps=true` format. */
export function formatTimestamp(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Parses RFC3339 (any fractional precision, Z or offset) to nanoseconds since the epoch. */
export function parseTimestamp(s: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const secs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secs)) return undefined;
  return BigInt(secs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
