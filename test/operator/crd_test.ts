// The SQLFlowJob CRD on the real apiserver: schema, CEL rules and printer columns, seen
// through `kubectl apply` as a user sees them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { ROOT } from '../../testenv/operator.ts';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane({ kubelet: false });
  const r = await cp.kubectl(['apply', '--server-side', '-f', join(ROOT, 'crds')]);
  assert.equal(r.code, 0, r.stderr);
  await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sqlflowjobs.sqlflow.org']);
});
after(() => cp?.stop());

const manifest = (name: string, spec: string) => `apiVersion: sqlflow.org/v1alpha1\nkind: SQLFlowJob\nmetadata:\n  name: ${name}\nspec: ${spec}\n`;
const apply = (name: string, spec: string) => cp.kubectl(['apply', '-f', '-'], { input: manifest(name, spec) });

describe('SQLFlowJob CRD validation', () => {
  it('accepts a program and a workflow, and lists them with short name sfj', async () => {
    assert.equal((await apply('p', '{sql: "SELECT 1"}')).code, 0);
    assert.equal((await apply('w', '{workflow: {apiVersion: argoproj.io/v1alpha1, kind: Workflow, metadata: {generateName: steps-}, spec: {entrypoint: main}}}')).code, 0);
    const r = await cp.kubectl(['get', 'sfj']);
    assert.match(r.stdout, /^NAME\s+PHASE\s+WORKFLOW\s+STEPS\s+AGE/);
  });

  const rejections: [string, string, string, RegExp][] = [
    ['neither', 'neither sql nor workflow', '{image: x}', /exactly one of spec\.sql \(a SQLFlow program\) or spec\.workflow \(an Argo Workflow\) must be set/],
    ['both', 'both sql and workflow', '{sql: "SELECT 1", workflow: {apiVersion: argoproj.io/v1alpha1, kind: Workflow}}', /exactly one of spec\.sql/],
    ['pod', 'a workflow that is not a Workflow', '{workflow: {apiVersion: v1, kind: Pod}}', /spec\.workflow must be an Argo Workflow/],
    ['empty', 'an empty program', '{sql: ""}', /spec\.sql.*should be at least 1 chars long/],
    ['big', 'a program over 256 KiB', `{sql: "${'x'.repeat(262_145)}"}`, /spec\.sql: Too long: may not be (longer|more) than 262144/],
    ['x'.repeat(64), 'a name over 63 characters', '{sql: "SELECT 1"}', /may have at most 63 characters/],
    ['deadline', 'a zero deadline', '{sql: "SELECT 1", activeDeadlineSeconds: 0}', /spec\.activeDeadlineSeconds.*should be greater than or equal to 1/],
  ];
  for (const [name, what, spec, message] of rejections) {
    it(`rejects ${what}`, async () => {
      const r = await apply(name, spec);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
    });
  }

  it('keeps the spec immutable except cancel going false → true, saying to create a new job', async () => {
    let r = await apply('p', '{sql: "SELECT 2"}');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.sql is immutable; create a new SQLFlowJob/);
    r = await apply('p', '{sql: "SELECT 1", image: other}');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /immutable except spec\.cancel; create a new SQLFlowJob/);
    r = await apply('w', '{workflow: {apiVersion: argoproj.io/v1alpha1, kind: Workflow, metadata: {generateName: steps-}, spec: {entrypoint: other}}}');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.workflow is immutable/);
    r = await apply('p', '{sql: "SELECT 1", cancel: true}');
    assert.equal(r.code, 0, r.stderr);
    r = await apply('p', '{sql: "SELECT 1", cancel: false}');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.cancel cannot go back to false/);
  });
});
