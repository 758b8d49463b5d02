// A broken statement fails its step, and the job's status says which step and why, in the step's own words:
// the real step runtime writes its error to the container's termination message file, the kubelet (the local
// Argo's runner) puts it in the main container's terminated state, Argo's controller into the failed node's
// message, and the operator into the step's status and status.message. Real control plane, operator, local
// Argo and step runtime, on a SQLite datasource.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installOperator, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { DATASOURCE_SECRET, startLocalStack, type LocalStack } from '../../testenv/stack.ts';
import { Jobs } from '../support/jobs.ts';

let dir: string;
let stack: LocalStack;
let op: OperatorProcess;
let jobs: Jobs;
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlflow-step-broken-'));
  stack = await startLocalStack({ dir, log: () => {}, datasource: 'sqlite' });
  const sa = await installOperator(stack.controlPlane);
  op = await startOperator(stack.controlPlane, sa, ['--step-command=["step","-e"]']);
  jobs = new Jobs(stack.controlPlane.kubeConfig());
});
after(async () => {
  await op?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
  clearInterval(keepAlive);
});

const datasource = { secretKeyRef: { name: DATASOURCE_SECRET.name, key: DATASOURCE_SECRET.key } };
// The step runs one statement, so the runtime calls it statement 1 of 1; the step's name says which one it is.
const own = (what: string) => `runSQLProgram error: statement 1 of 1 (line 1, column 1): ${what}`;

const CASES = [
  {
    name: 'unknown-attribute',
    sql: 'SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3, model.xyz = 1 LABEL class INTO sqlflow_models.m;',
    step: 1,
    message: own('unsupported attribute model.xyz'),
  },
  {
    name: 'missing-table',
    sql: 'SELECT COUNT(*) FROM iris.train;\nSELECT * FROM iris.nosuch;',
    step: 2,
    message: own('runQuery failed: '),
    names: 'iris.nosuch',
  },
  {
    name: 'missing-model',
    sql: 'SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.nosuch;',
    step: 1,
    message: own("load Can't open sqlfs sqlflow_models.nosuch"),
  },
];

test('each broken statement fails its step, and the job status names the step and its message', async () => {
  for (const c of CASES) await jobs.create(c.name, { sql: c.sql, datasource });
  for (const c of CASES) {
    // Generous: the step runtime imports pandas and scikit-learn, which takes a while on a loaded machine.
    const job = await jobs.waitFor(c.name, 'finished', (j) => ['Succeeded', 'Failed', 'Error'].includes(j.status?.phase ?? ''), 600_000);
    const s = job.status!;
    const context = `${c.name}: ${JSON.stringify(s, null, 1)}`;
    assert.equal(s.phase, 'Failed', context);
    const step = s.steps!.find((x) => x.index === c.step - 1)!;
    assert.equal(step.name, `step-${c.step}`, context);
    assert.equal(step.phase, 'Failed', context);
    assert.equal(step.exitCode, 1, context);
    // Argo's node message: `main: Error (exit code 1): <the container's termination message>`.
    assert.ok(step.message?.startsWith(`main: Error (exit code 1): ${c.message}`), context);
    if (c.names) assert.ok(step.message!.includes(c.names), context);
    assert.ok(s.message?.startsWith(`step ${c.step} (step-${c.step}) failed (exit code 1): main: Error (exit code 1): ${c.message}`), context);
    for (const earlier of s.steps!.filter((x) => x.index < c.step - 1)) assert.equal(earlier.phase, 'Succeeded', context);
  }
});
