import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseProgram } from '../sql/parse.ts';
import { decodeStatementArg, encodeStatementArg, expandKubernetesVars, LBRACE_ENV } from './argv.ts';
import { buildWorkflow } from './build.ts';
import type { Workflow } from './manifest.ts';
import { validateWithArgoModels } from './testutil_schema.ts';

/**
 * What the step process receives as its last argument: Argo substitutes only `{{…}}` (so a
 * manifest without `{{` passes through it untouched, asserted here), then the kubelet expands
 * `$(VAR)` from the container's env.
 */
function deliveredStatements(wf: Workflow): string[] {
  assert.ok(!JSON.stringify(wf).includes('{{'), 'the manifest must give Argo nothing to substitute');
  return wf.spec.templates.slice(1).map((t) => {
    const c = t.container!;
    const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    return expandKubernetesVars(c.args.at(-1)!, env);
  });
}

const NASTY = [
  `SELECT 'it''s', "say \\"hi\\"", 'back\\\\slash', "mixed 'quotes'" FROM t`,
  `SELECT '$HOME', '$$', '$(HOME)', '$$(HOME)', '\${x}', '$' , 'end$' FROM t`,
  'SELECT `weird``name`, `$(x)` FROM `db`.`t`',
  `SELECT 'line one\nline two\r\n\ttabbed' FROM t`,
  `SELECT 'ünïcödé', "日本語", '😀👍🏽', 'zero\u200bwidth' FROM t`,
  `SELECT '{{workflow.name}}', '{{inputs.parameters.x}}', '{{=1+1}}', '{{{', '}}}', '{ {', '{' FROM t`,
  `SELECT * FROM t TO RUN img:1 CMD "echo {{x}} $HOME \`id\`" INTO out`,
  `SELECT * FROM t TO TRAIN DNN WITH a = "{{pod.name}}", b = '$(SQLFLOW_LBRACE)' INTO m`,
];

describe('statements reach the step container byte for byte', () => {
  it('for quotes, backslashes, $, backticks, newlines, non-ASCII and {{', () => {
    const program = NASTY.join(';\n');
    const statements = parseProgram(program);
    assert.deepEqual(statements.map((s) => s.text), NASTY);
    const wf = buildWorkflow(statements);
    validateWithArgoModels(wf);
    assert.deepEqual(deliveredStatements(wf), NASTY);
  });

  it('leaves plain statements unchanged in the manifest and adds the brace env only when needed', () => {
    const wf = buildWorkflow(parseProgram("SELECT 'a' FROM t; SELECT '{{x}}', '$'"));
    const [plain, braces] = wf.spec.templates.slice(1).map((t) => t.container!);
    assert.deepEqual(plain?.args, ["SELECT 'a' FROM t"]);
    assert.equal(plain?.env, undefined);
    assert.deepEqual(braces?.args, [`SELECT '$(${LBRACE_ENV}){x}}', '$$'`]);
    assert.deepEqual(braces?.env, [{ name: LBRACE_ENV, value: '{' }]);
  });

  it('encode/decode round-trips any string and never emits {{', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '$', '(', ')', 'S', 'Q', 'L', '_', ' ', '😀') }), (s) => {
        const arg = encodeStatementArg(s);
        assert.ok(!arg.includes('{{'));
        assert.equal(decodeStatementArg(arg), s);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => assert.equal(decodeStatementArg(encodeStatementArg(s)), s)),
      { numRuns: 1000 },
    );
  });

  it("implements Kubernetes' $(VAR) expansion rules", () => {
    const vars = { A: 'x', B: '' };
    assert.equal(expandKubernetesVars('$(A)$(B)$(C)', vars), 'x$(C)');
    assert.equal(expandKubernetesVars('$$(A) $$ $ $x $(A', vars), '$(A) $ $ $x $(A');
    assert.equal(expandKubernetesVars('end$', vars), 'end$');
  });
});
