// Reads the step's query output back: one protobuf-text `Response` line for the head, one per row
// (golang/protobuf CompactText of sqlflow.proto's Response, ../shared/notes/step-semantics.md §2),
// each cell a google.protobuf.Any whose `value` is the wrapper message, Go-text escaped.
// Just enough for the tests to compare tables: heads, and rows of numbers and strings.

export type Cell = number | string | null;

/** Go text-format string escapes back to bytes: \n \r \t \" \' \\ and octal \NNN; others literal. */
function unescapeBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i]!;
    if (/[0-7]/.test(n)) {
      out.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else out.push({ n: 10, r: 13, t: 9 }[n as 'n' | 'r' | 't'] ?? n.charCodeAt(0));
  }
  return Buffer.from(out);
}

function varint(b: Buffer, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const x = b[at++]!;
    v |= BigInt(x & 0x7f) << shift;
    if (!(x & 0x80)) return [v, at];
    shift += 7n;
  }
}

/** The wrapper's field 1 (zero when absent, as proto3 leaves it out). */
function decodeWrapper(type: string, value: Buffer): Cell {
  const kind = type.replace(/^.*\//, '');
  if (kind === 'proto.Row.Null') return null;
  if (value.length === 0) return kind === 'google.protobuf.StringValue' ? '' : 0;
  switch (kind) {
    case 'google.protobuf.DoubleValue': return value.readDoubleLE(1);
    case 'google.protobuf.FloatValue': return value.readFloatLE(1);
    case 'google.protobuf.StringValue':
    case 'google.protobuf.BytesValue': {
      const [len, at] = varint(value, 1);
      return value.subarray(at, at + Number(len)).toString('utf8');
    }
    default: {
      const [v] = varint(value, 1);
      return Number(BigInt.asIntN(64, v));
    }
  }
}

/** Column names of a `head:<…>` line, or undefined for any other line. */
export function parseHead(line: string): string[] | undefined {
  if (!line.startsWith('head:<')) return undefined;
  return [...line.matchAll(/column_names:"((?:[^"\\]|\\.)*)"/g)].map((m) => unescapeBytes(m[1]!).toString('utf8'));
}

/** Cells of a `row:<…>` line, or undefined for any other line. */
export function parseRow(line: string): Cell[] | undefined {
  if (!line.startsWith('row:<')) return undefined;
  return [...line.matchAll(/data:<type_url:"([^"]*)"(?: value:"((?:[^"\\]|\\.)*)")? >/g)].map((m) => decodeWrapper(m[1]!, unescapeBytes(m[2] ?? '')));
}

/** The tables in a step log: each head with the rows after it. */
export function tables(lines: string[]): { head: string[]; rows: Cell[][] }[] {
  const out: { head: string[]; rows: Cell[][] }[] = [];
  for (const l of lines) {
    const h = parseHead(l);
    if (h) out.push({ head: h, rows: [] });
    const r = parseRow(l);
    if (r && out.length) out.at(-1)!.rows.push(r);
  }
  return out;
}
