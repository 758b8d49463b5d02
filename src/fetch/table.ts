// Result tables from step output: a step prints each query result as protobuf-text `proto.Response` lines —
// `head:<column_names:"a" … > `, `row:<data:<type_url:"…DoubleValue" value:"\t\232…" > … > ` (Go CompactText) or
// `head { column_names: "a" }` (Python text_format, one line) — and `message:<message:"…"> ` for errors.
// Pure: text in, typed values out. The Any values are kept as bytes (proto.SQLFlow forwards them unchanged) and
// decoded into typed cells (for sqlflow.v1 and the CLI).
import { fromBinary, type DescMessage } from '@bufbuild/protobuf';
import {
  BoolValueSchema, BytesValueSchema, DoubleValueSchema, FloatValueSchema, Int32ValueSchema, Int64ValueSchema, StringValueSchema,
  TimestampSchema, UInt32ValueSchema, UInt64ValueSchema,
} from '@bufbuild/protobuf/wkt';

export const NULL_TYPE_URL = 'type.googleapis.com/proto.Row.Null';

/** One `google.protobuf.Any` of a row as printed: its type URL and the serialized wrapper message. */
export interface AnyValue {
  typeUrl: string;
  value: Uint8Array;
}

export type ResponseLine =
  | { kind: 'head'; columns: string[] }
  | { kind: 'row'; data: AnyValue[] }
  | { kind: 'message'; text: string };

export type CellType = 'null' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'float' | 'double' | 'string' | 'bytes' | 'timestamp';

/** A decoded row value. 64-bit integers are decimal strings (exact, and JSON-safe); bytes base64; timestamps RFC 3339. */
export interface Cell {
  type: CellType;
  value: boolean | number | string | null;
}

export interface Table {
  /** 0-based step the table came from. */
  step: number;
  columns: string[];
  rows: Cell[][];
  /** Rows without a head in these lines: they continue a table whose head came earlier (columns named by position). */
  continued: boolean;
}

export class TableTextError extends Error {
  override readonly name = 'TableTextError';
}

// ---- protobuf text format: a small tokenizer and a generic tree -------------------------------------------------

type Field = { name: string; value: Uint8Array | Node | string };
interface Node {
  fields: Field[];
}

class Lexer {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  peek(): string {
    this.ws();
    return this.s[this.i] ?? '';
  }
  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }
  ident(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.s.slice(this.i));
    if (!m) throw this.err('a field name');
    this.i += m[0].length;
    return m[0];
  }
  /** A scalar that is not a string (numbers, enums, true/false): kept as text. */
  bare(): string {
    this.ws();
    const m = /^[-+A-Za-z0-9_.]+/.exec(this.s.slice(this.i));
    if (!m) throw this.err('a value');
    this.i += m[0].length;
    return m[0];
  }
  /** One or more adjacent quoted strings (text format concatenates them), unescaped to bytes. */
  bytes(): Uint8Array {
    const out: number[] = [];
    while (this.peek() === '"' || this.peek() === "'") {
      const q = this.s[this.i++]!;
      for (;;) {
        if (this.i >= this.s.length) throw this.err(`a closing ${q}`);
        const c = this.s[this.i++]!;
        if (c === q) break;
        if (c !== '\\') {
          for (const b of Buffer.from(c, 'utf8')) out.push(b);
          continue;
        }
        const e = this.s[this.i++] ?? '';
        const simple: Record<string, number> = { n: 10, r: 13, t: 9, '"': 34, "'": 39, '\\': 92, a: 7, b: 8, f: 12, v: 11, '?': 63 };
        if (e in simple) out.push(simple[e]!);
        else if (/[0-7]/.test(e)) {
          let v = Number(e);
          for (let k = 0; k < 2 && /[0-7]/.test(this.s[this.i] ?? ''); k++) v = v * 8 + Number(this.s[this.i++]);
          if (v > 255) throw this.err('an octal escape up to \\377');
          out.push(v);
        } else if (e === 'x') {
          const m = /^[0-9A-Fa-f]{1,2}/.exec(this.s.slice(this.i));
          if (!m) throw this.err('hex digits after \\x');
          this.i += m[0].length;
          out.push(parseInt(m[0], 16));
        } else throw this.err(`a known escape (not \\${e})`);
      }
    }
    return Uint8Array.from(out);
  }
  err(what: string): TableTextError {
    return new TableTextError(`protobuf text: expected ${what} at column ${this.i + 1}`);
  }
}

function parseNode(lx: Lexer, close: string): Node {
  const fields: Field[] = [];
  for (;;) {
    const c = lx.peek();
    if (c === close) {
      if (close) lx.i++;
      return { fields };
    }
    if (c === '') throw lx.err(close ? `"${close}"` : 'a field');
    const name = lx.ident();
    const colon = lx.eat(':');
    const open = lx.peek();
    if (open === '<' || open === '{') {
      lx.i++;
      fields.push({ name, value: parseNode(lx, open === '<' ? '>' : '}') });
    } else {
      if (!colon) throw lx.err(`":" after ${name}`);
      fields.push({ name, value: open === '"' || open === "'" ? lx.bytes() : lx.bare() });
    }
    lx.eat(',') || lx.eat(';');
  }
}

const isNode = (v: Field['value']): v is Node => typeof v === 'object' && !(v instanceof Uint8Array);
const utf8 = new TextDecoder('utf-8', { fatal: false });

function str(v: Field['value'], what: string): string {
  if (!(v instanceof Uint8Array)) throw new TableTextError(`protobuf text: ${what} must be a quoted string`);
  return utf8.decode(v);
}

/** The response of a line that is a protobuf-text head/row/message, else undefined (an ordinary log line). */
export function parseResponseLine(line: string): ResponseLine | undefined {
  const t = line.trim();
  const m = /^(head|row|message)\s*:?\s*[<{]/.exec(t);
  if (!m) return undefined;
  let root: Node;
  try {
    const lx = new Lexer(t);
    root = parseNode(lx, '');
  } catch {
    // Looks like a response but is not one (e.g. a log line starting with "message {"): an ordinary line.
    return undefined;
  }
  if (root.fields.length !== 1) return undefined;
  const f = root.fields[0]!;
  if (!isNode(f.value)) return undefined;
  try {
    if (f.name === 'head') {
      return { kind: 'head', columns: f.value.fields.filter((x) => x.name === 'column_names').map((x) => str(x.value, 'column_names')) };
    }
    if (f.name === 'message') {
      const texts = f.value.fields.filter((x) => x.name === 'message').map((x) => str(x.value, 'message'));
      return { kind: 'message', text: texts.join('') };
    }
    const data: AnyValue[] = [];
    for (const d of f.value.fields) {
      if (d.name !== 'data') continue;
      if (!isNode(d.value)) throw new TableTextError('protobuf text: row data must be messages');
      let typeUrl = '';
      let value: Uint8Array = new Uint8Array();
      for (const x of d.value.fields) {
        if (x.name === 'type_url') typeUrl = str(x.value, 'type_url');
        else if (x.name === 'value') {
          if (!(x.value instanceof Uint8Array)) throw new TableTextError('protobuf text: an Any value must be a quoted string');
          value = x.value;
        }
      }
      if (!typeUrl) throw new TableTextError('protobuf text: row data without type_url');
      data.push({ typeUrl, value });
    }
    return { kind: 'row', data };
  } catch {
    return undefined;
  }
}

// ---- Any → typed cell --------------------------------------------------------------------------------------------

const WRAPPERS: Record<string, { type: CellType; schema: DescMessage }> = {
  'google.protobuf.BoolValue': { type: 'bool', schema: BoolValueSchema },
  'google.protobuf.Int32Value': { type: 'int32', schema: Int32ValueSchema },
  'google.protobuf.Int64Value': { type: 'int64', schema: Int64ValueSchema },
  'google.protobuf.UInt32Value': { type: 'uint32', schema: UInt32ValueSchema },
  'google.protobuf.UInt64Value': { type: 'uint64', schema: UInt64ValueSchema },
  'google.protobuf.FloatValue': { type: 'float', schema: FloatValueSchema },
  'google.protobuf.DoubleValue': { type: 'double', schema: DoubleValueSchema },
  'google.protobuf.StringValue': { type: 'string', schema: StringValueSchema },
  'google.protobuf.BytesValue': { type: 'bytes', schema: BytesValueSchema },
};

/** Decodes one row value; throws TableTextError naming the type for an unknown type or bad bytes. */
export function decodeAny(a: AnyValue): Cell {
  if (a.typeUrl === NULL_TYPE_URL) return { type: 'null', value: null };
  const name = a.typeUrl.slice(a.typeUrl.lastIndexOf('/') + 1);
  try {
    if (name === 'google.protobuf.Timestamp') {
      const ts = fromBinary(TimestampSchema, a.value);
      const ms = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
      return { type: 'timestamp', value: new Date(ms).toISOString() };
    }
    const w = WRAPPERS[name];
    if (!w) throw new TableTextError(`row value of type ${a.typeUrl} is not one SQLFlow prints (a google.protobuf wrapper, Timestamp or proto.Row.Null)`);
    const v = (fromBinary(w.schema, a.value) as unknown as { value: unknown }).value;
    if (typeof v === 'bigint') return { type: w.type, value: v.toString() };
    if (v instanceof Uint8Array) return { type: w.type, value: Buffer.from(v).toString('base64') };
    return { type: w.type, value: v as boolean | number | string };
  } catch (err) {
    if (err instanceof TableTextError) throw err;
    throw new TableTextError(`row value of type ${a.typeUrl}: cannot decode ${a.value.length} bytes (${(err as Error).message})`);
  }
}

/** Collects a step's tables from its lines: a head starts a table, rows join the latest one. */
export class TableCollector {
  private current: Table | undefined;
  readonly tables: Table[] = [];

  /** Returns the response the line was (so callers can forward it), or undefined for an ordinary line. */
  add(step: number, line: string): ResponseLine | undefined {
    const r = parseResponseLine(line);
    if (!r) return undefined;
    if (r.kind === 'head') {
      this.current = { step, columns: r.columns, rows: [], continued: false };
      this.tables.push(this.current);
    } else if (r.kind === 'row') {
      if (!this.current || this.current.step !== step) {
        // Rows without a head (a head split across lines, say): named by position.
        this.current = { step, columns: r.data.map((_, i) => `column${i + 1}`), rows: [], continued: true };
        this.tables.push(this.current);
      }
      let cells: Cell[];
      try {
        cells = r.data.map(decodeAny);
      } catch {
        return undefined; // not a row SQLFlow prints: shown as the plain line it is
      }
      this.current.rows.push(cells);
    }
    return r;
  }
}
