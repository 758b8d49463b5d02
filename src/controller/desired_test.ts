import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredWorkflow, InvalidJobError, workflowName } from './desired.ts';
import type { SQLFlowJob } from '../api/job.ts';

const job = (spec: SQLFlowJob['spec']): SQLFlowJob => ({ metadata: { name: 'iris', namespace: 'ml', uid: 'u-1', generation: 1 }, spec });

describe('workflowName', () => {
  it('is deterministic per UID and attempt, with the prefix and five generateName characters', () => {
    const a = workflowName('sqlflow-', 'uid-a');
    assert.equal(a, workflowName('sqlflow-', 'uid-a'));
    assert.match(a, /^sqlflow-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.notEqual(a, workflowName('sqlflow-', 'uid-b'));
    assert.notEqual(a, workflowName('sqlflow-', 'uid-a', 1));
  });
  it('cuts a long prefix as the apiserver does (58 characters)', () => {
    assert.equal(workflowName('x'.repeat(80), 'u').length, 63);
  });
});

describe('desiredWorkflow', () => {
  it('translates a program, owned by the job and labelled on workflow and pods', () => {
    const d = desiredWorkflow(job({ sql: 'SELECT 1; SELECT 2', image: 'img:1', datasource: { secretKeyRef: { name: 's', key: 'dsn' } } }), { command: ['sh', '-c'] });
    assert.equal(d.prefix, 'sqlflow-');
    assert.equal(d.fixedName, undefined);
    const m = d.manifest as any;
    assert.equal(m.metadata.namespace, 'ml');
    assert.equal(m.metadata.labels['sqlflow.org/job'], 'iris');
    assert.deepEqual(m.metadata.ownerReferences, [{ apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', name: 'iris', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(m.spec.podMetadata.labels['sqlflow.org/job'], 'iris');
    const steps = m.spec.templates.filter((t: any) => t.container);
    assert.equal(steps.length, 2);
    assert.deepEqual(steps[0].container.command, ['sh', '-c']);
    assert.equal(steps[0].container.image, 'img:1');
    assert.deepEqual(steps[1].container.env, [{ name: 'SQLFLOW_DATASOURCE', valueFrom: { secretKeyRef: { name: 's', key: 'dsn' } } }]);
    assert.ok(!JSON.stringify(m).includes('dsn"') || JSON.stringify(steps[0].container.args) === '["SELECT 1"]');
  });
  it('keeps a given workflow, honouring its generateName and adding owner, labels and pod labels', () => {
    const wf = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'steps-', labels: { a: 'b' } }, spec: { entrypoint: 'main', podMetadata: { labels: { x: 'y' } }, templates: [{ name: 'main', container: { image: 'busybox', command: ['echo', 'hi'] } }] } };
    const d = desiredWorkflow(job({ workflow: wf }), {});
    assert.equal(d.prefix, 'steps-');
    const m = d.manifest as any;
    assert.deepEqual(m.metadata.labels, { a: 'b', 'sqlflow.org/job': 'iris' });
    assert.deepEqual(m.spec.podMetadata.labels, { x: 'y', 'sqlflow.org/job': 'iris' });
    assert.equal(m.metadata.generateName, undefined);
    assert.equal(wf.metadata.labels.a, 'b');
    assert.equal((wf.metadata as any).ownerReferences, undefined, 'the job spec is not mutated');
  });
  it('keeps a fixed workflow name', () => {
    const d = desiredWorkflow(job({ workflow: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'fixed' }, spec: { entrypoint: 'a' } } }), {});
    assert.equal(d.fixedName, 'fixed');
  });
  it('refuses a Workflow too large for etcd with WorkflowTooLarge and how to split the program', () => {
    const sql = Array.from({ length: 8000 }, (_, i) => `SELECT * FROM t${i} WHERE x > ${i}`).join(';\n');
    assert.throws(() => desiredWorkflow(job({ sql }), {}), (e: unknown) => {
      assert.ok(e instanceof InvalidJobError);
      assert.equal(e.reason, 'WorkflowTooLarge');
      assert.match(e.message, /^the Workflow for this job would be 1\.\d\d MiB, over the 1\.24 MiB an object may have in etcd; split it into several SQLFlowJobs \(about \d+ statements each\)$/);
      return true;
    });
    assert.ok(desiredWorkflow(job({ sql: sql.split(';\n').slice(0, 5000).join(';\n') }), {}));
  });
  it('rejects an invalid program with InvalidProgram and the line:column', () => {
    assert.throws(() => desiredWorkflow(job({ sql: 'SELECT 1;\nSELECT * FROM t TO TRAIN DNN WITH a = 1, a = 2 INTO m;' }), {}), (e: unknown) => {
      assert.ok(e instanceof InvalidJobError);
      assert.equal(e.reason, 'InvalidProgram');
      assert.match(e.message, /^spec\.sql 2:\d+: /);
      return true;
    });
  });
});
