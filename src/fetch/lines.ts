// Lines of a `timestamps=true` log answer, parsed straight from the received bytes.
//
// Why not a string per line and a regex: a finished 100 MB log is a million lines, and the drain was bound by
// per-line work (a Buffer copy, a latin1 string and a regex for the prefix, Date.parse, a utf8 string for the text).
// Here a chunk that is pure ASCII (the common case, checked natively) is decoded ONCE into a string and each line is a
// substring of it; the timestamp is checked byte by byte and its second computed only when the "YYYY-MM-DDTHH:MM:SS"
// part differs from the previous line's — once per second of log, not once per line. Anything unusual (an offset
// instead of Z, a malformed prefix) takes the general path, timestampSecond(), so the result is the same either way.
import { isAscii } from 'node:buffer';

/** One complete line of an answer. `text` and `time` are decoded on first use. */
export interface ParsedLine {
  /** Unix second of the line's timestamp (inherited when unparsable). */
  readonly sec: number;
  /** The kubelet's RFC3339Nano timestamp as sent, or '' when the prefix was not a timestamp. */
  readonly time: string;
  /** Line content (UTF-8) without the timestamp prefix and without its newline. */
  readonly text: string;
  /** Bytes of `text` as sent (UTF-8). */
  readonly size: number;
  /** Bytes the line took in the answer (prefix and newline included). */
  readonly rawBytes: number;
}

const TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Unix seconds of an RFC3339 timestamp (fraction ignored), or undefined. */
export function timestampSecond(s: string): number | undefined {
  const m = TS.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8]}`);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * A line kept as offsets into its chunk: the chunk's decoded string when the chunk is ASCII (one decode per chunk,
 * substrings share it), else the chunk's bytes (decoded per line). Holding the source pins one chunk (≤ 64 KiB).
 */
class SlicedLine implements ParsedLine {
  constructor(
    readonly sec: number,
    private readonly src: string | Buffer,
    private readonly start: number,
    /** Start of the content: `start` when there is no timestamp prefix, else after its space. */
    private readonly textStart: number,
    private readonly end: number,
    readonly rawBytes: number,
  ) {}

  get size(): number {
    return this.end - this.textStart;
  }

  get text(): string {
    return typeof this.src === 'string' ? this.src.slice(this.textStart, this.end) : this.src.toString('utf8', this.textStart, this.end);
  }

  get time(): string {
    if (this.textStart === this.start) return '';
    return typeof this.src === 'string' ? this.src.slice(this.start, this.textStart - 1) : this.src.toString('latin1', this.start, this.textStart - 1);
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** Byte offsets of the separators in "YYYY-MM-DDTHH:MM:SS". */
const SEPARATORS: readonly [number, number][] = [[4, 0x2d], [7, 0x2d], [10, 0x54], [13, 0x3a], [16, 0x3a]];
const SECOND_PREFIX = 19;
/** RFC3339Nano is at most 35 characters; the space is looked for only near the start. */
const PREFIX_SCAN = 40;

/**
 * Parses the lines of one answer in order. Keeps the previous line's second (inherited by an unparsable prefix) and
 * the last "YYYY-MM-DDTHH:MM:SS" seen with its Unix second.
 */
export class LineParser {
  prevSec: number;
  private readonly lastPrefix = Buffer.alloc(SECOND_PREFIX);
  private lastPrefixSec = -1;

  constructor(startSec: number) {
    this.prevSec = startSec;
  }

  /** Decodes a chunk once for slicing, when that is exact (pure ASCII); else lines decode their own bytes. */
  static source(chunk: Buffer): string | Buffer {
    return isAscii(chunk) ? chunk.toString('latin1') : chunk;
  }

  /** The line in `buf[start, end)` (no newline); `src` is `buf` or its decoded string (source()). */
  line(buf: Buffer, src: string | Buffer, start: number, end: number, rawBytes: number): ParsedLine {
    const textStart = this.scan(buf, start, end);
    return new SlicedLine(this.prevSec, src, start, textStart, end, rawBytes);
  }

  /**
   * Reads the timestamp prefix of `buf[start, end)`: sets prevSec to its second (kept when unparsable) and returns
   * where the content starts (`start` when there is no timestamp).
   */
  scan(buf: Buffer, start: number, end: number): number {
    const sp = this.fastScan(buf, start, end);
    if (sp >= 0) return sp + 1;
    return this.slowScan(buf, start, end);
  }

  /** "YYYY-MM-DDTHH:MM:SS[.fffffffff]Z " with the cached second: returns the space's offset, or -1. */
  private fastScan(buf: Buffer, start: number, end: number): number {
    if (end - start < SECOND_PREFIX + 2) return -1;
    let same = this.lastPrefixSec >= 0;
    for (let i = 0; i < SECOND_PREFIX; i++) {
      const c = buf[start + i]!;
      if (same && c !== this.lastPrefix[i]) same = false;
    }
    let p = start + SECOND_PREFIX;
    if (buf[p] === 0x2e) {
      p++;
      const digits = p;
      while (p < end && p - digits < 9 && isDigit(buf[p]!)) p++;
      if (p === digits) return -1;
    }
    if (buf[p] !== 0x5a || buf[p + 1] !== 0x20) return -1;
    if (same) {
      this.prevSec = this.lastPrefixSec;
      return p + 1;
    }
    for (const [at, ch] of SEPARATORS) if (buf[start + at] !== ch) return -1;
    for (let i = 0; i < SECOND_PREFIX; i++) if (!SEPARATORS.some(([at]) => at === i) && !isDigit(buf[start + i]!)) return -1;
    const sec = timestampSecond(buf.toString('latin1', start, p + 1));
    if (sec === undefined) return -1;
    buf.copy(this.lastPrefix, 0, start, start + SECOND_PREFIX);
    this.lastPrefixSec = sec;
    this.prevSec = sec;
    return p + 1;
  }

  /** The general prefix: any RFC3339 form timestampSecond() accepts, else no timestamp. */
  private slowScan(buf: Buffer, start: number, end: number): number {
    const sp = buf.subarray(start, Math.min(end, start + PREFIX_SCAN)).indexOf(0x20);
    if (sp > 0) {
      const sec = timestampSecond(buf.toString('latin1', start, start + sp));
      if (sec !== undefined) {
        this.prevSec = sec;
        return start + sp + 1;
      }
    }
    return start;
  }
}

/**
 * Splits one raw line (without its newline) into timestamp and content. `prevSec` is inherited when the prefix is
 * not a timestamp.
 */
export function parseLine(raw: Buffer, prevSec: number, rawBytes: number): ParsedLine {
  return new LineParser(prevSec).line(raw, raw, 0, raw.length, rawBytes);
}
