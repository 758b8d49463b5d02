// One open log answer (sinceTime=cursor.sec, timestamps=true), turned into complete lines with a canonical cursor.
//
// A reader is opened at a cursor (sec, k): it skips the first k lines, then queues complete lines until taken.
// Opened with follow=true on a running container it is a live continuation: later Fetches with the cursor it has
// reached take lines from it without re-reading anything (cache.ts). For a terminated container it is a plain
// answer, paused when the queue is full (TCP back-pressure) so a 100 MB log is never held in memory.
//
// Only lines ending in "\n" are delivered. The trailing fragment is delivered only when the caller knows the
// container has terminated and the answer ended cleanly and was not cut by limitBytes (finalFragment()).
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import type { LogCursor } from '../api/token.ts';
import { CursorTracker } from './cursor.ts';
import { LineParser, type ParsedLine } from './lines.ts';
import { openPodLog, podLogStats } from './podlog.ts';

export interface ReaderTarget {
  namespace: string;
  pod: string;
  /** Pod UID, part of the cache key so a re-created pod of the same name is never continued. */
  podUID: string;
  container: string;
}

export interface ReaderOptions extends ReaderTarget {
  cursor: LogCursor;
  follow: boolean;
  limitBytes?: number;
  /** Queue size at which the stream is paused (default 4 MiB). */
  highWaterBytes?: number;
}

export function readerKey(t: ReaderTarget, c: LogCursor): string {
  return `${t.namespace}/${t.pod}/${t.podUID}/${t.container}@${c.sec}.${c.k}`;
}

export class LogReader extends EventEmitter<{ change: [] }> {
  readonly target: ReaderTarget;
  readonly follow: boolean;
  readonly limitBytes: number | undefined;
  /** Set once the answer ended: cleanly (error undefined) or not. */
  ended = false;
  error: Error | undefined;
  /** The answer reached limitBytes: its trailing fragment is a cut, not a line. */
  cut = false;
  /** Date.now() of the last take (for idle eviction). */
  lastUsed = Date.now();
  /** Bytes received over this reader's life. */
  bytesRead = 0;

  private res: IncomingMessage | undefined;
  private readonly ac = new AbortController();
  private readonly tracker: CursorTracker;
  private readonly start: LogCursor;
  private toSkip: number;
  private readonly queue: ParsedLine[] = [];
  private queueHead = 0;
  private queueBytes = 0;
  private partial: Buffer[] = [];
  private partialLen = 0;
  private readonly highWater: number;
  private paused = false;
  private readonly parser: LineParser;

  private constructor(opts: ReaderOptions) {
    super();
    this.setMaxListeners(0);
    this.target = { namespace: opts.namespace, pod: opts.pod, podUID: opts.podUID, container: opts.container };
    this.follow = opts.follow;
    this.limitBytes = opts.limitBytes;
    this.tracker = new CursorTracker(opts.cursor);
    this.start = { ...opts.cursor };
    this.toSkip = opts.cursor.k;
    this.parser = new LineParser(opts.cursor.sec);
    this.highWater = opts.highWaterBytes ?? 4 * 1024 * 1024;
  }

  /** Opens the answer; rejects with PodLogError for non-200 (e.g. 400 while the container waits to start). */
  static async open(kc: KubeConfig, opts: ReaderOptions): Promise<LogReader> {
    const r = new LogReader(opts);
    const q = {
      namespace: opts.namespace,
      pod: opts.pod,
      container: opts.container,
      sinceSec: opts.cursor.sec,
      follow: opts.follow,
      ...(opts.limitBytes !== undefined ? { limitBytes: opts.limitBytes } : {}),
    };
    r.attach(await openPodLog(kc, q, r.ac.signal));
    return r;
  }

  /** The cache key for the position reached. */
  key(): string {
    return readerKey(this.target, this.cursor());
  }

  /**
   * The position reached. While the first k lines are still being skipped it is the cursor the reader was opened at:
   * the tracker's count of the lines skipped so far names a position BEFORE it, and a Fetch stopped mid-skip that
   * handed that out made the next fresh read deliver the lines between a second time. Once the skip is done the
   * tracker's cursor is that same cursor again (canonical, cursor.ts).
   */
  cursor(): LogCursor {
    return this.toSkip > 0 ? { ...this.start } : this.tracker.cursor();
  }

  /** Complete lines waiting to be taken. */
  available(): number {
    return this.queue.length - this.queueHead;
  }

  /** Bytes (as sent, prefixes included) of the complete lines waiting to be taken. */
  queuedBytes(): number {
    return this.queueBytes;
  }

  /** Reading is paused because the queue is full (nothing more arrives until lines are taken). */
  isPaused(): boolean {
    return this.paused;
  }

  /** Nothing more will ever come from this answer (ended, and every complete line taken). */
  exhausted(): boolean {
    return this.ended && this.available() === 0;
  }

  /** The trailing bytes after the last newline, if the answer ended cleanly and was not cut. */
  hasFragment(): boolean {
    return this.ended && !this.error && !this.cut && this.partialLen > 0;
  }

  /**
   * Takes queued lines: at least one if any is queued (a line longer than maxBytes still progresses), then more while
   * their content fits in maxBytes.
   */
  take(maxBytes: number): ParsedLine[] {
    this.lastUsed = Date.now();
    const out: ParsedLine[] = [];
    let used = 0;
    while (this.queueHead < this.queue.length) {
      const l = this.queue[this.queueHead]!;
      if (out.length > 0 && used + l.size + 1 > maxBytes) break;
      out.push(l);
      used += l.size + 1;
      this.queueHead++;
      this.queueBytes -= l.rawBytes;
      this.tracker.consume(l.sec, l.rawBytes);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    // Resume as soon as there is room: waiting for half the queue to drain left the socket idle for whole calls
    // while a finished log was read at full speed (the queue stays within highWater plus one chunk either way).
    if (this.paused && this.queueBytes < this.highWater) {
      this.paused = false;
      this.res?.resume();
    }
    return out;
  }

  /** Delivers the trailing fragment as the last line. Call only when the container is known to have terminated. */
  takeFragment(): ParsedLine | undefined {
    if (!this.hasFragment()) return undefined;
    const raw = Buffer.concat(this.partial, this.partialLen);
    this.partial = [];
    this.partialLen = 0;
    const l = this.parser.line(raw, raw, 0, raw.length, raw.length);
    this.tracker.consume(l.sec, l.rawBytes);
    return l;
  }

  /** Resolves when a line is queued (at once if one is), at the end, or on abort of `signal`. */
  changed(signal?: AbortSignal): Promise<void> {
    if (this.available() > 0 || this.ended) return Promise.resolve();
    return this.nextChange(signal);
  }

  /** Resolves on the next new line or the end (not at once for lines already queued), or on abort of `signal`. */
  nextChange(signal?: AbortSignal): Promise<void> {
    if (this.ended || signal?.aborted) return Promise.resolve();
    return new Promise((ok) => {
      const done = () => {
        this.off('change', done);
        signal?.removeEventListener('abort', done);
        ok();
      };
      this.on('change', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    if (!this.ended) {
      this.ended = true;
      this.error = new Error('reader closed');
    }
    this.ac.abort();
    this.res?.destroy();
    this.emit('change');
  }

  private attach(res: IncomingMessage): void {
    this.res = res;
    res.on('data', (chunk: Buffer) => this.onData(chunk));
    res.on('end', () => this.onEnd(undefined));
    res.on('error', (err) => this.onEnd(err));
    res.on('close', () => {
      if (!res.complete) this.onEnd(new Error('log stream closed before its end'));
    });
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.bytesRead += chunk.length;
    podLogStats.bytesRead += chunk.length;
    let start = 0;
    let added = false;
    if (this.partialLen > 0) {
      // The line begun in an earlier chunk: joined into a buffer of its own.
      const nl = chunk.indexOf(0x0a);
      if (nl >= 0) {
        this.partial.push(chunk.subarray(0, nl));
        const raw = Buffer.concat(this.partial, this.partialLen + nl);
        this.partial = [];
        this.partialLen = 0;
        added = this.addLine(raw, raw, 0, raw.length) || added;
        start = nl + 1;
      } else {
        start = chunk.length;
        this.partial.push(Buffer.from(chunk));
        this.partialLen += chunk.length;
      }
    }
    let nl = start < chunk.length ? chunk.indexOf(0x0a, start) : -1;
    if (nl >= 0) {
      const src = LineParser.source(chunk);
      do {
        added = this.addLine(chunk, src, start, nl) || added;
        start = nl + 1;
        nl = chunk.indexOf(0x0a, start);
      } while (nl >= 0);
    }
    if (start < chunk.length) {
      // Copy: the fragment would otherwise pin the whole chunk until its line completes.
      this.partial.push(Buffer.from(chunk.subarray(start)));
      this.partialLen += chunk.length - start;
    }
    if (this.queueBytes >= this.highWater && !this.paused) {
      this.paused = true;
      this.res?.pause();
    }
    if (added) this.emit('change');
  }

  /** One complete line `buf[start, end)` (its newline at `end`); false when it was one of the k to skip. */
  private addLine(buf: Buffer, src: string | Buffer, start: number, end: number): boolean {
    if (this.toSkip > 0) {
      this.toSkip--;
      this.parser.scan(buf, start, end);
      this.tracker.consume(this.parser.prevSec, end - start + 1);
      return false;
    }
    const line = this.parser.line(buf, src, start, end, end - start + 1);
    this.queue.push(line);
    this.queueBytes += line.rawBytes;
    return true;
  }

  private onEnd(err: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (err && !this.ac.signal.aborted) this.error = err;
    if (this.limitBytes !== undefined && this.bytesRead >= this.limitBytes) this.cut = true;
    this.emit('change');
  }
}
