// The worked bytes of step-semantics §2 (iris.train row 1: 6.4, 2.8, 5.6, 2.2, 2, and a string), both text dialects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeAny, parseResponseLine, TableCollector, TableTextError, NULL_TYPE_URL } from './table.ts';

const D = 'type.googleapis.com/google.protobuf.DoubleValue';
const IRIS_HEAD = 'head:<column_names:"sepal_length" column_names:"sepal_width" column_names:"petal_length" column_names:"petal_width" column_names:"class" > ';
const IRIS_ROW =
  `row:<data:<type_url:"${D}" value:"\\t\\232\\231\\231\\231\\231\\231\\031@" > ` +
  `data:<type_url:"${D}" value:"\\tffffff\\006@" > ` +
  `data:<type_url:"${D}" value:"\\tffffff\\026@" > ` +
  `data:<type_url:"${D}" value:"\\t\\232\\231\\231\\231\\231\\231\\001@" > ` +
  'data:<type_url:"type.googleapis.com/google.protobuf.Int32Value" value:"\\010\\002" > > ';

describe('parseResponseLine', () => {
  test('Go CompactText head', () => {
    assert.deepEqual(parseResponseLine(IRIS_HEAD), { kind: 'head', columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'class'] });
  });

  test('Go CompactText row: escapes become the serialized wrapper bytes', () => {
    const r = parseResponseLine(IRIS_ROW);
    assert.equal(r?.kind, 'row');
    if (r?.kind !== 'row') return;
    assert.equal(r.data.length, 5);
    const f64 = (v: number) => { const b = Buffer.alloc(9); b[0] = 9; b.writeDoubleLE(v, 1); return Uint8Array.from(b); };
    assert.deepEqual(r.data[0]!.value, f64(6.4));
    assert.deepEqual(r.data[1]!.value, f64(2.8));
    assert.deepEqual(r.data[2]!.value, f64(5.6));
    assert.deepEqual(r.data[3]!.value, f64(2.2));
    assert.deepEqual(r.data[4]!.value, Uint8Array.from([8, 2]));
    assert.deepEqual(r.data.map(decodeAny).map((c) => c.value), [6.4, 2.8, 5.6, 2.2, 2]);
    assert.deepEqual(r.data.map(decodeAny).map((c) => c.type), ['double', 'double', 'double', 'double', 'int32']);
  });

  test('StringValue, \\n escape, NULL, empty value both ways', () => {
    const r = parseResponseLine(
      'row:<data:<type_url:"type.googleapis.com/google.protobuf.StringValue" value:"\\n\\006setosa" > ' +
      `data:<type_url:"${NULL_TYPE_URL}" > ` +
      'data:<type_url:"type.googleapis.com/google.protobuf.Int64Value" > ' +
      'data:<type_url:"type.googleapis.com/google.protobuf.StringValue" value:"" > > ',
    );
    assert.equal(r?.kind, 'row');
    if (r?.kind !== 'row') return;
    assert.deepEqual(r.data.map(decodeAny), [
      { type: 'string', value: 'setosa' }, { type: 'null', value: null }, { type: 'int64', value: '0' }, { type: 'string', value: '' },
    ]);
  });

  test('Python text_format (as_one_line) dialect', () => {
    assert.deepEqual(parseResponseLine('head { column_names: "a" column_names: "b" }'), { kind: 'head', columns: ['a', 'b'] });
    const r = parseResponseLine('row { data { type_url: "type.googleapis.com/google.protobuf.Int64Value" value: "\\010\\002" } data { type_url: "type.googleapis.com/google.protobuf.FloatValue" value: "\\r\\000\\000\\300?" } }');
    assert.equal(r?.kind, 'row');
    if (r?.kind !== 'row') return;
    assert.deepEqual(r.data.map(decodeAny), [{ type: 'int64', value: '2' }, { type: 'float', value: 1.5 }]);
  });

  test('UTF-8 text and a message line', () => {
    assert.deepEqual(parseResponseLine('message:<message:"unknown column \\"x\\" in Köln" > '), { kind: 'message', text: 'unknown column "x" in Köln' });
    const r = parseResponseLine('row:<data:<type_url:"type.googleapis.com/google.protobuf.StringValue" value:"\\n\\005K\\303\\266ln" > > ');
    assert.ok(r?.kind === 'row');
    if (r?.kind === 'row') assert.deepEqual(decodeAny(r.data[0]!), { type: 'string', value: 'Köln' });
  });

  test('ordinary log lines are not responses', () => {
    for (const l of ['', 'OK', '5 rows affected', 'head of the queue: 3', 'row 17 done', 'message: hello', 'data:text/html,<div>x</div>',
      'head:<column_names:"unterminated > ', 'row:<data:<type_url:"x" value:"\\q" > > ', 'head:<a:1> b:<c:2>']) {
      assert.equal(parseResponseLine(l), undefined, l);
    }
  });
});

describe('decodeAny', () => {
  test('every wrapper and Timestamp', () => {
    const t = (n: string) => `type.googleapis.com/google.protobuf.${n}`;
    assert.deepEqual(decodeAny({ typeUrl: t('BoolValue'), value: Uint8Array.from([8, 1]) }), { type: 'bool', value: true });
    assert.deepEqual(decodeAny({ typeUrl: t('UInt32Value'), value: Uint8Array.from([8, 7]) }), { type: 'uint32', value: 7 });
    assert.deepEqual(decodeAny({ typeUrl: t('UInt64Value'), value: Uint8Array.from([8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]) }), { type: 'uint64', value: '18446744073709551615' });
    assert.deepEqual(decodeAny({ typeUrl: t('Int64Value'), value: Uint8Array.from([8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]) }), { type: 'int64', value: '-1' });
    assert.deepEqual(decodeAny({ typeUrl: t('BytesValue'), value: Uint8Array.from([10, 2, 0, 255]) }), { type: 'bytes', value: 'AP8=' });
    // seconds = 1600000000 (varint), nanos = 5e8
    const ts = Uint8Array.from([8, 0x80, 0xa0, 0xf8, 0xfa, 0x05, 16, 0x80, 0xca, 0xb5, 0xee, 0x01]);
    assert.deepEqual(decodeAny({ typeUrl: t('Timestamp'), value: ts }), { type: 'timestamp', value: '2020-09-13T12:26:40.500Z' });
  });

  test('unknown type or corrupt bytes: a clear error', () => {
    assert.throws(() => decodeAny({ typeUrl: 'type.googleapis.com/foo.Bar', value: new Uint8Array() }), (e) => e instanceof TableTextError && /foo\.Bar/.test(e.message));
    assert.throws(() => decodeAny({ typeUrl: 'type.googleapis.com/google.protobuf.DoubleValue', value: Uint8Array.from([9, 1]) }), (e) => e instanceof TableTextError && /DoubleValue/.test(e.message));
  });
});

describe('TableCollector', () => {
  test('head then rows make a table; plain lines pass; a later head starts another table', () => {
    const c = new TableCollector();
    assert.equal(c.add(0, 'running'), undefined);
    assert.equal(c.add(0, IRIS_HEAD)?.kind, 'head');
    assert.equal(c.add(0, IRIS_ROW)?.kind, 'row');
    c.add(0, IRIS_ROW);
    c.add(1, 'head:<column_names:"n" > ');
    assert.equal(c.tables.length, 2);
    assert.equal(c.tables[0]!.rows.length, 2);
    assert.deepEqual(c.tables[0]!.rows[0]!.map((x) => x.value), [6.4, 2.8, 5.6, 2.2, 2]);
    assert.deepEqual(c.tables[1], { step: 1, columns: ['n'], rows: [], continued: false });
    c.add(2, IRIS_ROW);
    assert.equal(c.tables[2]!.continued, true);
  });
});
