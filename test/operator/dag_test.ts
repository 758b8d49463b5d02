// A DAG job end to end: the operator (as its ServiceAccount), the local Argo running the DAG,
// steps as real processes. Concurrency is shown without timing: the two branches wait for each
// other, so they can only finish when they run at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../../testenv/argo/crd.ts';
import { startLocalArgo } from '../../testenv/argo/index.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { SQLFlowClient } from '../../src/client/index.ts';
import { main } from '../../src/cli/main.ts';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { SQLFlowService } from '../../src/gen/sqlflow/v1/sqlflow_pb.ts';
import { startApiServer } from '../../src/server/index.ts';
import { Jobs } from '../support/jobs.ts';

let cp: ControlPlane;
let argo: { stop(): Promise<void> };
let op: OperatorProcess;
let jobs: Jobs;
let client: SQLFlowClient;
const STEP = JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'dag_step.sh')]);
const dir = mkdtempSync(join(tmpdir(), 'sqlflow-dag-'));

before(async () => {
  cp = await startControlPlane();
  const kc = cp.kubeConfig();
  await installWorkflowCrd(kc);
  argo = await startLocalArgo({ kc, kubelet: cp.kubelet! });
  const sa = await installOperator(cp);
  op = await startOperator(cp, sa, [`--step-command=${STEP}`]);
  jobs = new Jobs(kc);
  client = new SQLFlowClient({ kc, namespace: 'default' });
});

after(async () => {
  try {
    await client?.close();
    if (op) {
      assert.equal(await op.stop(), 0, 'the operator exits 0 on SIGTERM');
      await assertNoForbidden(op);
    }
  } finally {
    await argo?.stop();
    await cp?.stop();
  }
});

async function allLines(name: string): Promise<{ step: number; text: string }[]> {
  let token = await client.tokenFor(name, { from: 'beginning' });
  const out: { step: number; text: string }[] = [];
  for (;;) {
    const r = await client.fetch(token, { waitSeconds: 5 });
    for (const l of r.lines) out.push({ step: l.step, text: l.text });
    token = r.token;
    if (r.eof) return out;
  }
}

describe('SQLFlowJob with spec.schedule: DAG', () => {
  it('runs independent statements at once, the join after both; STEPS counts them; Fetch keeps program order', async () => {
    const d = join(dir, 'ok');
    const sql = [
      // Step 1 finishes only after step 2 has finished, and step 2 only starts its end after step 1 started.
      `CREATE TABLE a AS SELECT '@say:one-start @touch:${d}-1 @wait:${d}-2 @say:one-end' AS x FROM src`,
      `CREATE TABLE b AS SELECT '@say:two-start @wait:${d}-1 @say:two-end @touch:${d}-2' AS x FROM src`,
      `SELECT '@say:three' FROM a JOIN b ON 1`,
    ].join(';\n');
    await jobs.create('dag-ok', { sql, schedule: 'DAG' });
    const done = await jobs.phase('dag-ok', 'Succeeded', 150_000);
    const s = done.status!;
    assert.equal(s.stepCount, 3);
    assert.equal(s.progress, '3/3');
    assert.deepEqual(s.steps!.map((x) => [x.index, x.name, x.phase, x.exitCode]), [[0, 'step-1', 'Succeeded', 0], [1, 'step-2', 'Succeeded', 0], [2, 'step-3', 'Succeeded', 0]]);
    const wf = (await jobs.workflows('sqlflow.org/job=dag-ok'))[0] as unknown as { spec: { templates: { name: string; dag?: { tasks: unknown[] } }[] } };
    assert.deepEqual(wf.spec.templates[0]!.dag?.tasks, [
      { name: 'step-1', template: 'step-1' },
      { name: 'step-2', template: 'step-2' },
      { name: 'step-3', template: 'step-3', depends: 'step-1 && step-2' },
    ]);
    const table = await cp.kubectl(['get', 'sfj', 'dag-ok']);
    assert.match(table.stdout, /dag-ok\s+Succeeded\s+\S+\s+3\/3\s+/);
    // Step 2 ended before step 1, yet its lines come after all of step 1's: program order, each line once.
    assert.deepEqual(await allLines('dag-ok'), [
      { step: 0, text: 'one-start' }, { step: 0, text: 'one-end' },
      { step: 1, text: 'two-start' }, { step: 1, text: 'two-end' },
      { step: 2, text: 'three' },
    ]);
  });

  it('a failing branch: its dependents never start, the running independent branch finishes, the job fails', async () => {
    const d = join(dir, 'fail');
    const sql = [
      `CREATE TABLE a AS SELECT '@wait:${d}-2 @say:failing @fail:3' AS x FROM src`,
      `CREATE TABLE b AS SELECT '@touch:${d}-2 @wait:${d}-go @say:b-done' AS x FROM src`,
      `SELECT '@say:after-a' FROM a`,
    ].join(';\n');
    await jobs.create('dag-fail', { sql, schedule: 'DAG' });
    await jobs.waitFor('dag-fail', 'step 1 failed while step 2 runs', (j) =>
      j.status?.steps?.[0]?.phase === 'Failed' && j.status?.steps?.[1]?.phase === 'Running', 150_000);
    writeFileSync(`${d}-go`, '');
    const j = await jobs.phase('dag-fail', 'Failed', 150_000);
    const s = j.status!;
    assert.deepEqual(s.steps!.map((x) => [x.index, x.phase, x.exitCode]), [[0, 'Failed', 3], [1, 'Succeeded', 0]]);
    assert.equal(s.stepCount, 3);
    assert.equal(s.progress, '1/3');
    assert.match(s.message!, /^step 1 \(step-1\) failed \(exit code 3\)/);
  });

  it('spec.parallelism bounds the steps running at once (Argo spec.parallelism)', async () => {
    const lock = join(dir, 'lock');
    const step = (t: string) => `CREATE TABLE ${t} AS SELECT '@lock:${lock} @sleep:0.5 @unlock:${lock}' AS x FROM src`;
    await jobs.create('dag-par', { sql: [step('a'), step('b'), step('c')].join(';\n'), schedule: 'DAG', parallelism: 1 });
    const j = await jobs.phase('dag-par', 'Succeeded', 150_000);
    assert.equal(j.status!.progress, '3/3');
    const wf = (await jobs.workflows('sqlflow.org/job=dag-par'))[0] as unknown as { spec: { parallelism?: number; templates: { dag?: { tasks: { depends?: string }[] } }[] } };
    assert.equal(wf.spec.parallelism, 1);
    assert.ok(wf.spec.templates[0]!.dag!.tasks.every((t) => t.depends === undefined), 'the three are independent');
  });

  it('sqlflow run --schedule DAG --parallelism 2 --follow --interleave: the spec is set; concurrent lines come labelled, each once', async () => {
    const d = join(dir, 'cli');
    // As in the first test, the two steps finish only when they run at once.
    const sql = [
      `CREATE TABLE a AS SELECT '@say:one-start @touch:${d}-1 @wait:${d}-2 @say:one-end' AS x FROM src`,
      `CREATE TABLE b AS SELECT '@say:two-start @wait:${d}-1 @touch:${d}-2 @say:two-end' AS x FROM src`,
    ].join(';\n');
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), readStdin: async () => sql, readFile: async () => sql };
    const code = await main(['run', '-', '--name', 'dag-cli', '--schedule', 'DAG', '--parallelism', '2', '--follow', '--interleave', '--kubeconfig', cp.kubeconfigPath, '-n', 'default'], io);
    assert.equal(code, 0, err.join(''));
    const j = await jobs.get('dag-cli');
    assert.equal(j.spec.schedule, 'DAG');
    assert.equal(j.spec.parallelism, 2);
    const lines = out.join('').split('\n').filter(Boolean);
    assert.deepEqual(lines.filter((l) => l.startsWith('[step-1] ')), ['[step-1] one-start', '[step-1] one-end']);
    assert.deepEqual(lines.filter((l) => l.startsWith('[step-2] ')), ['[step-2] two-start', '[step-2] two-end']);
    assert.equal(lines.length, 4, `every line labelled, each once:\n${out.join('')}`);
    // A Workflow keeps its own shape.
    const wfIo = { ...io, stdout: () => {}, stderr: (t: string) => err.push(t) };
    assert.equal(await main(['run', 'x.yaml', '--schedule', 'DAG', '--kubeconfig', cp.kubeconfigPath], wfIo), 2);
    assert.match(err.join(''), /--schedule and --parallelism apply to a SQL program/);
  });

  it('the v1 Run request sets schedule and parallelism; a bad schedule is refused naming it', async () => {
    const server = await startApiServer({ kc: cp.kubeConfig(), port: 0, host: '127.0.0.1', auth: 'none' });
    try {
      const api = createClient(SQLFlowService, createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port}`, httpVersion: '1.1' }));
      const r = await api.run({ namespace: 'default', name: 'dag-v1', program: { case: 'sql', value: 'SELECT 1 FROM a; SELECT 2 FROM b' }, schedule: 'DAG', parallelism: 3, waitSeconds: 30 });
      assert.equal(r.job?.name, 'dag-v1');
      const j = await jobs.phase('dag-v1', 'Succeeded', 150_000);
      assert.equal(j.spec.schedule, 'DAG');
      assert.equal(j.spec.parallelism, 3);
      const wf = (await jobs.workflows('sqlflow.org/job=dag-v1'))[0] as unknown as { spec: { parallelism?: number; templates: { dag?: unknown }[] } };
      assert.equal(wf.spec.parallelism, 3);
      assert.ok(wf.spec.templates[0]!.dag, 'a DAG Workflow');
      const bad = await api.run({ namespace: 'default', program: { case: 'sql', value: 'SELECT 1' }, schedule: 'Parallel' }).then(() => undefined, (e) => ConnectError.from(e));
      assert.equal(bad?.code, Code.InvalidArgument);
      assert.match(bad!.rawMessage, /schedule "Parallel": expected DAG or Sequential/);
    } finally {
      await server.close();
    }
  });

  it('cancel terminates a DAG job', async () => {
    const d = join(dir, 'cancel');
    await jobs.create('dag-cancel', { sql: `SELECT '@wait:${d}-never' FROM a; SELECT '@wait:${d}-never' FROM b`, schedule: 'DAG' });
    await jobs.waitFor('dag-cancel', 'both steps running', (j) => j.status?.steps?.filter((x) => x.phase === 'Running').length === 2, 150_000);
    await jobs.patchSpec('dag-cancel', { cancel: true });
    const j = await jobs.phase('dag-cancel', 'Cancelled', 60_000);
    assert.match(j.status!.message!, /^cancelled: Stopped with strategy 'Terminate'/);
  });
});
