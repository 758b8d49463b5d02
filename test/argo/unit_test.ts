// Pure parts of the local Argo: names, depends evaluation, the kubelet's $(VAR) expansion.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateDepends, expand, fnv1a32, mappingFor, nodeId, podName, resolvedDepends } from '../../testenv/argo/index.ts';
import { displayName } from '../../testenv/argo/names.ts';
import type { TaskResults } from '../../testenv/argo/depends.ts';

/** FNV-1a 32 written independently (BigInt arithmetic), to check the implementation against. */
function fnvRef(s: string): bigint {
  let h = 2166136261n;
  for (const b of new TextEncoder().encode(s)) h = ((h ^ BigInt(b)) * 16777619n) % 4294967296n;
  return h;
}

describe('names', () => {
  it("matches Argo's published fixture (workflow/util/util_test.go)", () => {
    assert.equal(nodeId('steps-4k5vn', 'steps-4k5vn[0].hello1'), 'steps-4k5vn-1044844302');
    assert.equal(podName('steps-4k5vn', 'steps-4k5vn[0].hello1', 'whalesay'), 'steps-4k5vn-whalesay-1044844302');
    assert.equal(nodeId('steps-4k5vn', 'steps-4k5vn[0]'), 'steps-4k5vn-899690889');
    assert.equal(nodeId('steps-4k5vn', 'steps-4k5vn[1]'), 'steps-4k5vn-4053927188');
    assert.equal(nodeId('steps-4k5vn', 'steps-4k5vn[1].hello2a'), 'steps-4k5vn-2627784879');
    assert.equal(nodeId('steps-4k5vn', 'steps-4k5vn[1].hello2b'), 'steps-4k5vn-2644562498');
    assert.equal(nodeId('dag-diamond-82q7s', 'dag-diamond-82q7s.A'), 'dag-diamond-82q7s-1310542453');
    assert.equal(nodeId('dag-diamond-82q7s', 'dag-diamond-82q7s.D'), 'dag-diamond-82q7s-1226654358');
    assert.equal(podName('dag-diamond-82q7s', 'dag-diamond-82q7s.B', 'echo'), 'dag-diamond-82q7s-echo-1260209596');
  });

  it('hashes UTF-8 bytes like an independent implementation', () => {
    for (const s of ['', 'a', 'wf[0].step', 'wf.A(0:1)', 'ünïcödé-名前', 'x'.repeat(300)]) assert.equal(BigInt(fnv1a32(s)), fnvRef(s), s);
  });

  it('names the root node and a single-pod workflow after the workflow; cuts long prefixes to 242', () => {
    assert.equal(nodeId('wf', 'wf'), 'wf');
    assert.equal(podName('wf', 'wf', 'main'), 'wf');
    const wf = 'w'.repeat(200);
    const name = podName(wf, `${wf}[0].s`, 't'.repeat(100));
    assert.equal(name, `${`${wf}-${'t'.repeat(100)}`.slice(0, 242)}-${fnvRef(`${wf}[0].s`)}`);
    assert.ok(name.length <= 253);
  });

  it('derives display names from the boundary node', () => {
    assert.equal(displayName('wf[0].hello1', 'wf'), 'hello1');
    assert.equal(displayName('wf[0]', 'wf'), '[0]');
    assert.equal(displayName('wf.A', 'wf'), 'A');
    assert.equal(displayName('wf', undefined), 'wf');
  });
});

const r = (phase: 'Succeeded' | 'Failed' | 'Errored' | 'Skipped' | 'none'): TaskResults => ({
  Succeeded: phase === 'Succeeded', Failed: phase === 'Failed', Errored: phase === 'Errored', Skipped: phase === 'Skipped',
  Daemoned: false, AnySucceeded: false, AllFailed: false,
});

describe('depends', () => {
  const tasks = [{ name: 'A' }, { name: 'B-1', continueOn: { failed: true } }, { name: 'C' }];

  it('expands bare names to Succeeded|Skipped|Daemoned (plus Failed with continueOn.failed)', () => {
    assert.equal(resolvedDepends({ name: 'D', depends: 'A && B-1' }, tasks),
      '(A.Succeeded || A.Skipped || A.Daemoned) && (B-1.Succeeded || B-1.Skipped || B-1.Daemoned || B-1.Failed)');
    assert.equal(resolvedDepends({ name: 'D', dependencies: ['A', 'C'] }, tasks),
      '(A.Succeeded || A.Skipped || A.Daemoned) && (C.Succeeded || C.Skipped || C.Daemoned)');
    assert.equal(resolvedDepends({ name: 'D' }, tasks), '');
  });

  it('evaluates &&, ||, ! and parentheses with precedence', () => {
    const scope = new Map([['A', r('Succeeded')], ['B-1', r('Failed')], ['C', r('Skipped')]]);
    const ev = (d: string) => evaluateDepends(resolvedDepends({ name: 'X', depends: d }, tasks), scope);
    assert.equal(ev('A'), true);
    assert.equal(ev('C'), true, 'Skipped satisfies a bare name');
    assert.equal(ev('A.Failed'), false);
    assert.equal(ev('B-1.Failed'), true);
    assert.equal(ev('!A.Succeeded'), false);
    assert.equal(ev('A.Failed || B-1.Failed && C.Skipped'), true, '&& binds tighter than ||');
    assert.equal(ev('(A.Failed || B-1.Failed) && !C.Skipped'), false);
    assert.equal(ev('!(A.Failed)'), true);
    assert.equal(ev('A.Succeeded && (B-1.Errored || C.Skipped)'), true);
  });

  it('omits when a bare dependency failed', () => {
    const scope = new Map([['A', r('Failed')]]);
    assert.equal(evaluateDepends(resolvedDepends({ name: 'X', depends: 'A' }, tasks), scope), false);
    assert.equal(evaluateDepends(resolvedDepends({ name: 'X', depends: 'A.Failed || A.Errored' }, tasks), scope), true);
  });

  it('rejects malformed expressions and unknown results', () => {
    const scope = new Map([['A', r('Succeeded')]]);
    assert.throws(() => evaluateDepends('A.Succeeded &&', scope));
    assert.throws(() => evaluateDepends('(A.Succeeded', scope));
    assert.throws(() => evaluateDepends('A.Bogus', scope));
  });
});

describe("the kubelet's $(VAR) expansion", () => {
  const vars = mappingFor(new Map([['A', 'x'], ['EMPTY', ''], ['LBRACE', '{']]));
  const cases: [string, string][] = [
    ['$(A)', 'x'],
    ['pre$(A)post', 'prexpost'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$x'],
    ['$$', '$'],
    ['$', '$'],
    ['a$', 'a$'],
    ['$(UNDEFINED)', '$(UNDEFINED)'],
    ['$(EMPTY)|', '|'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['$é', '$é'],
    ['$(LBRACE)$(LBRACE)workflow.name}}', '{{workflow.name}}'],
    ['$()', '$()'],
    ['100$$ and $$HOME', '100$ and $HOME'],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => assert.equal(expand(input, vars), want));
});
