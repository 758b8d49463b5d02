import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SQLFlowSyntaxError } from './errors.ts';
import { checkProgram, MAX_ERRORS, parseProgram } from './parse.ts';

/** Parses `program`, expects a SQLFlowSyntaxError at line:column whose reason matches. */
function fails(program: string, line: number, column: number, reason: RegExp): SQLFlowSyntaxError {
  try {
    parseProgram(program);
  } catch (e) {
    assert.ok(e instanceof SQLFlowSyntaxError, `not a SQLFlowSyntaxError: ${String(e)}`);
    assert.equal(`${e.line}:${e.column}`, `${line}:${column}`, e.message);
    assert.match(e.reason, reason);
    assert.equal(e.message, `${line}:${column}: ${e.reason}`);
    return e;
  }
  assert.fail(`no error for ${JSON.stringify(program)}`);
}

describe('syntax errors point at line:column', () => {
  it('TO … without SELECT', () => {
    fails('SELECT 1;\n  TO TRAIN DNN INTO m;', 2, 3, /TO TRAIN without SELECT/);
    fails('INSERT INTO t TO PREDICT a.b USING m', 1, 1, /TO PREDICT must follow a SELECT, not INSERT/);
  });

  it('SELECT … SHOW TRAIN', () => {
    fails('SELECT * FROM t\nSHOW TRAIN m;', 2, 1, /SHOW TRAIN is a statement of its own/);
  });

  it('unterminated string, identifier and comment', () => {
    fails("SELECT 1;\nSELECT 'x;\nSELECT 2;", 2, 8, /unterminated string/);
    fails('SELECT "x', 1, 8, /unterminated string/);
    fails('SELECT `x', 1, 8, /unterminated identifier/);
    fails('SELECT 1; /* x\n\n', 1, 11, /unterminated comment/);
  });

  it('missing required clauses point at the end of the statement', () => {
    fails('SELECT * FROM t TO TRAIN DNN WITH a = 1;', 1, 40, /TO TRAIN without INTO/);
    fails('SELECT * FROM t\nTO PREDICT r.c;', 2, 15, /TO PREDICT without USING/);
    fails('SELECT 1 TO EVALUATE m INTO t', 1, 30, /TO EVALUATE without LABEL/);
    fails('SELECT 1 TO MAXIMIZE x INTO t', 1, 30, /TO MAXIMIZE without WITH/);
    fails('SELECT 1 TO TRAIN', 1, 18, /TO TRAIN needs a name/);
  });

  it('unknown clause and unknown extension', () => {
    fails('SELECT 1 TO TRAIN m\n  WHERE a INTO t', 2, 3, /unknown clause WHERE in TO TRAIN/);
    fails('SELECT 1 TO FLY m', 1, 13, /unknown extended syntax TO FLY/);
  });

  it('duplicated attribute and clause, clause order', () => {
    fails('SELECT 1 TO TRAIN m WITH a.b = 1,\n  A.B = 2 INTO t', 2, 3, /attribute A.B is set twice \(first at 1:26\)/);
    fails('SELECT 1 TO TRAIN m LABEL a LABEL b INTO t', 1, 29, /duplicate LABEL clause in TO TRAIN \(the first is at 1:21\)/);
    fails('SELECT 1 TO TRAIN m INTO t LABEL c', 1, 28, /LABEL must come before INTO/);
    fails('SELECT 1 TO RUN img INTO t', 1, 21, /INTO in TO RUN needs a CMD/);
  });

  it('bad values', () => {
    fails('SELECT 1 TO TRAIN m WITH a = INTO t', 1, 30, /expected a value, found keyword INTO/);
    fails('SELECT 1 TO TRAIN m WITH a 1 INTO t', 1, 28, /expected = after attribute a/);
    fails('SELECT 1 TO TRAIN m WITH a = [1, 2 INTO t', 1, 36, /expected \] to close the list/);
    fails('SELECT 1 TO RUN img CMD binning.py', 1, 25, /CMD arguments are quoted strings/);
    fails('SELECT 1 TO RUN `img {{x}}`', 1, 17, /TO RUN image "img \{\{x\}\}" is not a container image reference/);
    fails('SELECT 1 TO TRAIN m WITH a = ' + '('.repeat(500) + '1' + ')'.repeat(500) + ' INTO t', 1, 231, /nested more than 200/);
  });

  it('NUL and unpaired surrogates', () => {
    fails('SELECT 1;\nSELECT "a\0"', 2, 10, /NUL character/);
    fails('SELECT "\ud800"', 1, 9, /unpaired surrogate/);
  });

  it('columns count code points, so a line with emoji still points right', () => {
    fails('SELECT "😀😀" TO TRAIN m', 1, 23, /TO TRAIN without INTO/);
  });

  it('formats FILE:line:column and a caret excerpt', () => {
    const e = fails('SELECT 1;\nSELECT\t* FROM t TO TRAIN m;', 2, 27, /without INTO/);
    assert.equal(e.format('prog.sql'), `prog.sql:2:27: ${e.reason}\n  SELECT\t* FROM t TO TRAIN m;\n        \t                   ^`);
  });

  it('checkProgram collects one error per bad statement and keeps the good ones', () => {
    const { statements, errors } = checkProgram('SELECT 1 TO TRAIN m;\nSELECT 2;\nTO RUN x;');
    assert.deepEqual(statements.map((s) => s.text), ['SELECT 2']);
    assert.deepEqual(errors.map((e) => `${e.line}:${e.column}`), ['1:20', '3:1']);
  });

  it('checkProgram stops after MAX_ERRORS errors', () => {
    const bad = checkProgram('SELECT 1 TO TRAIN m;'.repeat(MAX_ERRORS + 5));
    assert.equal(bad.errors.length, MAX_ERRORS);
    assert.equal(bad.truncated, true);
    assert.equal(checkProgram('SELECT 1 TO TRAIN m;'.repeat(MAX_ERRORS)).truncated, false);
  });
});
