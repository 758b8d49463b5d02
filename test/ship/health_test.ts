// GitOps health of SQLFlowJobs, on REAL objects: the operator (as its ServiceAccount, steps
// run by the local Argo with the dry-run step) takes jobs to Running, Succeeded, Failed, Error
// and Cancelled; each object, as `kubectl get -o json` returns it, goes through
//  - kstatus (sigs.k8s.io/cli-utils status.Compute: what Flux, kpt and cli-utils read), via tools/kstatus;
//  - the Argo CD health script config/argocd/sqlflowjob-health.lua, in a Lua VM (fengari).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { SQLFlowJob } from '../../src/api/job.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd, startLocalArgo } from '../../testenv/argo/index.ts';
import { drystepCommandFlag } from '../../testenv/drystep/index.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Jobs } from '../support/jobs.ts';
import { kstatus, kstatusBinary } from './kstatus.ts';
import { runHealthScript } from './lua.ts';

let cp: ControlPlane;
let argo: { stop(): Promise<void> };
let op: OperatorProcess;
let jobs: Jobs;
let kstatusBin: string;
let lua: string;
let unseen: SQLFlowJob;

const get = async (name: string): Promise<SQLFlowJob> => {
  const r = await cp.kubectl(['get', 'sqlflowjob', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SQLFlowJob;
};
const cond = (j: SQLFlowJob, type: string) => j.status?.conditions?.find((c) => c.type === type);
const rawJob = (argv: string[]) => ({
  workflow: {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'raw-' },
    spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'busybox:1.37', command: argv } }] },
  },
});

before(async () => {
  kstatusBin = await kstatusBinary(); // the first build takes a while (modules + compile), then it is cached
  lua = await readFile(join(ROOT, 'config', 'argocd', 'sqlflowjob-health.lua'), 'utf8');
  cp = await startControlPlane();
  const kc = cp.kubeConfig();
  await installWorkflowCrd(kc);
  argo = await startLocalArgo({ kc, kubelet: cp.kubelet! });
  const sa = await installOperator(cp);
  jobs = new Jobs(kc);
  // A job no operator has seen yet: created while none runs.
  await jobs.create('unseen', { sql: 'SELECT 1' });
  unseen = await get('unseen');
  op = await startOperator(cp, sa, [`--step-command=${drystepCommandFlag()}`]);
});

after(async () => {
  if (op) {
    assert.equal(await op.stop(), 0);
    await assertNoForbidden(op);
  }
  await argo?.stop();
  await cp?.stop();
});

/** Both readings of `j`; each is also reported as a test diagnostic (shown in the runner's output). */
async function health(j: SQLFlowJob, t?: { diagnostic(m: string): void }) {
  const h = { k: await kstatus(kstatusBin, j), argocd: runHealthScript(lua, j) };
  t?.diagnostic(`${j.metadata!.name} phase=${j.status?.phase ?? '(no status)'} generation=${j.metadata!.generation} observedGeneration=${j.status?.observedGeneration ?? '-'} | kstatus ${h.k.status}: ${h.k.message} | argocd ${h.argocd.status}: ${h.argocd.message}`);
  return h;
}

describe('GitOps health of real SQLFlowJobs', () => {
  it('Running (the sample program, with the dry-run step): kstatus InProgress, Argo CD Progressing', async (t) => {
    const r = await cp.kubectl(['apply', '--server-side', '-k', join(ROOT, 'config', 'samples')]);
    assert.equal(r.code, 0, r.stderr);
    await jobs.phase('iris-dnn', 'Running');
    const j = await get('iris-dnn');
    assert.equal(j.status?.phase, 'Running', 'still running when read (its 5 dry-run steps take several seconds)');
    const { k, argocd } = await health(j, t);
    assert.equal(k.status, 'InProgress');
    assert.equal(k.message, cond(j, 'Reconciling')!.message);
    assert.equal(argocd.status, 'Progressing');
    assert.equal(argocd.message, `${j.status!.message} (${j.status!.progress} steps)`);
  });

  it('Succeeded: kstatus Current, Argo CD Healthy; the steps logged what they would do', async (t) => {
    const j = await jobs.phase('iris-dnn', 'Succeeded', 120_000);
    assert.equal(j.status!.progress, '5/5');
    const obj = await get('iris-dnn');
    const { k, argocd } = await health(obj, t);
    assert.equal(k.status, 'Current');
    assert.equal(k.message, 'Resource is Ready');
    assert.deepEqual(argocd, { status: 'Healthy', message: obj.status!.message });
    const log = await cp.kubectl(['logs', j.status!.steps![2]!.podName!, '-c', 'main']);
    assert.match(log.stdout, /^\[dry-run\] dry run: nothing is executed; datasource: mysql \(URL not shown\)\n\[dry-run\] TO TRAIN DNNClassifier on "SELECT \* FROM iris\.train" with model\.n_classes=3, model\.hidden_units=\[10, 20\] → INTO sqlflow_models\.my_dnn_model\n/);
    // The raw-workflow sample too.
    const raw = await health(await get((await jobs.phase('hello-steps', 'Succeeded')).metadata!.name!), t);
    assert.deepEqual([raw.k.status, raw.argocd.status], ['Current', 'Healthy']);
  });

  it('Failed (a step exits 3): kstatus Failed, Argo CD Degraded, with the job message', async (t) => {
    await jobs.create('boom', rawJob(['sh', '-c', 'echo boom >&2; exit 3']));
    await jobs.phase('boom', 'Failed');
    const j = await get('boom');
    const { k, argocd } = await health(j, t);
    assert.equal(k.status, 'Failed');
    assert.equal(k.message, j.status!.message);
    assert.match(k.message, /exit code 3/);
    assert.deepEqual(argocd, { status: 'Degraded', message: j.status!.message });
  });

  it('Failed (an invalid program, no workflow): kstatus Failed, Argo CD Degraded, with line:column', async (t) => {
    await jobs.create('invalid', { sql: 'SELECT 1;\nSELECT * FROM t TO TRAIN DNN WITH a = 1 LABEL c' });
    await jobs.phase('invalid', 'Failed');
    const j = await get('invalid');
    const { k, argocd } = await health(j, t);
    assert.equal(k.status, 'Failed');
    assert.match(k.message, /^spec\.sql 2:\d+: /);
    assert.deepEqual(argocd, { status: 'Degraded', message: j.status!.message });
  });

  it('Error (its workflow deleted behind the operator): kstatus Failed, Argo CD Degraded', async (t) => {
    await jobs.create('orphan', rawJob(['sleep', '600']));
    const running = await jobs.phase('orphan', 'Running');
    await jobs.deleteWorkflow(running.status!.workflowName!);
    await jobs.phase('orphan', 'Error');
    const j = await get('orphan');
    const { k, argocd } = await health(j, t);
    assert.equal(k.status, 'Failed');
    assert.equal(k.message, j.status!.message);
    assert.deepEqual(argocd, { status: 'Degraded', message: j.status!.message });
  });

  it('Cancelled: kstatus Failed, Argo CD Degraded; in between, generation 2 unobserved reads as in progress', async (t) => {
    await jobs.create('sleeper', rawJob(['sleep', '600']));
    await jobs.phase('sleeper', 'Running');
    const running = await health(await get('sleeper'), t);
    assert.deepEqual([running.k.status, running.argocd.status], ['InProgress', 'Progressing']);
    await jobs.patchSpec('sleeper', { cancel: true });
    const between = await get('sleeper');
    const h = await health(between, t);
    if (between.metadata!.generation! > (between.status!.observedGeneration ?? 0)) {
      // Usually caught: the operator has not written status for the cancel yet.
      assert.equal(h.k.status, 'InProgress');
      assert.match(h.k.message, /generation is 2, but latest observed generation is 1/);
      assert.deepEqual(h.argocd, { status: 'Progressing', message: 'Waiting for the operator to see generation 2' });
    }
    await jobs.phase('sleeper', 'Cancelled', 30_000);
    const j = await get('sleeper');
    assert.equal(j.status!.observedGeneration, 2);
    const { k, argocd } = await health(j, t);
    assert.equal(k.status, 'Failed');
    assert.equal(k.message, j.status!.message);
    assert.deepEqual(argocd, { status: 'Degraded', message: j.status!.message });
  });

  it('a job no operator has seen: Argo CD Progressing; kstatus says Current (it has no status at all)', async (t) => {
    assert.equal(unseen.status, undefined);
    const { k, argocd } = await health(unseen, t);
    // kstatus's generic rule: no observedGeneration and no conditions → "Resource is current".
    // Nothing the operator can change (status is not written on create); it lasts until the
    // operator's first status write (and while no operator runs). Recorded here so a change shows.
    assert.equal(k.status, 'Current');
    assert.equal(k.message, 'Resource is current');
    assert.deepEqual(argocd, { status: 'Progressing', message: 'Waiting for the operator to pick the job up' });
    assert.equal((await jobs.phase('unseen', 'Succeeded')).status!.phase, 'Succeeded', 'the operator then runs it');
  });

  it('the Argo CD ConfigMap patch carries the Lua file verbatim and patches an argocd-cm', async (t) => {
    const patchFile = join(ROOT, 'config', 'argocd', 'argocd-cm-patch.yaml');
    const patch = parse(await readFile(patchFile, 'utf8')) as { metadata: { name: string; namespace: string }; data: Record<string, string> };
    assert.deepEqual(Object.keys(patch.data), ['resource.customizations.health.sqlflow.org_SQLFlowJob']);
    assert.equal(patch.data['resource.customizations.health.sqlflow.org_SQLFlowJob'], lua);
    assert.deepEqual([patch.metadata.name, patch.metadata.namespace], ['argocd-cm', 'argocd']);
    // As the patch's own comment says to apply it, onto an argocd-cm that has other keys.
    for (const args of [['create', 'namespace', 'argocd'], ['create', 'configmap', 'argocd-cm', '-n', 'argocd', '--from-literal=url=https://argocd.example.com'],
      ['patch', 'configmap', 'argocd-cm', '-n', 'argocd', '--type', 'merge', '--patch-file', patchFile]]) {
      const r = await cp.kubectl(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const cm = JSON.parse((await cp.kubectl(['get', 'configmap', 'argocd-cm', '-n', 'argocd', '-o', 'json'])).stdout) as { data: Record<string, string> };
    assert.equal(cm.data.url, 'https://argocd.example.com');
    assert.equal(cm.data['resource.customizations.health.sqlflow.org_SQLFlowJob'], lua);
  });
});
