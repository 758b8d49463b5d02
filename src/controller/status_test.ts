import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredStatus, listedSteps, MAX_LISTED_STEPS, statusPatch } from './status.ts';
import type { SQLFlowJob } from '../api/job.ts';
import type { ArgoWorkflowLike, ArgoNode, Step } from '../workflow/observe.ts';

const NOW = '2026-11-27T10:00:00.000Z';
const job = (status?: SQLFlowJob['status'], cancel = false): SQLFlowJob => ({ metadata: { name: 'j', namespace: 'ns', uid: 'u', generation: 2 }, spec: { sql: 'x', cancel }, status });

function programWf(phase: string, nodePhases: string[], message?: string): ArgoWorkflowLike {
  const nodes: Record<string, ArgoNode> = {};
  nodePhases.forEach((p, i) => {
    const id = `wf-${i}`;
    nodes[id] = { id, name: `wf[${i}].step-${i + 1}`, displayName: `step-${i + 1}`, type: 'Pod', phase: p, templateName: `step-${i + 1}`, startedAt: '2026-11-27T09:00:00Z', ...(p === 'Failed' ? { message: 'Error (exit code 3)', outputs: { exitCode: '3' } } : {}), ...(p === 'Succeeded' ? { outputs: { exitCode: '0' } } : {}) };
  });
  nodes.wf = { id: 'wf', name: 'wf', type: 'Steps', phase };
  return {
    metadata: { name: 'wf' },
    spec: { entrypoint: 'sqlflow', templates: [{ name: 'sqlflow', steps: [0, 1, 2].map((i) => [{ name: `step-${i + 1}`, template: `step-${i + 1}` }]) }] },
    status: { phase, startedAt: '2026-11-27T09:00:00Z', ...(phase !== 'Running' ? { finishedAt: '2026-11-27T09:01:00Z' } : {}), nodes, ...(message ? { message } : {}) },
  };
}

const cond = (s: SQLFlowJob['status'], t: string) => s?.conditions?.find((c) => c.type === t);

describe('desiredStatus', () => {
  it('Pending before the workflow exists: Reconciling', () => {
    const s = desiredStatus(job(), { kind: 'none' }, NOW);
    assert.equal(s.phase, 'Pending');
    assert.equal(s.observedGeneration, 2);
    assert.equal(cond(s, 'Reconciling')?.status, 'True');
    assert.equal(cond(s, 'Ready')?.status, 'False');
    assert.equal(cond(s, 'Stalled')?.status, 'False');
  });
  it('Running with progress and steps from the nodes', () => {
    const s = desiredStatus(job(), { kind: 'present', workflow: programWf('Running', ['Succeeded', 'Running']), pods: [] }, NOW);
    assert.equal(s.phase, 'Running');
    assert.equal(s.progress, '1/3');
    assert.equal(s.stepCount, 3);
    assert.deepEqual(s.steps?.map((x) => [x.index, x.name, x.phase, x.exitCode]), [[0, 'step-1', 'Succeeded', 0], [1, 'step-2', 'Running', undefined]]);
    assert.match(s.message!, /running step-2/);
  });
  it('Succeeded: Ready, finishedAt from the workflow', () => {
    const s = desiredStatus(job(), { kind: 'present', workflow: programWf('Succeeded', ['Succeeded', 'Succeeded', 'Succeeded']), pods: [] }, NOW);
    assert.equal(s.phase, 'Succeeded');
    assert.equal(s.progress, '3/3');
    assert.equal(s.finishedAt, '2026-11-27T09:01:00Z');
    assert.equal(cond(s, 'Ready')?.status, 'True');
    assert.equal(cond(s, 'Reconciling')?.status, 'False');
  });
  it('Failed names the failed step and its exit code: Stalled', () => {
    const s = desiredStatus(job(), { kind: 'present', workflow: programWf('Failed', ['Succeeded', 'Failed'], "child 'wf-1' failed"), pods: [] }, NOW);
    assert.equal(s.phase, 'Failed');
    assert.equal(s.message, 'step 2 (step-2) failed (exit code 3): Error (exit code 3)');
    assert.equal(cond(s, 'Stalled')?.status, 'True');
    assert.equal(cond(s, 'Stalled')?.reason, 'Failed');
  });
  it('a cancelled job whose workflow failed is Cancelled', () => {
    const s = desiredStatus(job(undefined, true), { kind: 'present', workflow: programWf('Failed', ['Failed'], "Stopped with strategy 'Terminate'"), pods: [] }, NOW);
    assert.equal(s.phase, 'Cancelled');
  });
  it('an invalid program fails at once with reason InvalidProgram', () => {
    const s = desiredStatus(job(), { kind: 'none' }, NOW, { reason: 'InvalidProgram', message: 'spec.sql 1:5: bad' });
    assert.equal(s.phase, 'Failed');
    assert.equal(s.finishedAt, NOW);
    assert.equal(cond(s, 'Stalled')?.reason, 'InvalidProgram');
    assert.equal(s.workflowName, undefined);
  });
  it('a workflow deleted while running makes the job Error; once finished it changes nothing', () => {
    const s = desiredStatus(job({ phase: 'Running', workflowName: 'wf' }), { kind: 'deleted', name: 'wf' }, NOW);
    assert.equal(s.phase, 'Error');
    assert.match(s.message!, /workflow wf was deleted .*Create a new SQLFlowJob/);
    const done = job({ phase: 'Succeeded', workflowName: 'wf', message: 'ok', observedGeneration: 2 });
    assert.equal(statusPatch(done, desiredStatus(done, { kind: 'deleted', name: 'wf' }, NOW)), undefined);
  });
  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = desiredStatus(job(), { kind: 'present', workflow: programWf('Running', ['Running']), pods: [] }, NOW);
    const again = desiredStatus(job(first), { kind: 'present', workflow: programWf('Running', ['Succeeded', 'Running']), pods: [] }, '2026-11-27T11:00:00.000Z');
    assert.equal(cond(again, 'Reconciling')?.lastTransitionTime, NOW);
  });
});

describe('statusPatch', () => {
  it('is empty when nothing changed, whatever the key order', () => {
    const s = desiredStatus(job(), { kind: 'present', workflow: programWf('Running', ['Running']), pods: [] }, NOW);
    const reverse = (v: unknown): unknown => Array.isArray(v) ? v.map(reverse) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v;
    const reordered = reverse(s) as SQLFlowJob['status'];
    assert.notDeepEqual(Object.keys(reordered!), Object.keys(s));
    assert.equal(statusPatch(job(reordered), desiredStatus(job(reordered), { kind: 'present', workflow: programWf('Running', ['Running']), pods: [] }, NOW)), undefined);
  });
  it('never touches status.logs', () => {
    const j = job({ logs: { step: 1, cursor: 'c' } });
    const p = statusPatch(j, desiredStatus(j, { kind: 'none' }, NOW))!;
    assert.equal('logs' in p, false);
  });
});

describe('listedSteps', () => {
  it('bounds a 10,000-step status far below etcd limits, keeping failures and the latest', () => {
    const steps: Step[] = Array.from({ length: 10_000 }, (_, i) => ({ index: i, name: `step-${i + 1}`, nodeID: `wf-${1_000_000_000 + i}`, podName: `wf-step-${i + 1}-${1_000_000_000 + i}`, phase: i === 17 ? 'Failed' : i === 9_999 ? 'Running' : 'Succeeded', startedAt: '2026-11-27T09:00:00Z', finishedAt: '2026-11-27T09:00:01Z', exitCode: i === 17 ? 1 : 0, message: i === 17 ? 'Error (exit code 1)' : '' }));
    const listed = listedSteps(steps);
    assert.equal(listed.length, MAX_LISTED_STEPS);
    assert.ok(listed.some((s) => s.index === 17));
    assert.equal(listed.at(-1)!.index, 9_999);
    assert.deepEqual(listed.map((s) => s.index), [...listed.map((s) => s.index)].sort((a, b) => a - b));
    const bytes = JSON.stringify({ steps: listed }).length;
    assert.ok(bytes < 64 * 1024, `status steps take ${bytes} bytes`);
  });
});
