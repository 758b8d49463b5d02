// The operator end to end on a real control plane with the local Argo: it runs as its own
// ServiceAccount under the RBAC of config/rbac, and any 403 fails the suite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../../testenv/argo/crd.ts';
import { startLocalArgo } from '../../testenv/argo/index.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { HOLD_ANNOTATION } from '../../src/api/hold.ts';
import { patchOptions } from '../../src/kube/patch.ts';
import { Jobs } from '../support/jobs.ts';
import { until } from '../support/http.ts';
import { withoutExecutorLines } from '../support/emissary.ts';

let cp: ControlPlane;
let argo: { stop(): Promise<void> };
let op: OperatorProcess;
let jobs: Jobs;
let saKubeconfig: string;
const STEP = JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')]);

before(async () => {
  cp = await startControlPlane();
  const kc = cp.kubeConfig();
  await installWorkflowCrd(kc);
  argo = await startLocalArgo({ kc, kubelet: cp.kubelet! });
  saKubeconfig = await installOperator(cp);
  op = await startOperator(cp, saKubeconfig, [`--step-command=${STEP}`]);
  jobs = new Jobs(kc);
});

after(async () => {
  try {
    if (op) {
      const code = await op.stop();
      assert.equal(code, 0, 'the operator exits 0 on SIGTERM');
      await assertNoForbidden(op);
    }
  } finally {
    await argo?.stop();
    await cp?.stop();
  }
});

describe('SQLFlowJob lifecycle', () => {
  it('runs a 3-statement program: Running, then Succeeded with every step, pod and exit code', async () => {
    await jobs.create('three', { sql: "SELECT 1 SLEEP_1;\nSELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3 LABEL class INTO m;\nSELECT 'it''s $HOME `x` {{y}}'" });
    const running = await jobs.phase('three', 'Running');
    assert.match(running.status!.workflowName!, /^sqlflow-[a-z0-9]{5}$/);
    const done = await jobs.phase('three', 'Succeeded');
    const s = done.status!;
    assert.equal(s.progress, '3/3');
    assert.equal(s.stepCount, 3);
    assert.equal(s.observedGeneration, 1);
    assert.ok(s.startedAt && s.finishedAt);
    assert.deepEqual(s.steps!.map((x) => [x.index, x.name, x.phase, x.exitCode]), [[0, 'step-1', 'Succeeded', 0], [1, 'step-2', 'Succeeded', 0], [2, 'step-3', 'Succeeded', 0]]);
    for (const step of s.steps!) {
      assert.ok(step.podName?.startsWith(`${s.workflowName}-step-`), `pod name ${step.podName}`);
      assert.ok(step.nodeID?.startsWith(`${s.workflowName}-`));
    }
    const cond = Object.fromEntries(s.conditions!.map((c) => [c.type, c.status]));
    assert.deepEqual(cond, { Ready: 'True', Reconciling: 'False', Stalled: 'False' });
    // The statement reached the step byte for byte.
    const log = await cp.kubectl(['logs', s.steps![2]!.podName!, '-c', 'main']);
    assert.equal(withoutExecutorLines(log.stdout), "running: SELECT 'it''s $HOME `x` {{y}}'\ndone: SELECT 'it''s $HOME `x` {{y}}'\n");
    assert.match(log.stdout, / msg="sub-process exited" argo=true error=<nil>\n$/, 'Argo\'s emissary ends the log, as on a real node');
    const wfs = await jobs.workflows('sqlflow.org/job=three');
    assert.equal(wfs.length, 1);
    const table = await cp.kubectl(['get', 'sfj', 'three']);
    assert.match(table.stdout, /^NAME\s+PHASE\s+WORKFLOW\s+STEPS\s+AGE\n/);
    assert.match(table.stdout, new RegExp(`three\\s+Succeeded\\s+${s.workflowName}\\s+3/3\\s+`));
    const wide = await cp.kubectl(['get', 'sfj', 'three', '-o', 'wide']);
    assert.match(wide.stdout, /MESSAGE/);
    assert.match(wide.stdout, /3 steps succeeded/);
  });

  it('a held job (sqlflow.org/hold, as proto.SQLFlow\'s Run creates one before its datasource Secret) gets its Workflow only once released', async () => {
    await jobs.api.createNamespacedCustomObject({
      group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: 'default',
      body: { apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name: 'held', annotations: { [HOLD_ANNOTATION]: 'its datasource Secret held-datasource' } }, spec: { sql: 'SELECT 1;' } },
    });
    // The reconcile that wrote this message is the one that did not create the Workflow; while the annotation
    // stays, every later one decides the same.
    const held = await jobs.waitFor('held', 'the hold shown', (j) => /waiting for its datasource Secret held-datasource/.test(j.status?.message ?? ''));
    assert.equal(held.status!.phase, 'Pending');
    assert.equal(held.status!.workflowName, undefined);
    assert.equal(held.status!.conditions!.find((c) => c.type === 'Reconciling')?.reason, 'Held');
    assert.deepEqual(await jobs.workflows('sqlflow.org/job=held'), []);
    await jobs.api.patchNamespacedCustomObject({ group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: 'default', name: 'held', body: { metadata: { annotations: { [HOLD_ANNOTATION]: null } } } }, patchOptions('merge'));
    const done = await jobs.phase('held', 'Succeeded');
    assert.equal((await jobs.workflows('sqlflow.org/job=held')).length, 1);
    assert.equal(done.status!.progress, '1/1');
  });

  it('a failing step fails the job with the step, its exit code and message', async () => {
    await jobs.create('failing', { sql: 'SELECT 1; SELECT 2 FAIL_WITH_3; SELECT 3' });
    const j = await jobs.phase('failing', 'Failed');
    const s = j.status!;
    assert.equal(s.progress, '1/3');
    const failed = s.steps!.find((x) => x.index === 1)!;
    assert.equal(failed.phase, 'Failed');
    assert.equal(failed.exitCode, 3);
    assert.match(s.message!, /^step 2 \(step-2\) failed \(exit code 3\)/);
    assert.equal(s.steps!.some((x) => x.index === 2), false, 'the third step never ran');
    assert.equal(s.conditions!.find((c) => c.type === 'Stalled')?.status, 'True');
  });

  it('cancel terminates the workflow and the job ends Cancelled', async () => {
    await jobs.create('cancel-me', { sql: 'SELECT 1 SLEEP_60; SELECT 2' });
    await jobs.waitFor('cancel-me', 'first step running', (j) => j.status?.steps?.[0]?.phase === 'Running');
    await jobs.patchSpec('cancel-me', { cancel: true });
    const j = await jobs.phase('cancel-me', 'Cancelled', 30_000);
    const wf = (await jobs.workflows('sqlflow.org/job=cancel-me'))[0]!;
    assert.equal((wf as { spec?: { shutdown?: string } }).spec?.shutdown, 'Terminate');
    assert.match(j.status!.message!, /^cancelled: Stopped with strategy 'Terminate'/);
    assert.equal(j.status!.conditions!.find((c) => c.type === 'Stalled')?.reason, 'Cancelled');
  });

  it('an invalid program fails with InvalidProgram, the line:column, and no workflow', async () => {
    await jobs.create('invalid', { sql: 'SELECT 1;\nSELECT * FROM t TO TRAIN DNN WITH a = 1 LABEL c' });
    const j = await jobs.phase('invalid', 'Failed');
    assert.match(j.status!.message!, /^spec\.sql 2:\d+: /);
    assert.equal(j.status!.conditions!.find((c) => c.type === 'Stalled')?.reason, 'InvalidProgram');
    assert.equal(j.status!.workflowName, undefined);
    assert.equal((await jobs.workflows('sqlflow.org/job=invalid')).length, 0);
  });

  it('runs a given Argo workflow, honouring its generateName', async () => {
    await jobs.create('raw', {
      workflow: {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'steps-' },
        spec: {
          entrypoint: 'main',
          templates: [
            { name: 'main', steps: [[{ name: 'hello1', template: 'say', arguments: { parameters: [{ name: 'm', value: 'one' }] } }], [{ name: 'hello2a', template: 'say', arguments: { parameters: [{ name: 'm', value: 'two' }] } }, { name: 'hello2b', template: 'say', arguments: { parameters: [{ name: 'm', value: 'three' }] } }]] },
            { name: 'say', inputs: { parameters: [{ name: 'm' }] }, container: { image: 'busybox', command: ['echo'], args: ['{{inputs.parameters.m}}'] } },
          ],
        },
      },
    });
    const j = await jobs.phase('raw', 'Succeeded');
    assert.match(j.status!.workflowName!, /^steps-[a-z0-9]{5}$/);
    assert.equal(j.status!.progress, '3/3');
    assert.deepEqual(j.status!.steps!.map((s) => s.name).sort(), ['hello1', 'hello2a', 'hello2b']);
    assert.equal(j.status!.steps![0]!.name, 'hello1', 'steps are in start order');
  });

  it('a workflow deleted behind the operator makes the job Error, with no re-submission', async () => {
    await jobs.create('orphan', { sql: 'SELECT 1 SLEEP_60' });
    const j = await jobs.phase('orphan', 'Running');
    await jobs.deleteWorkflow(j.status!.workflowName!);
    const e = await jobs.phase('orphan', 'Error');
    assert.match(e.status!.message!, /was deleted before it finished; the job is not re-submitted/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await jobs.workflows('sqlflow.org/job=orphan')).length, 0);
  });

  it('deleting a job removes its workflow and pods by garbage collection', async () => {
    const j = await jobs.phase('three', 'Succeeded');
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const podsOf = async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'sqlflow.org/job=three' })).items.length;
    assert.equal(await podsOf(), 3);
    await jobs.delete('three');
    await until('workflow collected', async () => (await jobs.workflows(`sqlflow.org/job=three`)).length === 0, 90_000, 300);
    await until('pods collected', async () => (await podsOf()) === 0, 90_000, 300);
    assert.ok(j.status!.workflowName);
  });

  it('ttlSecondsAfterFinished deletes the job after it finished', async () => {
    await jobs.create('short-lived', { sql: 'SELECT 1', ttlSecondsAfterFinished: 2 });
    const j = await jobs.phase('short-lived', 'Succeeded');
    await until('job deleted', async () => !(await jobs.exists('short-lived')), 30_000, 200);
    assert.ok(Date.now() - Date.parse(j.status!.finishedAt!) >= 2000);
  });

  it('records events for submission and completion', async () => {
    const r = await cp.kubectl(['get', 'events.events.k8s.io', '--field-selector', 'regarding.name=failing', '-o', 'jsonpath={range .items[*]}{.reason}{" "}{end}']);
    assert.match(r.stdout, /Submitted/);
    assert.match(r.stdout, /Failed/);
  });
});
