import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Expr, StatementAst } from './ast.ts';
import { SQLFlowSyntaxError } from './errors.ts';
import { parseProgram } from './parse.ts';

// The same cases are checked by step/tests/test_grammar_cases.py against the Python parser,
// so the operator and the step runtime cannot drift on what a statement is.

interface Case { text: string; kind: string; parts: Record<string, unknown> }
interface ErrorCase { text: string; line: number; column: number; contains: string }
const file = new URL('../../test/fixtures/grammar_cases.json', import.meta.url);
const { cases, errors } = JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[]; errors: ErrorCase[] };

function value(e: Expr): unknown {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'boolean':
      return e.value;
    case 'identifier':
      return e.name;
    case 'list':
      return e.items.map(value);
    default:
      return { expr: e.text };
  }
}

/** The fields a case can check, named as in the JSON file. */
function parts(ast: StatementAst): Record<string, unknown> {
  const a = ast as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (ast.type === 'standard') return { keyword: ast.keyword };
  for (const k of ['select', 'estimator', 'model', 'using', 'image', 'args']) if (a[k] !== undefined) out[k] = a[k];
  if ('attributes' in ast) out.attributes = Object.fromEntries(ast.attributes.map((x) => [x.name, value(x.value)]));
  if ('label' in ast && ast.label !== undefined) {
    out.label = ast.label.name;
    out.labelKind = ast.label.kind;
  }
  if (ast.type === 'train') {
    out.columns = ast.columns.map((g) => g.columns.map((c) => c.text));
    out.targets = ast.columns.map((g) => g.target ?? null);
  }
  if (ast.type === 'run') out.intoTables = ast.into;
  else if ('into' in ast && ast.into !== undefined) out.into = ast.into;
  if (ast.type === 'maximize' || ast.type === 'minimize') {
    out.objective = ast.objective.text;
    out.constraints = ast.constraints.map((c) => [c.expr.text, c.groupBy ?? null]);
  }
  return out;
}

describe('shared grammar cases (test/fixtures/grammar_cases.json)', () => {
  for (const c of cases) {
    it(c.text, () => {
      const [st] = parseProgram(c.text);
      assert.equal(st!.kind, c.kind);
      const got = parts(st!.ast);
      for (const [k, want] of Object.entries(c.parts)) assert.deepEqual(got[k], want, `field ${k}`);
    });
  }
  for (const c of errors) {
    it(`rejects: ${c.text}`, () => {
      assert.throws(() => parseProgram(c.text), (e: unknown) => {
        assert.ok(e instanceof SQLFlowSyntaxError);
        assert.ok(e.reason.includes(c.contains), e.reason);
        assert.deepEqual([e.line, e.column], [c.line, c.column], e.message);
        return true;
      });
    });
  }
});
