import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SQLFlowSyntaxError } from './errors.ts';
import { parseProgram } from './parse.ts';
import { split } from './split.ts';

// Characters that trip naive splitters, plus non-ASCII (incl. a surrogate pair).
const nasty = fc.constantFrom(';', "'", '"', '`', '\\', '-', '#', '/', '*', '\n', ' ', 'a', 'Z', '0', 'é', '😀', '{', '}', '$', '(', ')');
const content = fc.string({ unit: nasty, maxLength: 12 });

const singleQuoted = fc
  .tuple(content, fc.boolean())
  .map(([s, doubled]) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", doubled ? "''" : "\\'")}'`);
const doubleQuoted = fc
  .tuple(content, fc.boolean())
  .map(([s, doubled]) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', doubled ? '""' : '\\"')}"`);
const backticked = content.map((s) => `\`${s.replaceAll('`', '``')}\``);
const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,8}$/);
const number = fc.nat().map(String);
const punct = fc.constantFrom('(', ')', ',', '=', '*', '+', '<=', '[', ']', '.');
const token = fc.oneof(word, word, number, punct, singleQuoted, doubleQuoted, backticked);

// Separators always start and end with whitespace so tokens never glue together.
const blockComment = content.map((s) => ` /*${s.replaceAll('*/', '* /')}*/ `);
const lineComment = fc
  .tuple(fc.constantFrom('--', '#'), content)
  .map(([open, s]) => ` ${open}${s.replaceAll('\n', ' ')}\n`);
const separator = fc.oneof(fc.constantFrom(' ', '\n', '\t', '\r\n'), blockComment, lineComment);

/** A statement: tokens joined by separators; it starts and ends with a token. */
const statement = fc
  .array(fc.tuple(token, separator), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.map(([t, sep], i) => (i === parts.length - 1 ? t : t + sep)).join(''));

describe('property: split', () => {
  it('splits a program assembled from random statements back into exactly those statements', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(separator, statement, fc.array(fc.constantFrom(';', ' ;'), { minLength: 1, maxLength: 2 })), {
          maxLength: 6,
        }),
        separator,
        fc.boolean(),
        (parts, tail, lastSemicolon) => {
          let program = parts.map(([lead, st, semis]) => lead + st + semis.join('')).join('');
          // Without its final `;` the last statement must still come back.
          if (!lastSemicolon && parts.length > 0 && program.endsWith(';')) program = program.replace(/[ ;]*$/, '');
          program += tail;
          const got = split(program);
          assert.deepEqual(got.map((s) => s.text), parts.map(([, st]) => st));
          for (const s of got) assert.equal(program.slice(s.span.start.offset, s.span.end.offset), s.text);
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** Runs the parser; anything but a well-formed SQLFlowSyntaxError fails the property. */
function onlyOwnErrors(program: string): void {
  try {
    parseProgram(program);
  } catch (e) {
    if (!(e instanceof SQLFlowSyntaxError)) throw e;
    assert.ok(e.line >= 1 && e.column >= 1, e.message);
    assert.ok(e.offset >= 0 && e.offset <= program.length);
  }
}

const sqlish = fc.constantFrom(
  'SELECT', '*', 'FROM', 't', 'TO', 'TRAIN', 'PREDICT', 'EXPLAIN', 'EVALUATE', 'RUN', 'MAXIMIZE', 'MINIMIZE',
  'SHOW', 'WITH', 'COLUMN', 'FOR', 'LABEL', 'USING', 'INTO', 'CMD', 'CONSTRAINT', 'GROUP', 'BY', 'AND', 'OR',
  'NOT', 'TRUE', '=', ',', '(', ')', '[', ']', '-', '+', '<=', ';', '"s"', "'q", '`', '/*', '*/', '--', '#', '\n',
  '1', '2.5e3', 'a.b/c:d-e', 'é', '😀', '\ud800', '\0',
);

describe('property: the parser throws nothing but SQLFlowSyntaxError', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlyOwnErrors), { numRuns: 2000 });
  });

  it('on soups of SQLFlow keywords and punctuation', () => {
    fc.assert(
      fc.property(fc.array(sqlish, { maxLength: 40 }), fc.constantFrom(' ', ''), (words, sep) => onlyOwnErrors(words.join(sep))),
      { numRuns: 5000 },
    );
  });

  it('on valid statements with one token changed', () => {
    const base = 'SELECT * FROM t TO TRAIN DNN WITH a = [1, 2], b = "x" COLUMN c, NUMERIC(d, 2) FOR f LABEL l USING m INTO r';
    const words = base.split(' ');
    fc.assert(
      fc.property(fc.nat(words.length - 1), sqlish, (i, w) => onlyOwnErrors(words.map((x, j) => (j === i ? w : x)).join(' '))),
      { numRuns: 2000 },
    );
  });
});
