// sqlflow.v1 FetchResponse.tables: the result tables in one response's lines, typed (src/fetch/table.ts parses).
import { create } from '@bufbuild/protobuf';
import type { FetchedLine } from '../fetch/fetch.ts';
import { TableCollector, type Cell as TableCell } from '../fetch/table.ts';
import { CellSchema, TableRowSchema, TableSchema, type Cell, type Table } from '../gen/sqlflow/v1/sqlflow_pb.ts';

function toCell(c: TableCell): Cell {
  const v = c.value;
  switch (c.type) {
    case 'null': return create(CellSchema, { value: { case: 'null', value: true } });
    case 'bool': return create(CellSchema, { value: { case: 'bool', value: v as boolean } });
    case 'int32': case 'int64': return create(CellSchema, { value: { case: 'int64', value: BigInt(v as number | string) } });
    case 'uint32': case 'uint64': return create(CellSchema, { value: { case: 'uint64', value: BigInt(v as number | string) } });
    case 'float': case 'double': return create(CellSchema, { value: { case: 'double', value: v as number } });
    case 'string': return create(CellSchema, { value: { case: 'string', value: v as string } });
    case 'bytes': return create(CellSchema, { value: { case: 'bytes', value: Uint8Array.from(Buffer.from(v as string, 'base64')) } });
    case 'timestamp': return create(CellSchema, { value: { case: 'timestamp', value: v as string } });
  }
}

export function tablesOf(lines: readonly FetchedLine[]): Table[] {
  const c = new TableCollector();
  for (const l of lines) if (!l.notice) c.add(l.step, l.text);
  return c.tables.map((t) => create(TableSchema, {
    step: t.step,
    columns: t.continued ? [] : t.columns,
    continued: t.continued,
    rows: t.rows.map((r) => create(TableRowSchema, { cells: r.map(toCell) })),
  }));
}
