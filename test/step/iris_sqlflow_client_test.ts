// The acceptance of SQLFlow's own protocol: on the local stack (control plane, local Argo running `step -e` from the
// step runtime's venv, the stack's datasource — MariaDB where installed, as in CI), the unmodified sqlflow 0.15.0
// client from PyPI executes examples/iris.sql through the operator's API and gets the evaluation and prediction
// tables back, with the training lines arriving while the step still trains.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { SQLFlowService } from '../../src/gen/sqlflow/v1/sqlflow_pb.ts';
import { freePort } from '../../testenv/controlplane/ports.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { DATASOURCE_SECRET, DATASOURCE_SECRET_FLAG, startLocalStack, type LocalStack } from '../../testenv/stack.ts';
import { clientPython, drive, quantile, type Outcome } from '../support/sqlflow_client.ts';

const NS = DATASOURCE_SECRET.namespace;
let dir: string;
let stack: LocalStack;
let op: OperatorProcess;
let apiPort: number;
let python: string;
let token: string;
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  python = await clientPython();
  dir = await mkdtemp(join(tmpdir(), 'sqlflow-iris-client-'));
  stack = await startLocalStack({ dir, log: () => {} });
  const kc = stack.controlPlane.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'analyst' } } });
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: 'sqlflow-user' }, rules: [{ apiGroups: ['sqlflow.org'], resources: ['sqlflowjobs'], verbs: ['get', 'create'] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: 'analyst' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sqlflow-user' }, subjects: [{ kind: 'ServiceAccount', name: 'analyst', namespace: NS }] } });
  token = (await core.createNamespacedServiceAccountToken({ namespace: NS, name: 'analyst', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status!.token!;
  const sa = await installOperator(stack.controlPlane);
  apiPort = await freePort();
  op = await startOperator(stack.controlPlane, sa, [
    '--step-command=["step","-e"]', `--api-addr=127.0.0.1:${apiPort}`, '--api-auth=token',
    `--sqlflow-namespace=${NS}`, `--sqlflow-default-datasource=${DATASOURCE_SECRET_FLAG}`,
  ]);
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((ok) => {
      const s = connect(apiPort, '127.0.0.1', () => { s.destroy(); ok(true); });
      s.on('error', () => ok(false));
    });
    if (up) break;
    if (i > 300) throw new Error(`the operator's API did not listen on ${apiPort}:\n${await op.log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});
after(async () => {
  await op?.stop();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  clearInterval(keepAlive);
});

const server = () => `127.0.0.1:${apiPort}`;

/** The job a program ran as, found by a piece of its SQL. */
async function jobOf(sqlPart: string): Promise<{ metadata: { name: string; uid: string }; spec: Record<string, unknown> }> {
  const jobs = (await stack.controlPlane.kubeConfig().makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: NS })) as { items: { metadata: { name: string; uid: string }; spec: Record<string, unknown> }[] };
  const job = jobs.items.find((j) => String(j.spec.sql).includes(sqlPart));
  assert.ok(job, `a SQLFlowJob running ${sqlPart}`);
  return job;
}

/** Every line of a job with the kubelet's timestamp, through sqlflow.v1 Fetch. */
async function stampedLines(name: string): Promise<{ step: number; text: string; time: number }[]> {
  const v1 = createClient(SQLFlowService, createGrpcTransport({ baseUrl: `http://${server()}` }));
  const headers = { Authorization: `Bearer ${token}` };
  const out: { step: number; text: string; time: number }[] = [];
  let res = await v1.fetch({ job: { namespace: NS, name }, fromBeginning: true, timestamps: true }, { headers });
  for (;;) {
    for (const l of res.lines) out.push({ step: l.step, text: l.text, time: Date.parse(l.time) / 1000 });
    if (res.eof) return out;
    res = await v1.fetch({ token: res.token, timestamps: true }, { headers });
  }
}

function context(o: Outcome): string {
  return `${o.error ? `${o.error}: ${o.details}\n` : ''}client log (last 30):\n${o.logs.slice(-30).map((l) => l.log).join('\n')}\noperator: ${op.logFile}`;
}

test('the sqlflow 0.15.0 client runs examples/iris.sql: the metrics and the 30-row prediction table come back, training lines arrive while the step trains', async (t) => {
  const program = await readFile(join(ROOT, 'examples', 'iris.sql'), 'utf8');
  // db_conn_str as a notebook user sets it (SQLFLOW_DATASOURCE): the stack's datasource URL, credential included.
  const o = await drive(python, server(), 'execute', program, { SQLFLOW_USER_TOKEN: token, SQLFLOW_DATASOURCE: stack.datasource!.url });
  assert.equal(o.error, undefined, context(o));
  const tables = o.tables!;
  // The three SELECTs: iris.train LIMIT 5, the evaluation's metrics, the predictions.
  assert.equal(tables.length, 3, `tables: ${JSON.stringify(tables.map((x) => [x.columns, x.rows.length]))}\n${context(o)}`);
  assert.deepEqual(tables[0]!.columns, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'class']);
  assert.equal(tables[0]!.rows.length, 5);
  const metrics = tables[1]!;
  const col = metrics.columns.findIndex((c) => /^accuracy/i.test(c));
  assert.ok(col >= 0, `an accuracy column: ${JSON.stringify(metrics.columns)}`);
  const accuracy = Number(metrics.rows[0]![col]);
  assert.ok(accuracy >= 0.9, `accuracy ${metrics.rows[0]![col]} on iris.test`);
  const predictions = tables[2]!;
  assert.deepEqual(predictions.columns, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'class']);
  assert.equal(predictions.rows.length, 30, 'a prediction for every row of iris.test');
  for (const r of predictions.rows) {
    assert.equal(typeof r[0], 'number', `decoded values: ${JSON.stringify(r)}`);
    assert.ok([0, 1, 2].includes(r[4] as number), `a class 0..2: ${JSON.stringify(r)}`);
  }
  const logs = o.logs.map((l) => l.log);
  for (let i = 1; i <= 6; i++) assert.ok(logs.some((l) => l.startsWith(`SQLFlow Step: [${i}/6] Execute Code: `)), `step ${i} announced:\n${context(o)}`);

  // Training lines: each epoch once, in order ...
  const epochs = o.logs.filter((l) => /^Epoch \d+\/100:/.test(l.log));
  assert.deepEqual(epochs.map((l) => Number(/^Epoch (\d+)/.exec(l.log)![1])), Array.from({ length: 100 }, (_, i) => i + 1));
  // ... and live: the first reached the client before the kubelet received the last (so before the step ended).
  const job = await jobOf('TO TRAIN DNNClassifier');
  const stamped = (await stampedLines(job.metadata.name)).filter((l) => /^Epoch \d+\/100:/.test(l.text));
  assert.equal(stamped.length, 100);
  assert.ok(epochs[0]!.t < stamped[99]!.time, `epoch 1 reached the client at ${epochs[0]!.t}, after the kubelet got epoch 100 at ${stamped[99]!.time}`);
  // Figures for the report (not assertions: speed lives in bench/): print (kubelet) → client latency, Fetch rate.
  const lat = epochs.map((l, i) => l.t - stamped[i]!.time);
  const minutes = (o.fetches.at(-1)! - o.fetches[0]!) / 60;
  t.diagnostic(`training lines print→client p50 ${quantile(lat, 0.5).toFixed(2)} s, p99 ${quantile(lat, 0.99).toFixed(2)} s (n=${lat.length}); ${o.fetches.length} Fetch calls, ${(o.fetches.length / minutes).toFixed(1)}/min`);

  // The credential went into a Secret owned by the job, never into the job or its Workflow.
  const secretText = stack.datasource!.url.replace(/^.*:\/\/[^:]*:([^@]*)@.*$/, '$1');
  const custom = stack.controlPlane.kubeConfig().makeApiClient(CustomObjectsApi);
  if (secretText !== stack.datasource!.url) {
    assert.ok(!JSON.stringify(job).includes(secretText), 'no credential in the SQLFlowJob');
    const wfs = (await custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', namespace: NS })) as { items: unknown[] };
    assert.ok(!JSON.stringify(wfs.items).includes(secretText), 'no credential in the Workflow');
  }
  const secret = await stack.controlPlane.kubeConfig().makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: NS, name: `${job.metadata.name}-datasource` });
  assert.equal(secret.metadata?.ownerReferences?.[0]?.uid, job.metadata.uid);
  await assertNoForbidden(op);
});

test('without SQLFLOW_DATASOURCE the job reads the server\'s default datasource Secret', async () => {
  const o = await drive(python, server(), 'execute', 'SELECT * FROM iris.test LIMIT 3;', { SQLFLOW_USER_TOKEN: token });
  assert.equal(o.error, undefined, context(o));
  assert.equal(o.tables!.length, 1);
  assert.deepEqual(o.tables![0]!.columns, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'class']);
  assert.equal(o.tables![0]!.rows.length, 3);
  const job = await jobOf('iris.test LIMIT 3');
  assert.deepEqual((job.spec as { datasource?: unknown }).datasource, { secretKeyRef: { name: DATASOURCE_SECRET.name, key: DATASOURCE_SECRET.key } });
});
