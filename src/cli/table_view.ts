// How `sqlflow run/logs` shows step lines: the protobuf-text table lines steps print (head/row) become aligned
// tables on a terminal ('aligned'), JSON Lines for machines ('json': {"step","line"} and {"step","table"}), or
// stay the raw lines ('raw', when stdout is not a terminal, so pipes see exactly what the step printed).
import { parseResponseLine, decodeAny, type Cell } from '../fetch/table.ts';

export type TableMode = 'aligned' | 'json' | 'raw';

export interface ViewLine {
  step: number;
  text: string;
  time?: string;
}

interface Pending {
  step: number;
  columns: string[];
  rows: Cell[][];
}

function cellText(c: Cell): string {
  return c.value === null ? 'NULL' : String(c.value);
}

export function alignedTable(columns: readonly string[], rows: readonly Cell[][]): string {
  const width = rows.reduce((n, r) => Math.max(n, r.length), columns.length);
  const head = Array.from({ length: width }, (_, i) => columns[i] ?? `column${i + 1}`);
  const body = rows.map((r) => Array.from({ length: width }, (_, i) => (r[i] ? cellText(r[i]!) : '')));
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = head.map((_, i) => rows.every((r) => !r[i] || ['int32', 'int64', 'uint32', 'uint64', 'float', 'double', 'null'].includes(r[i]!.type)));
  const fmt = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [fmt(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(fmt)].join('\n') + '\n';
}

export class TableView {
  private pending: Pending | undefined;
  constructor(readonly mode: TableMode) {}

  /** Text to print for these lines (a table still being printed is held until it ends). */
  render(lines: readonly ViewLine[]): string {
    let out = '';
    for (const l of lines) {
      const plain = () => (this.mode === 'json' ? `${JSON.stringify({ step: l.step, line: l.text, ...(l.time ? { time: l.time } : {}) })}\n` : `${l.time ? `${l.time} ` : ''}${l.text}\n`);
      if (this.mode === 'raw') {
        out += plain();
        continue;
      }
      const r = parseResponseLine(l.text);
      let row: Cell[] | undefined;
      if (r?.kind === 'row') {
        try {
          row = r.data.map(decodeAny);
        } catch {
          row = undefined;
        }
      }
      if (r?.kind === 'head') {
        out += this.flush();
        this.pending = { step: l.step, columns: r.columns, rows: [] };
      } else if (row) {
        if (!this.pending || this.pending.step !== l.step) {
          out += this.flush();
          this.pending = { step: l.step, columns: [], rows: [] };
        }
        this.pending.rows.push(row);
      } else {
        out += this.flush() + plain();
      }
    }
    return out;
  }

  /** The held table, if any (call at a step's end and at the end of the output). */
  flush(): string {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return '';
    if (this.mode === 'json') {
      return `${JSON.stringify({ step: p.step, table: { columns: p.columns, rows: p.rows.map((r) => r.map((c) => c.value)), types: p.rows[0]?.map((c) => c.type) ?? [] } })}\n`;
    }
    return alignedTable(p.columns, p.rows);
  }
}
