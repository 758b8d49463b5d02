import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SQLFlowSyntaxError } from './errors.ts';
import { split } from './split.ts';

const texts = (program: string) => split(program).map((s) => s.text);

describe('split', () => {
  it('splits at top-level semicolons and trims whitespace', () => {
    assert.deepEqual(texts('SELECT 1;\n  SELECT 2 ;SELECT 3'), ['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('ignores ; inside single and double quotes, with both escape styles', () => {
    assert.deepEqual(texts(`SELECT 'a;b', 'it''s;', 'x\\';y'; SELECT "c;d", "say ""hi;""", "e\\";f"`), [
      `SELECT 'a;b', 'it''s;', 'x\\';y'`,
      `SELECT "c;d", "say ""hi;""", "e\\";f"`,
    ]);
  });

  it('does not end a double-quoted string at a single quote (the original lexer bug)', () => {
    assert.deepEqual(texts(`SELECT "it's; fine"; SELECT 2`), [`SELECT "it's; fine"`, 'SELECT 2']);
  });

  it('ignores ; in backtick identifiers, -- and # line comments and block comments', () => {
    const program = 'SELECT `a;``b` FROM t -- c;\n WHERE x # d;\n AND y /* e; */ = 1; SELECT 2';
    assert.deepEqual(texts(program), ['SELECT `a;``b` FROM t -- c;\n WHERE x # d;\n AND y /* e; */ = 1', 'SELECT 2']);
  });

  it('drops empty and comment-only statements and trims comments around a statement', () => {
    assert.deepEqual(texts(';; -- only a comment\n; /* another */ ;\n-- lead\nSELECT 1 -- trail\n;\n# end'), ['SELECT 1']);
    assert.deepEqual(texts(''), []);
    assert.deepEqual(texts('  \n -- x'), []);
  });

  it('numbers statements and records 1-based line:column spans (code points)', () => {
    const [a, b] = split('SELECT 1;\n  /* c */ SELECT "é😀" ;');
    assert.deepEqual(a?.span.start, { offset: 0, line: 1, column: 1 });
    assert.deepEqual(a?.span.end, { offset: 8, line: 1, column: 9 });
    assert.equal(b?.index, 1);
    assert.deepEqual(b?.span.start, { offset: 20, line: 2, column: 11 });
    // "é😀" is 3 code points between the quotes, 4 UTF-16 units.
    assert.deepEqual(b?.span.end, { offset: 32, line: 2, column: 22 });
  });

  it('keeps statement text byte for byte, including newlines and non-ASCII', () => {
    const stmt = "SELECT '$HOME `x` \\\\ {{a}}',\n  \"ünï😀\" FROM t";
    assert.deepEqual(texts(`${stmt};`), [stmt]);
  });

  it('rejects unterminated strings and comments with their opening position', () => {
    for (const [program, line, column] of [
      ["SELECT 1;\nSELECT 'abc;", 2, 8],
      ['SELECT "abc', 1, 8],
      ['SELECT `abc', 1, 8],
      ['SELECT 1 /* never closed', 1, 10],
      ["SELECT 'a\\'", 1, 8],
    ] as const) {
      assert.throws(
        () => split(program),
        (e: unknown) => e instanceof SQLFlowSyntaxError && e.line === line && e.column === column,
        program,
      );
    }
  });
});
