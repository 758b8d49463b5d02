import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseProgram } from '../sql/parse.ts';
import { buildWorkflow } from './build.ts';
import { plannedStepCount, workflowSteps, type ArgoWorkflowLike, type PodLike } from './observe.ts';
import { trimJob, trimPod, trimWorkflow } from './trim.ts';

const managed = [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': { 'f:x': {} } } }];

function programWorkflow(): ArgoWorkflowLike & KubernetesObject {
  const wf = buildWorkflow(parseProgram('SELECT 1; SELECT 2; SELECT 3;'), { generateName: 'x-' }) as unknown as ArgoWorkflowLike & KubernetesObject;
  wf.metadata = { name: 'x-1', namespace: 'ns', uid: 'u', labels: { 'sqlflow.org/job': 'j' }, managedFields: managed } as never;
  const node = (i: number, phase: string) => ({
    id: `x-1-${i}`, name: `x-1[${i}].step-${i + 1}`, displayName: `step-${i + 1}`, type: 'Pod', templateName: 'step', phase,
    startedAt: `2026-01-01T00:00:0${i}Z`, boundaryID: 'x-1', inputs: { parameters: [{ name: 'sql', value: 'SELECT '.repeat(100) }] },
    outputs: { exitCode: i === 1 ? '2' : '0', parameters: [{ name: 'big', value: 'y'.repeat(1000) }] }, ...(i === 1 ? { message: 'boom' } : {}),
  });
  wf.status = { phase: 'Failed', startedAt: 'a', finishedAt: 'b', message: 'm', nodes: { 'x-1-0': node(0, 'Succeeded'), 'x-1-1': node(1, 'Failed') } } as never;
  return wf;
}

const pod = (): PodLike & KubernetesObject & { spec?: unknown } => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'pu', labels: { a: 'b' }, annotations: { 'workflows.argoproj.io/node-id': 'x-1-1' }, managedFields: managed } as never,
  spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'i', env: [{ name: 'E', value: 'v'.repeat(1000) }] }] } as never,
  status: { phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: { exitCode: 2, reason: 'Error' } } }], conditions: [{ type: 'Ready' }] } as never,
});

describe('cache transforms', () => {
  it('a trimmed Workflow gives the same steps, step count and phase, in far fewer bytes', () => {
    const wf = programWorkflow();
    const t = trimWorkflow(wf);
    assert.equal(plannedStepCount(t), plannedStepCount(wf));
    assert.equal(plannedStepCount(t), 3);
    assert.deepEqual(workflowSteps(t, [pod()]), workflowSteps(wf, [pod()]));
    assert.deepEqual([t.status?.phase, t.status?.message, t.metadata?.labels], ['Failed', 'm', { 'sqlflow.org/job': 'j' }]);
    assert.equal((t.metadata as { managedFields?: unknown }).managedFields, undefined);
    assert.ok(JSON.stringify(t).length * 3 < JSON.stringify(wf).length, `${JSON.stringify(t).length} vs ${JSON.stringify(wf).length}`);
  });

  it('a trimmed DAG Workflow (spec.schedule: DAG) keeps its step count', () => {
    const wf = buildWorkflow(parseProgram('CREATE TABLE a AS SELECT 1; CREATE TABLE b AS SELECT 2; SELECT * FROM a;'), { generateName: 'x-', schedule: 'DAG' }) as unknown as ArgoWorkflowLike & KubernetesObject;
    assert.equal(plannedStepCount(wf), 3);
    assert.equal(plannedStepCount(trimWorkflow(wf)), 3);
  });

  it('a raw Workflow without step names keeps its entrypoint and shutdown', () => {
    const wf = { metadata: { name: 'w' }, spec: { entrypoint: 'main', shutdown: 'Terminate', templates: [{ name: 'main', container: { image: 'x' } }, { name: 'other' }] } };
    assert.deepEqual(trimWorkflow(wf).spec, { entrypoint: 'main', shutdown: 'Terminate', templates: [{ name: 'main' }] });
    assert.equal(plannedStepCount(trimWorkflow(wf)), undefined);
  });

  it('a trimmed pod keeps its node, phase, container states and node-id annotation', () => {
    const t = trimPod(pod());
    assert.deepEqual(t.spec, { nodeName: 'n1' });
    assert.deepEqual(t.status, { phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: { exitCode: 2, reason: 'Error' } } }] });
    assert.equal(t.metadata?.annotations?.['workflows.argoproj.io/node-id'], 'x-1-1');
  });

  it('a job keeps spec and status and loses managedFields and last-applied-configuration', () => {
    const job = {
      metadata: { name: 'j', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' }, managedFields: managed },
      spec: { sql: 'SELECT 1;' }, status: { phase: 'Running' },
    } as KubernetesObject & { spec: unknown; status: unknown };
    const t = trimJob(job);
    assert.deepEqual(t, { metadata: { name: 'j', annotations: { keep: 'me' } }, spec: { sql: 'SELECT 1;' }, status: { phase: 'Running' } });
  });
});
