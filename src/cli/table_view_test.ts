import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TableView } from './table_view.ts';

const HEAD = { step: 0, text: 'head:<column_names:"name" column_names:"n" > ' };
const row = (s: string, n: number) => ({
  step: 0,
  text: `row:<data:<type_url:"type.googleapis.com/google.protobuf.StringValue" value:"\\n${'\\' + s.length.toString(8).padStart(3, '0')}${s}" > data:<type_url:"type.googleapis.com/google.protobuf.Int64Value" value:"\\010${'\\' + n.toString(8).padStart(3, '0')}" > > `,
});

test('aligned: a table between plain lines, numbers right-aligned', () => {
  const v = new TableView('aligned');
  const out = v.render([{ step: 0, text: 'start' }, HEAD, row('setosa', 7), row('virginica', 12)]) + v.render([{ step: 0, text: 'done' }]) + v.flush();
  assert.equal(out, 'start\nname        n\n---------  --\nsetosa      7\nvirginica  12\ndone\n');
});

test('json: lines and tables as JSON Lines; raw: the lines unchanged', () => {
  const j = new TableView('json');
  const out = j.render([HEAD, row('a', 1)]) + j.flush();
  assert.deepEqual(JSON.parse(out), { step: 0, table: { columns: ['name', 'n'], rows: [['a', '1']], types: ['string', 'int64'] } });
  const r = new TableView('raw');
  assert.equal(r.render([HEAD]), `${HEAD.text}\n`);
});
