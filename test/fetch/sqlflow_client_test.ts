// SQLFlow's own protocol (proto.SQLFlow) with SQLFlow's unmodified PyPI client, sqlflow==0.15.0, in a real Python
// venv (scripts/sqlflow-client-venv.sh), against the operator's API on the local stack (control plane, local Argo
// running steps as real processes — test/fixtures/table_step.sh prints tables as SQLFlow steps do).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from '../../testenv/argo/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { freePort } from '../../testenv/controlplane/ports.ts';
import { CertAuthority } from '../../testenv/controlplane/certs.ts';
import { KubeConfig as Kc } from '@kubernetes/client-node';
import { startApiServer } from '../../src/server/index.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/io.ts';
import { SQLFlow } from '../../src/gen/proto/sqlflow_pb.ts';
import { SQLFlowService } from '../../src/gen/sqlflow/v1/sqlflow_pb.ts';
import { createNamespace } from './harness.ts';
import { clientPython, drive as driveClient, type Outcome } from '../support/sqlflow_client.ts';

const NS = 'notebooks';
const STEP = JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'table_step.sh')]);
let cp: ControlPlane;
let admin: KubeConfig;
let argo: LocalArgo;
let op: OperatorProcess;
let apiPort: number;
let python: string;
let userToken: string;
let nobodyToken: string;
let operatorKubeconfig: string;
const keepAlive = setInterval(() => {}, 1000);

async function saToken(name: string): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name } } });
  const tr = await core.createNamespacedServiceAccountToken({ namespace: NS, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  return tr.status!.token!;
}

before(async () => {
  python = await clientPython();
  cp = await startControlPlane();
  admin = cp.kubeConfig();
  const sa = await installOperator(cp);
  operatorKubeconfig = sa;
  await installWorkflowCrd(admin);
  await createNamespace(admin, NS);
  userToken = await saToken('analyst');
  nobodyToken = await saToken('nobody');
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: 'sqlflow-user' }, rules: [{ apiGroups: ['sqlflow.org'], resources: ['sqlflowjobs'], verbs: ['get', 'create'] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: 'analyst' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sqlflow-user' }, subjects: [{ kind: 'ServiceAccount', name: 'analyst', namespace: NS }] } });
  // The server's default datasource (for sessions without db_conn_str): a Secret in the job namespace.
  await admin.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'default-datasource' }, stringData: { dsn: 'sqlite:///tmp/none.db' } } });
  argo = await startLocalArgo({ kc: admin, kubelet: cp.kubelet! });
  apiPort = await freePort();
  op = await startOperator(cp, sa, [`--step-command=${STEP}`, `--api-addr=127.0.0.1:${apiPort}`, '--api-auth=token', `--sqlflow-namespace=${NS}`, '--sqlflow-default-datasource=default-datasource:dsn']);
  // /readyz answers once the caches synced; the API listens a moment later.
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
  await argo?.stop();
  await cp?.stop();
  clearInterval(keepAlive);
});

function drive(mode: 'execute' | 'magic', program: string, env: Record<string, string>): Promise<Outcome> {
  return driveClient(python, `127.0.0.1:${apiPort}`, mode, program, env);
}

const IRIS_ROW_1 = [6.4, 2.8, 5.6, 2.2, 2, 'setosa'];
const IRIS_ROW_2 = [5.6, null, 0, 0, 0, 'setosa'];

describe('proto.SQLFlow with the sqlflow 0.15.0 Python client', () => {
  test('execute: SELECT, TO TRAIN, TO PREDICT, SELECT — tables back, training lines live, a SQLFlowJob with its datasource in an owned Secret', async (t) => {
    const program = [
      'SELECT * FROM iris.train LIMIT 2',
      'SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3 LABEL class INTO sqlflow_models.my_dnn_EPOCHS_8',
      'SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.my_dnn',
      'SELECT * FROM iris.predict LIMIT 2',
    ].join(';\n') + ';';
    const o = await drive('execute', program, { SQLFLOW_USER_TOKEN: userToken, SQLFLOW_DATASOURCE: 'mysql://root:s3cret@tcp(127.0.0.1:3306)/?maxAllowedPacket=0' });
    assert.equal(o.error, undefined, o.details);
    assert.equal(o.tables!.length, 2);
    for (const t of o.tables!) {
      assert.deepEqual(t.columns, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'class', 'name']);
      assert.deepEqual(t.rows, [IRIS_ROW_1, IRIS_ROW_2]);
    }
    const logs = o.logs.map((l) => l.log);
    for (let i = 1; i <= 4; i++) assert.ok(logs.some((l) => l.startsWith(`SQLFlow Step: [${i}/4] Execute Code: `)), `step ${i} announced:\n${logs.join('\n')}`);
    assert.ok(o.html.some((h) => h.includes('<div>prediction written</div>')), `HTML shown: ${JSON.stringify(o.html)}`);
    // The step saw the datasource (only its scheme is printed) ...
    assert.equal(logs.filter((l) => l === 'datasource scheme: mysql').length, 4);
    // ... and the training lines arrived while the step ran: the first before the last was printed (they are 1 s apart,
    // the step prints its own clock; arrival before the later print proves live delivery, not a timing bound).
    const epochs = o.logs.filter((l) => l.log.startsWith('epoch '));
    assert.equal(epochs.length, 8);
    const printedLast = Number(/ at (\S+)$/.exec(epochs[7]!.log)![1]);
    assert.ok(epochs[0]!.t < printedLast, `epoch 1 arrived at ${epochs[0]!.t}, after epoch 8 was printed at ${printedLast}; arrivals:\n${o.logs.map((l) => `${l.t.toFixed(2)} ${l.log.slice(0, 80)}`).join('\n')}\nFetch calls: ${o.fetches.map((f) => f.toFixed(2)).join(' ')}`);
    // Figures for the report (not assertions): print-to-client latency of the training lines, Fetch calls per minute.
    const lat = epochs.map((l) => l.t - Number(/ at (\S+)$/.exec(l.log)![1])).sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
    const span = (o.fetches.at(-1)! - o.fetches[0]!) / 60;
    if (process.env.SQLFLOW_CLIENT_TIMELINE) t.diagnostic(`arrivals:\n${o.logs.map((l) => `${l.t.toFixed(2)} ${l.log.slice(0, 80)}`).join('\n')}\nFetch calls: ${o.fetches.map((f) => f.toFixed(2)).join(' ')}`);
    t.diagnostic(`training-line latency p50 ${q(0.5)} s, max ${q(0.99)} s over ${lat.length}; ${o.fetches.length} Fetch calls, ${(o.fetches.length / span).toFixed(1)}/min`);
    // Every line once, in order.
    assert.deepEqual(epochs.map((l) => l.log.split(':')[0]), [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `epoch ${i}`));

    const jobs = (await admin.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: NS })) as { items: { metadata: { name: string; uid: string }; spec: Record<string, unknown> }[] };
    const job = jobs.items.find((j) => String(j.spec.sql).includes('iris.predict LIMIT 2'))!;
    assert.ok(job, 'a SQLFlowJob');
    assert.ok(!JSON.stringify(job).includes('s3cret'), 'no credential in the SQLFlowJob');
    const wf = (await admin.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', namespace: NS })) as { items: unknown[] };
    assert.ok(!JSON.stringify(wf.items).includes('s3cret'), 'no credential in the Workflow');
    const secret = await admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: NS, name: `${job.metadata.name}-datasource` });
    assert.equal(secret.metadata?.ownerReferences?.[0]?.uid, job.metadata.uid);
    // Created held until its Secret existed, then released (the operator made its Workflow only after that).
    assert.equal((job.metadata as { annotations?: Record<string, string> }).annotations?.['sqlflow.org/hold'], undefined);
    await assertNoForbidden(op);
  });

  test('a failing statement raises grpc.RpcError with the step\'s message, after its lines', async () => {
    const o = await drive('execute', 'SELECT 1;\nSELECT * FROM iris.nope FAIL;\nSELECT 2;', { SQLFLOW_USER_TOKEN: userToken });
    assert.equal(o.error, 'UNKNOWN');
    assert.match(o.details!, /SQLFlow Step: \[2\/3\] Failed \(exit code 3\)/);
    assert.match(o.details!, /Table iris.nope does not exist|no such table/);
    const logs = o.logs.map((l) => l.log);
    assert.ok(logs.includes('runtime error: no such table iris.nope'), logs.join('\n'));
    assert.ok(!logs.some((l) => l.startsWith('SQLFlow Step: [3/3]')));
  });

  test('no token or an invalid one is refused', async () => {
    const none = await drive('execute', 'SELECT 1;', {});
    assert.equal(none.error, 'UNAUTHENTICATED');
    const bad = await drive('execute', 'SELECT 1;', { SQLFLOW_USER_TOKEN: 'not-a-token' });
    assert.equal(bad.error, 'UNAUTHENTICATED');
    const nobody = await drive('execute', 'SELECT 1;', { SQLFLOW_USER_TOKEN: nobodyToken });
    assert.equal(nobody.error, 'PERMISSION_DENIED');
  });

  test('3 steps x 100,000 lines: every line once, in order, through proto.SQLFlow/Fetch', async () => {
    const o = await drive('execute', 'SELECT LINES_100000 FROM a;\nSELECT LINES_100000 FROM b;\nSELECT LINES_100000 FROM c;', { SQLFLOW_USER_TOKEN: userToken });
    assert.equal(o.error, undefined, o.details);
    const steps: string[][] = [[], [], []];
    let cur = -1;
    for (const l of o.logs) {
      const m = /^SQLFlow Step: \[(\d)\/3\] Execute Code/.exec(l.log);
      if (m) cur = Number(m[1]) - 1;
      else if (l.log.startsWith('line ')) steps[cur]!.push(l.log);
    }
    const want = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
    for (let i = 0; i < 3; i++) {
      assert.equal(steps[i]!.length, 100_000, `step ${i + 1}`);
      assert.ok(steps[i]!.every((l, k) => l === want[k]), `step ${i + 1} in order`);
    }
  });

  test('the same tables through sqlflow.v1 (FetchResponse.tables) and `sqlflow logs -o json`', async () => {
    const jobs = (await admin.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: NS })) as { items: { metadata: { name: string }; spec: Record<string, unknown> }[] };
    const name = jobs.items.find((j) => String(j.spec.sql).includes('iris.predict LIMIT 2'))!.metadata.name;
    const v1 = createClient(SQLFlowService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${apiPort}` }));
    const tables = [];
    let res = await v1.fetch({ job: { namespace: NS, name }, fromBeginning: true }, { headers: { Authorization: `Bearer ${userToken}` } });
    for (;;) {
      tables.push(...res.tables);
      if (res.eof) break;
      res = await v1.fetch({ token: res.token }, { headers: { Authorization: `Bearer ${userToken}` } });
    }
    assert.deepEqual(tables.map((t) => t.step), [0, 3]);
    assert.deepEqual(tables[0]!.rows[0]!.cells.map((c) => c.value.value), [6.4, 2.8, 5.6, 2.2, 2n, 'setosa']);
    assert.equal(tables[0]!.rows[1]!.cells[1]!.value.case, 'null');

    const out: string[] = [];
    const io: Io = { stdout: (t) => out.push(t), stderr: () => {}, readStdin: async () => '', readFile: async () => '' };
    assert.equal(await main(['logs', name, '--kubeconfig', cp.kubeconfigPath, '-n', NS, '-o', 'json'], io), 0);
    const items = out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { step: number; table?: { columns: string[]; rows: unknown[][] } });
    const cli = items.filter((i) => i.table);
    assert.deepEqual(cli.map((i) => i.step), [0, 3]);
    assert.deepEqual(cli[0]!.table!.rows, [IRIS_ROW_1, IRIS_ROW_2]);
    assert.ok(items.some((i) => (i as { line?: string }).line === 'datasource scheme: mysql'));
  });

  test('proto.SQLFlow Fetch: a foreign id or a tampered cursor is invalid_argument, a wrong key permission_denied', async () => {
    const c = createClient(SQLFlow, createGrpcTransport({ baseUrl: `http://127.0.0.1:${apiPort}` }));
    let id = '';
    for await (const r of c.run({ stmts: 'SELECT 1;', session: { token: userToken } })) if (r.response.case === 'job') id = r.response.value.id;
    assert.match(id, new RegExp(`^${NS}/sqlflow-[a-z0-9]+/`));
    // Session.service_account and wf_namespace (fields the 0.15.0 client lacks) reach the job.
    let withSa = '';
    for await (const r of c.run({ stmts: 'SELECT 1;', session: { token: userToken, serviceAccount: 'analyst', wfNamespace: NS } })) if (r.response.case === 'job') withSa = r.response.value.id;
    const j = (await admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: NS, name: withSa.split('/')[1]! })) as { spec: { serviceAccountName?: string }; metadata: { annotations?: Record<string, string> } };
    assert.equal(j.spec.serviceAccountName, 'analyst');
    assert.ok(!JSON.stringify(j).includes(withSa.split('/')[2]!), 'the fetch key itself is not in the job');
    const first = await c.fetch({ job: { id } });
    const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e) => ConnectError.from(e).code);
    assert.equal(await code(c.fetch({ job: { id: 'sqlflow-abcde' } })), Code.InvalidArgument);
    assert.equal(await code(c.fetch({ ...first.updatedFetchSince!, stepPhase: 's1.garbage' })), Code.InvalidArgument);
    assert.equal(await code(c.fetch({ ...first.updatedFetchSince!, stepId: 'f1.garbage' })), Code.InvalidArgument);
    const otherKey = id.replace(/[^/]+$/, 'A'.repeat(32));
    assert.equal(await code(c.fetch({ job: { id: otherKey } })), Code.PermissionDenied);
    // The Authorization header is accepted too (v1's check), with any id of a job the caller may read.
    assert.equal(await code(c.fetch({ job: { id: otherKey } }, { headers: { Authorization: `Bearer ${userToken}` } })), 'ok');
    assert.equal(await code(c.fetch({ job: { id: otherKey } }, { headers: { Authorization: `Bearer ${nobodyToken}` } })), Code.PermissionDenied);
  });

  test('TLS: the client with SQLFLOW_CA_CRT against the API serving TLS', async () => {
    const ca = await CertAuthority.create(join(cp.dir, 'api-pki'));
    const pair = await ca.serving('sqlflow-api');
    const kc = new Kc();
    kc.loadFromFile(operatorKubeconfig);
    const tls = await startApiServer({ kc, port: 0, host: '127.0.0.1', auth: 'kubernetes', tls: { certFile: pair.cert, keyFile: pair.key }, sqlflow: { defaultNamespace: NS } });
    try {
      const o = await drive('execute', 'SELECT * FROM iris.train LIMIT 2;', { SQLFLOW_USER_TOKEN: userToken, SQLFLOW_SERVER: `localhost:${tls.port}`, SQLFLOW_CA_CRT: ca.cert });
      assert.equal(o.error, undefined, o.details);
      assert.deepEqual(o.tables![0]!.rows, [IRIS_ROW_1, IRIS_ROW_2]);
    } finally {
      await tls.close();
    }
  });

  test('%%sqlflow through IPython run_cell_magic (and the server\'s default datasource)', async () => {
    const o = await drive('magic', 'SELECT * FROM iris.train LIMIT 2;', { SQLFLOW_USER_TOKEN: userToken });
    assert.equal(o.error, undefined, o.details);
    assert.ok(o.logs.some((l) => l.log === 'datasource scheme: sqlite'), 'no SQLFLOW_DATASOURCE: the server\'s default datasource');
    assert.deepEqual(o.tables, [{ columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'class', 'name'], rows: [IRIS_ROW_1, IRIS_ROW_2] }]);
  });
});
