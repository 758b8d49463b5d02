// When the Workflow cannot be created (here: an admission policy refuses it), the job says why in
// its status instead of sitting silently in Pending, and goes on once the way is clear. And
// an operator started before Argo is installed says so on /readyz.
import { after, before, it } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../../testenv/argo/crd.ts';
import { startLocalArgo } from '../../testenv/argo/index.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Jobs } from '../support/jobs.ts';
import { allowWorkflows, refuseWorkflows } from '../support/admission.ts';

let cp: ControlPlane;
let op: OperatorProcess | undefined;
let argo: { stop(): Promise<void> } | undefined;

let sa: string;

before(async () => {
  cp = await startControlPlane();
  sa = await installOperator(cp);
});
after(async () => {
  try {
    if (op) {
      await op.stop();
      await assertNoForbidden(op);
    }
  } finally {
    await argo?.stop();
    await cp?.stop();
  }
});

it('is not ready before Argo is installed, and /readyz says why', async () => {
  const { freePort } = await import('../../testenv/controlplane/ports.ts');
  const kubeconfig = sa;
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), `--kubeconfig=${kubeconfig}`, `--health-addr=127.0.0.1:${port}`, '--metrics-addr=0', '--api-addr=0'], { cwd: ROOT, stdio: 'ignore' });
  try {
    // Both caches list at once; the SQLFlowJob one syncs (its CRD exists) and the Workflow one
    // never can, so wait until the Workflow cache is the only reason left — under load the
    // 404 may come back before the SQLFlowJob list does.
    const why = /^caches not synced: workflows: .*404.* \(is Argo Workflows installed\? its Workflow CRD is missing\)/;
    let body = '';
    for (let i = 0; i < 300 && !why.test(body); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (r) {
        assert.equal(r.status, 503);
        body = await r.text();
      }
    }
    assert.match(body, why);
  } finally {
    child.kill('SIGTERM');
  }
});

it('reports a workflow it cannot create, then runs the job once it can', async () => {
  await installWorkflowCrd(cp.kubeConfig());
  argo = await startLocalArgo({ kc: cp.kubeConfig(), kubelet: cp.kubelet! });
  await refuseWorkflows(cp, 'no-workflows', 'true', 'workflows are frozen by policy');
  op = await startOperator(cp, sa, [`--step-command=${JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')])}`]);
  const jobs = new Jobs(cp.kubeConfig());
  await jobs.create('early', { sql: 'SELECT 1' });
  const waiting = await jobs.waitFor('early', 'a message saying why', (j) => /cannot create the workflow yet/.test(j.status?.message ?? ''));
  assert.equal(waiting.status!.phase, 'Pending');
  assert.match(waiting.status!.message!, /workflows are frozen by policy/);
  assert.equal(waiting.status!.conditions!.find((c) => c.type === 'Reconciling')?.reason, 'SubmitFailed');

  await allowWorkflows(cp, 'no-workflows');
  const done = await jobs.phase('early', 'Succeeded', 120_000);
  assert.equal(done.status!.progress, '1/1');
});
