// The Connect/gRPC API: one port for gRPC over h2c, gRPC-Web and Connect JSON (plain fetch and curl), bearer tokens
// checked by TokenReview + SubjectAccessReview, the server acting as the operator's ServiceAccount (RBAC of config/).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { SQLFlowService } from '../../src/gen/sqlflow/v1/sqlflow_pb.ts';
import { startApiServer, type ApiServer } from '../../src/server/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installOperator } from '../../testenv/operator.ts';
import { installWorkflowCrd } from '../../testenv/argo/index.ts';
import { createNamespace, FakeJob } from './harness.ts';

let cp: ControlPlane;
let admin: KubeConfig;
let server: ApiServer;
let base: string;
let readerToken: string;
let nobodyToken: string;
const NS = 'team-a';
const keepAlive = setInterval(() => {}, 1000);

async function saToken(ns: string, name: string): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } });
  const tr = await core.createNamespacedServiceAccountToken({ namespace: ns, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  return tr.status!.token!;
}

before(async () => {
  cp = await startControlPlane();
  admin = cp.kubeConfig();
  const operatorKubeconfig = await installOperator(cp);
  await installWorkflowCrd(admin);
  await createNamespace(admin, NS);
  readerToken = await saToken(NS, 'reader');
  nobodyToken = await saToken(NS, 'nobody');
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: 'sqlflow-user' }, rules: [{ apiGroups: ['sqlflow.org'], resources: ['sqlflowjobs'], verbs: ['get', 'create', 'patch'] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sqlflow-user' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }] } });
  const opKc = new KubeConfig();
  opKc.loadFromFile(operatorKubeconfig);
  server = await startApiServer({ kc: opKc, port: 0, host: '127.0.0.1', auth: 'kubernetes' });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server?.close();
  await cp?.stop();
  clearInterval(keepAlive);
});

const bearer = (t: string) => ({ headers: { Authorization: `Bearer ${t}` } });

function grpcClient(): Client<typeof SQLFlowService> {
  return createClient(SQLFlowService, createGrpcTransport({ baseUrl: base }));
}

async function code(p: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

describe('API server', () => {
  test('gRPC over h2c: Fetch loop and Follow deliver every line; gRPC-Web too', async () => {
    const job = await new FakeJob(admin, cp.kubelet!.logs, NS, 'grpc', 2).create();
    await job.startStep(0);
    for (let n = 0; n < 3000; n++) job.append(0, `s0 ${n}\n`);
    const client = grpcClient();
    const got: string[] = [];
    let res = await client.fetch({ job: { namespace: NS, name: 'grpc' }, maxBytes: 4096 }, bearer(readerToken));
    got.push(...res.lines.map((l) => l.text));
    const follow = (async () => {
      const seen: string[] = [];
      const web = createClient(SQLFlowService, createGrpcWebTransport({ baseUrl: base, httpVersion: '1.1' }));
      for await (const r of web.follow({ job: { namespace: NS, name: 'grpc' }, fromBeginning: true }, bearer(readerToken))) {
        seen.push(...r.lines.map((l) => l.text));
        if (r.eof) break;
      }
      return seen;
    })();
    const writer = (async () => {
      for (let n = 3000; n < 6000; n++) job.append(0, `s0 ${n}\n`);
      await job.finishStep(0, 2, 'main: Error (exit code 2)');
      await job.startStep(1);
      job.append(1, 'last\n');
      await job.finishStep(1);
      await job.complete('Failed');
    })();
    const failures: string[] = [];
    while (!res.eof) {
      res = await client.fetch({ token: res.token, maxBytes: 4096, waitSeconds: 2 }, bearer(readerToken));
      got.push(...res.lines.map((l) => l.text));
      failures.push(...res.finishedSteps.filter((s) => s.phase === 'Failed').map((s) => `${s.index}:${s.exitCode}`));
    }
    await writer;
    const expected = [...Array.from({ length: 6000 }, (_, n) => `s0 ${n}`), 'last'];
    assert.deepEqual(got, expected);
    assert.deepEqual(failures, ['0:2']);
    assert.deepEqual(await follow, expected);
    assert.equal(res.jobPhase, 'Failed');
    assert.equal(res.job?.workflow, 'grpc-wf');
  });

  test('Connect JSON with plain fetch and curl (HTTP/1.1), and gRPC over curl --http2-prior-knowledge reaches the same port', async () => {
    await new FakeJob(admin, cp.kubelet!.logs, NS, 'json', 1).create();
    const r = await fetch(`${base}/sqlflow.v1.SQLFlowService/Get`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${readerToken}` }, body: JSON.stringify({ namespace: NS, name: 'json' }),
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { job: { name: string; workflow: string; phase: string; uid: string } };
    assert.deepEqual([body.job.name, body.job.workflow, body.job.phase], ['json', 'json-wf', 'Running']);
    const run = promisify(execFile);
    const { stdout } = await run('curl', ['-sS', '-H', 'Content-Type: application/json', '-H', `Authorization: Bearer ${readerToken}`,
      '-d', JSON.stringify({ job: { namespace: NS, name: 'json' } }), `${base}/sqlflow.v1.SQLFlowService/Fetch`]);
    const fr = JSON.parse(stdout) as { token: string; jobPhase: string };
    assert.match(fr.token, /^f1\./);
    assert.equal(fr.jobPhase, 'Running');
    const h2 = await run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', '-H', 'Content-Type: application/json',
      '-H', `Authorization: Bearer ${readerToken}`, '-d', JSON.stringify({ namespace: NS, name: 'json' }), `${base}/sqlflow.v1.SQLFlowService/Get`]);
    assert.equal(h2.stdout, '2 200');
    // The Connect protocol over HTTP/1.1 from the Node client as well.
    const c = createClient(SQLFlowService, createConnectTransport({ baseUrl: base, httpVersion: '1.1' }));
    assert.equal((await c.get({ namespace: NS, name: 'json' }, bearer(readerToken))).job?.uid, body.job.uid);
  });

  test('no token, a bad token and a ServiceAccount without rights are refused with the right codes', async () => {
    await new FakeJob(admin, cp.kubelet!.logs, NS, 'secret', 1).create();
    const client = grpcClient();
    assert.equal(await code(client.get({ namespace: NS, name: 'secret' })), Code.Unauthenticated);
    assert.equal(await code(client.get({ namespace: NS, name: 'secret' }, bearer('not-a-token'))), Code.Unauthenticated);
    assert.equal(await code(client.get({ namespace: NS, name: 'secret' }, bearer(nobodyToken))), Code.PermissionDenied);
    assert.equal(await code(client.fetch({ job: { namespace: NS, name: 'secret' } }, bearer(nobodyToken))), Code.PermissionDenied);
    assert.equal(await code(client.run({ namespace: NS, program: { case: 'sql', value: 'SELECT 1;' } }, bearer(nobodyToken))), Code.PermissionDenied);
    assert.equal(await code(client.cancel({ namespace: NS, name: 'secret' }, bearer(nobodyToken))), Code.PermissionDenied);
    // The reader's rights stop at its namespace.
    assert.equal(await code(client.get({ namespace: 'default', name: 'secret' }, bearer(readerToken))), Code.PermissionDenied);
    const err = await client.get({ namespace: NS, name: 'secret' }, bearer(nobodyToken)).catch((e: unknown) => ConnectError.from(e));
    assert.match((err as ConnectError).rawMessage, /system:serviceaccount:team-a:nobody may not get sqlflowjobs.sqlflow.org in namespace team-a/);
    const r = await fetch(`${base}/sqlflow.v1.SQLFlowService/Get`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"namespace":"team-a","name":"secret"}' });
    assert.equal(r.status, 401);
    assert.equal(await code(client.fetch({ token: 'garbage' }, bearer(readerToken))), Code.InvalidArgument);
  });

  test('Run creates a SQLFlowJob and returns a token; Cancel sets spec.cancel', async () => {
    const client = grpcClient();
    const res = await client.run({ namespace: NS, name: 'from-api', program: { case: 'sql', value: 'SELECT 1;' }, image: 'busybox', datasourceSecret: 'db:dsn', waitSeconds: 0.5 }, bearer(readerToken));
    assert.equal(res.job?.name, 'from-api');
    assert.match(res.token, /^f1\./);
    const r = await cp.kubectl(['get', 'sfj', '-n', NS, 'from-api', '-o', 'jsonpath={.spec.image} {.spec.datasource.secretKeyRef.name}']);
    assert.equal(r.stdout, 'busybox db');
    // No operator here: the job stays Pending, and a Fetch with the token waits without error.
    const f = await client.fetch({ token: res.token, waitSeconds: 0.2 }, bearer(readerToken));
    assert.deepEqual([f.lines.length, f.eof, f.message], [0, false, '']);
    assert.equal(await code(client.run({ namespace: NS, name: 'from-api', program: { case: 'sql', value: 'SELECT 1;' }, waitSeconds: 0.1 }, bearer(readerToken))), Code.AlreadyExists);
    const c = await client.cancel({ namespace: NS, name: 'from-api' }, bearer(readerToken));
    assert.equal(c.job?.name, 'from-api');
    const s = await cp.kubectl(['get', 'sfj', '-n', NS, 'from-api', '-o', 'jsonpath={.spec.cancel}']);
    assert.equal(s.stdout, 'true');
  });
});
