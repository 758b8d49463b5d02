// Exactly-once positions in a container log read through `pods/log?timestamps=true&sinceTime=S`.
//
// Why (sec, k) works. The kubelet keeps a container's log append-only and filters each line by its OWN timestamp
// (kept iff ts >= sinceTime, sinceTime having whole-second precision once forwarded). So the answer to sinceTime=S is
// always the subsequence of the log of lines with ts >= S, in log order, and a later answer only extends an earlier one.
// "The first k lines of that answer" therefore names the same lines every time, whatever the timestamps look like
// (equal to the nanosecond, non-monotonic, many per second): skipping k lines is exact, where the original SQLFlow
// skipped "up to the line with the last timestamp" and lost or duplicated lines.
//
// Advancing. After delivering up to line L (read from the answer to S), pick S' = max(S, floor(ts(L)) - margin).
// S' >= S, so every line of the log up to L with ts >= S' is also in the answer just read; counting them there gives
// k'. The margin (default 1 s) is the one improvement over "the second of the last line": a line written AFTER L but
// stamped before S' would be filtered out of every later answer and lost. Runtimes stamp lines when they read them,
// so stdout and stderr can interleave a few milliseconds out of order — across a second boundary now and then. With a
// 1 s margin only a line stamped more than a second before an already delivered one can be lost. The price is that a
// fresh read (a cache miss) re-reads about two seconds instead of one; a continuation reader (reader.ts) re-reads
// nothing at all.
//
// Lines whose timestamp prefix cannot be parsed inherit the previous line's timestamp (the read's S for the first):
// the kubelet always writes one, so this only guards against surprises, and the inherited second is never larger
// than the true one's filter outcome for monotonic logs.
import type { LogCursor } from '../api/token.ts';

export { parseLine, timestampSecond, type ParsedLine } from './lines.ts';

/** Seconds the cursor stays behind the last delivered line's second (see above). */
export const CURSOR_MARGIN_SEC = 1;

/** The sinceTime query value for a whole second. */
export function sinceTimeParam(sec: number): string {
  return new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Tracks the lines consumed (skipped or delivered) from ONE answer to sinceTime=base, and gives the canonical cursor
 * for the position after them. Canonical means: the same position always gives the same (sec, k, bytes), whichever
 * read reached it, so a cursor is also a cache key (reader.ts).
 *
 * Seconds are kept sorted with their line and byte counts; for monotonic logs the suffix sum touches one entry.
 */
export class CursorTracker {
  private readonly secs: number[] = [];
  private readonly counts: number[] = [];
  private readonly bytes: number[] = [];
  private last: LogCursor;
  private readonly base: number;
  private readonly margin: number;
  /** Second of the last consumed line (what an unparsable next line inherits). */
  lastSec: number;

  constructor(start: LogCursor, marginSec = CURSOR_MARGIN_SEC) {
    this.last = { ...start };
    this.base = start.sec;
    this.margin = marginSec;
    this.lastSec = start.sec;
  }

  /** Record the next consumed line of the answer. */
  consume(sec: number, rawBytes: number): void {
    this.lastSec = sec;
    const n = this.secs.length;
    if (n === 0 || sec > this.secs[n - 1]!) {
      this.secs.push(sec);
      this.counts.push(1);
      this.bytes.push(rawBytes);
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.secs[mid]! < sec) lo = mid + 1;
      else hi = mid;
    }
    if (this.secs[lo] === sec) {
      this.counts[lo]! += 1;
      this.bytes[lo]! += rawBytes;
    } else {
      this.secs.splice(lo, 0, sec);
      this.counts.splice(lo, 0, 1);
      this.bytes.splice(lo, 0, rawBytes);
    }
  }

  /** The canonical cursor after everything consumed so far (the start cursor if nothing was). */
  cursor(): LogCursor {
    if (this.secs.length === 0) return { ...this.last };
    const s = Math.max(this.base, this.lastSec - this.margin);
    let k = 0;
    let b = 0;
    for (let i = this.secs.length - 1; i >= 0 && this.secs[i]! >= s; i--) {
      k += this.counts[i]!;
      b += this.bytes[i]!;
    }
    this.last = { sec: s, k, bytes: b };
    return { ...this.last };
  }
}

export function sameCursor(a: LogCursor, b: LogCursor): boolean {
  return a.sec === b.sec && a.k === b.k && a.bytes === b.bytes;
}
