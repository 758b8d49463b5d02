// The operator across crashes and leader changes: SIGKILL in the middle of a burst of jobs
// must not create a second Workflow for any job, and a standby replica must take over.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { desiredWorkflow, workflowName } from '../../src/controller/desired.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../../testenv/argo/crd.ts';
import { startLocalArgo } from '../../testenv/argo/index.ts';
import { assertNoForbidden, installOperator, OPERATOR_NAMESPACE, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Jobs } from '../support/jobs.ts';
import { allowWorkflows, refuseWorkflows } from '../support/admission.ts';
import { until } from '../support/http.ts';

let cp: ControlPlane;
let argo: { stop(): Promise<void> };
let jobs: Jobs;
let sa: string;
const STEP = `--step-command=${JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')])}`;
const started: OperatorProcess[] = [];

before(async () => {
  cp = await startControlPlane();
  const kc = cp.kubeConfig();
  await installWorkflowCrd(kc);
  argo = await startLocalArgo({ kc, kubelet: cp.kubelet! });
  sa = await installOperator(cp);
  jobs = new Jobs(kc);
});

after(async () => {
  try {
    for (const p of started) await p.stop('SIGKILL');
    for (const p of started) await assertNoForbidden(p);
  } finally {
    await argo?.stop();
    await cp?.stop();
  }
});

async function operator(flags: string[] = []): Promise<OperatorProcess> {
  const p = await startOperator(cp, sa, [STEP, ...flags]);
  started.push(p);
  return p;
}

describe('crash safety', () => {
  it('adopts the Workflow a dead operator created but never recorded, and steps around a foreign one holding the name', async () => {
    const custom = cp.kubeConfig().makeApiClient(CustomObjectsApi);
    const WF = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', namespace: 'default' };
    // As if the operator died right after creating the Workflow: it exists, status says nothing.
    const orphan = await jobs.create('adopt-me', { sql: 'SELECT 1' });
    const d = desiredWorkflow(orphan, { command: ['sh', join(ROOT, 'test', 'fixtures', 'step.sh')] });
    const name = workflowName(d.prefix, orphan.metadata.uid!);
    await custom.createNamespacedCustomObject({ ...WF, body: { ...d.manifest, metadata: { ...d.manifest.metadata, name } } });
    // Another job's derived name is taken by a Workflow that is not its own.
    const other = await jobs.create('collide', { sql: 'SELECT 2' });
    const taken = workflowName('sqlflow-', other.metadata.uid!);
    await custom.createNamespacedCustomObject({ ...WF, body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: taken }, spec: { entrypoint: 'x', templates: [{ name: 'x', container: { image: 'busybox', command: ['true'] } }] } } });

    const p = await operator();
    const adopted = await jobs.phase('adopt-me', 'Succeeded');
    assert.equal(adopted.status!.workflowName, name);
    assert.equal((await jobs.workflows('sqlflow.org/job=adopt-me')).length, 1);
    const moved = await jobs.phase('collide', 'Succeeded');
    assert.equal(moved.status!.workflowName, workflowName('sqlflow-', other.metadata.uid!, 1));
    assert.equal(await p.stop(), 0);
  });

  it('SIGKILLed and restarted over a burst of 50 jobs: exactly one Workflow per job, every status converges', async () => {
    // The odd jobs' Workflows are refused until the restart, so the kill always comes mid-flight whatever the
    // operator's speed (CI saw all 50 made before a kill sent on the 5th); the even ones are killed wherever they are.
    await refuseWorkflows(cp, 'hold-odd-jobs', "has(object.metadata.labels) && 'sqlflow.org/job' in object.metadata.labels && " +
      "object.metadata.labels['sqlflow.org/job'].matches('^burst-[0-9]*[13579]$')",
      'odd burst jobs wait for the restart', { 'sqlflow.org/job': 'burst-1' });
    const first = await operator();
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    await Promise.all(names.map((n, i) => jobs.create(n, { sql: `SELECT ${i}; SELECT ${i} + 1` })));
    // Only this burst's Workflows count (the test above left two of its own).
    const burstWorkflows = async () => (await jobs.workflows('sqlflow.org/job')).filter((w) => names.includes(w.metadata.labels?.['sqlflow.org/job'] ?? '')).length;
    await until('some workflows created', async () => (await burstWorkflows()) >= 5, 60_000, 20);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, -1);
    const made = await burstWorkflows();
    assert.ok(made >= 5 && made <= 25, `the kill came mid-flight (${made} of 50 workflows existed)`);
    await allowWorkflows(cp, 'hold-odd-jobs');

    const second = await operator();
    // A generous bound, not a timing claim: 100 steps run as processes on a machine that may be busy.
    for (const n of names) await jobs.phase(n, 'Succeeded', 300_000);
    const wfs = await jobs.workflows('sqlflow.org/job');
    const perJob = new Map<string, number>();
    for (const w of wfs) perJob.set(w.metadata.labels!['sqlflow.org/job']!, (perJob.get(w.metadata.labels!['sqlflow.org/job']!) ?? 0) + 1);
    assert.equal(wfs.filter((w) => names.includes(w.metadata.labels?.['sqlflow.org/job'] ?? '')).length, 50);
    for (const n of names) assert.equal(perJob.get(n), 1, `${n} has ${perJob.get(n)} workflows`);
    for (const n of names) {
      const j = await jobs.get(n);
      const wf = wfs.find((w) => w.metadata.labels!['sqlflow.org/job'] === n)!;
      assert.equal(j.status!.workflowName, wf.metadata.name);
      assert.equal(j.status!.progress, '2/2');
    }
    assert.equal(await second.stop(), 0);
  });
});

describe('leader election', () => {
  it('only the leader acts; the standby takes over when the leader dies', async () => {
    const flags = ['--leader-elect', `--leader-election-namespace=${OPERATOR_NAMESPACE}`];
    const a = await operator(flags);
    await until('a leads', async () => (await a.log()).includes('became leader'), 30_000, 100);
    const b = await operator(flags);
    await jobs.create('led-1', { sql: 'SELECT 1' });
    await jobs.phase('led-1', 'Succeeded');
    assert.match(await a.log(), /workflow created/, `a:\n${await a.log()}\nb:\n${await b.log()}\nothers:\n${(await Promise.all(started.map((p) => p.log()))).join('\n----\n')}`);
    assert.doesNotMatch(await b.log(), /became leader|workflow created/);

    a.child.kill('SIGKILL');
    await until('b leads', async () => (await b.log()).includes('became leader'), 40_000, 200);
    await jobs.create('led-2', { sql: 'SELECT 2' });
    await jobs.phase('led-2', 'Succeeded');
    assert.match(await b.log(), /workflow created/);

    // A graceful stop releases the Lease: the holder is cleared at once.
    assert.equal(await b.stop('SIGTERM'), 0);
    const lease = await cp.kubectl(['get', 'lease', '-n', OPERATOR_NAMESPACE, 'sqlflow-operator-leader', '-o', 'jsonpath={.spec.holderIdentity}']);
    assert.equal(lease.stdout, '');
  });
});
