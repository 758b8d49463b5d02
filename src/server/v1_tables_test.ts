import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tablesOf } from './v1_tables.ts';

test('v1 tables: typed cells from the step lines; notices and plain lines ignored; a headless continuation marked', () => {
  const t = tablesOf([
    { step: 0, text: 'running' },
    { step: 0, text: 'head:<column_names:"x" column_names:"n" column_names:"s" column_names:"z" > ' },
    { step: 0, text: 'row:<data:<type_url:"type.googleapis.com/google.protobuf.DoubleValue" value:"\\tffffff\\006@" > data:<type_url:"type.googleapis.com/google.protobuf.Int32Value" value:"\\010\\002" > data:<type_url:"type.googleapis.com/google.protobuf.StringValue" value:"\\n\\006setosa" > data:<type_url:"type.googleapis.com/proto.Row.Null" > > ' },
    { step: 0, text: 'head:<column_names:"fake" > ', notice: true },
    { step: 1, text: 'row:<data:<type_url:"type.googleapis.com/google.protobuf.Int64Value" value:"\\010\\007" > > ' },
  ]);
  assert.equal(t.length, 2);
  assert.deepEqual(t[0]!.columns, ['x', 'n', 's', 'z']);
  assert.deepEqual(t[0]!.rows[0]!.cells.map((c) => [c.value.case, c.value.value]), [['double', 2.8], ['int64', 2n], ['string', 'setosa'], ['null', true]]);
  assert.equal(t[1]!.continued, true);
  assert.deepEqual(t[1]!.columns, []);
  assert.equal(t[1]!.rows[0]!.cells[0]!.value.value, 7n);
});
