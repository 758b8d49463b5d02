// Issue 14's acceptance with the real step runtime: the program of test/support/dag_program.ts
// (a DNNClassifier and an xgboost model trained on iris.train, each evaluated and used to
// predict) run as spec.schedule Sequential and as DAG on the local stack's datasource. The DAG
// job's Workflow starts both trainings at once and hangs each evaluation and prediction on its
// own training only; both jobs leave the same metrics and prediction tables, read straight from
// the database. How much faster the DAG is lives in bench/dag.ts, not here.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installOperator, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { DATASOURCE_SECRET, startLocalStack, type LocalStack } from '../../testenv/stack.ts';
import { Jobs } from '../support/jobs.ts';
import { dagProgram, readTable, RESULT_TABLES } from '../support/dag_program.ts';

let dir: string;
let stack: LocalStack;
let op: OperatorProcess;
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlflow-dag-e2e-'));
  stack = await startLocalStack({ dir, log: () => {} });
  op = await startOperator(stack.controlPlane, await installOperator(stack.controlPlane), ['--step-command=["step","-e"]']);
});
after(async () => {
  await op?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
  clearInterval(keepAlive);
});

test('two models on one table: the DAG runs the branches apart and leaves the sequential run\'s tables', async () => {
  const jobs = new Jobs(stack.controlPlane.kubeConfig());
  const datasource = { secretKeyRef: { name: DATASOURCE_SECRET.name, key: DATASOURCE_SECRET.key } };
  // Both at once: they write disjoint tables, and the test takes one run's time, not two.
  await jobs.create('seq', { sql: dagProgram('seq'), schedule: 'Sequential', datasource });
  await jobs.create('dag', { sql: dagProgram('dag'), schedule: 'DAG', datasource });
  for (const name of ['seq', 'dag']) {
    const j = await jobs.waitFor(name, 'finished', (x) => ['Succeeded', 'Failed', 'Error'].includes(x.status?.phase ?? ''), 900_000);
    assert.equal(j.status!.phase, 'Succeeded', `${name}: ${j.status!.message}\n${JSON.stringify(j.status!.steps, null, 1)}`);
    assert.equal(j.status!.progress, '6/6');
  }

  const wf = (await jobs.workflows('sqlflow.org/job=dag'))[0] as unknown as { spec: { templates: { dag?: { tasks: { name: string; depends?: string }[] } }[] } };
  assert.deepEqual(wf.spec.templates[0]!.dag?.tasks.map((t) => [t.name, t.depends]), [
    ['step-1', undefined], ['step-2', undefined],
    ['step-3', 'step-1'], ['step-4', 'step-1'],
    ['step-5', 'step-2'], ['step-6', 'step-2'],
  ], 'both trainings start at once; each evaluation and prediction waits for its own model only');

  const { bin } = stack.venv!;
  const { url } = stack.datasource!;
  for (const t of RESULT_TABLES) {
    const [seq, dag] = await Promise.all([readTable(bin, url, `iris.seq_${t}`), readTable(bin, url, `iris.dag_${t}`)]);
    assert.ok(seq.rows.length > 0, `iris.seq_${t} has rows`);
    if (t.endsWith('_pred')) assert.equal(seq.rows.length, 30, `iris.seq_${t}: a prediction for every row of iris.test`);
    assert.deepEqual(dag, seq, `iris.dag_${t} equals iris.seq_${t}`);
  }
});
