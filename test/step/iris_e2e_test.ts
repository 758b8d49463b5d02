// End to end with the real step runtime: examples/iris.sql submitted with the CLI to the operator
// (as its ServiceAccount), run by the local Argo as `step -e` from the step venv on the local
// stack's datasource (MariaDB where installed, as in CI; else SQLite), which reaches the steps as
// the product passes it: the job's spec.datasource Secret → env SQLFLOW_DATASOURCE. The same
// program then runs on SQLite (its own Secret) and must give the same tables.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/io.ts';
import { CoreV1Api } from '@kubernetes/client-node';
import { startDatasource, type Datasource } from '../../testenv/datasource.ts';
import { installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { DATASOURCE_SECRET_FLAG, startLocalStack, type LocalStack } from '../../testenv/stack.ts';
import { tables, type Cell } from '../support/response.ts';

let dir: string;
let stack: LocalStack;
let op: OperatorProcess;
let sqlite: Datasource;
const SQLITE_SECRET = 'sqlflow-datasource-sqlite';
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlflow-step-e2e-'));
  stack = await startLocalStack({ dir, log: () => {} });
  sqlite = await startDatasource({ dir: join(dir, 'second'), venv: stack.venv!, kind: 'sqlite' });
  await stack.controlPlane.kubeConfig().makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: 'default', body: { metadata: { name: SQLITE_SECRET }, stringData: { datasource: sqlite.url } },
  });
  const sa = await installOperator(stack.controlPlane);
  op = await startOperator(stack.controlPlane, sa, ['--step-command=["step","-e"]']);
});
after(async () => {
  await op?.stop();
  await stack?.stop();
  await sqlite?.stop();
  await rm(dir, { recursive: true, force: true });
  clearInterval(keepAlive);
});

function captureIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', readFile: (p) => readFile(p, 'utf8') };
}

interface IrisRun {
  accuracy: number;
  predictions: Cell[][];
}

/** Runs examples/iris.sql as job `name` on the datasource in Secret `secret`; checks what every run must show. */
async function runIris(name: string, secret: string, kind: string): Promise<IrisRun> {
  const kube = ['--kubeconfig', stack.controlPlane.kubeconfigPath, '-n', 'default'];
  const io = captureIo();
  const code = await main(['run', join(ROOT, 'examples', 'iris.sql'), '--follow', '--name', name, '--datasource-secret', secret, ...kube], io);
  const lines = io.out.join('').split('\n');
  const context = `datasource ${kind}; CLI stderr:\n${io.err.join('')}\nlogs:\n${lines.slice(-40).join('\n')}`;
  assert.equal(code, 0, context);
  assert.match(io.err.join(''), new RegExp(`job default/${name} Succeeded`), context);

  const get = captureIo();
  assert.equal(await main(['get', name, ...kube], get), 0);
  assert.match(get.out.join(''), /Phase: +Succeeded/);

  const t = tables(lines);
  // `SELECT * FROM iris.evaluate_result` prints the metrics as a table with an accuracy column.
  const metrics = t.find((x) => x.head.some((h) => /^accuracy/i.test(h)));
  assert.ok(metrics, `an evaluation table with an accuracy column: ${context}`);
  // SQLFlow's TO EVALUATE table holds its metrics as VARCHAR, so the cell is a decimal string.
  const cell = metrics.rows[0]?.[metrics.head.findIndex((h) => /^accuracy/i.test(h))];
  const accuracy = typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : cell;
  assert.ok(typeof accuracy === 'number' && Number.isFinite(accuracy), `the accuracy ${JSON.stringify(cell)} is a number: ${context}`);
  assert.ok((accuracy as number) >= 0.9, `${kind}: accuracy ${accuracy} on iris.test`);

  const predictions = t.at(-1)!;
  assert.deepEqual(predictions.head, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'class'], 'the final SELECT shows iris.predict');
  assert.equal(predictions.rows.length, 30, 'every row of iris.test has a prediction');
  for (const r of predictions.rows) assert.ok([0, 1, 2].includes(r[4] as number), `a class 0..2: ${JSON.stringify(r)}`);
  return { accuracy: accuracy as number, predictions: predictions.rows };
}

test('examples/iris.sql trains, evaluates (accuracy ≥ 0.9) and predicts on the stack\'s datasource and on SQLite, with the same tables', async () => {
  const first = await runIris('iris', DATASOURCE_SECRET_FLAG, stack.datasource!.kind);
  const second = await runIris('iris-sqlite', `${SQLITE_SECRET}:datasource`, 'sqlite');
  assert.ok(Math.abs(first.accuracy - second.accuracy) <= 0.05, `accuracy ${first.accuracy} (${stack.datasource!.kind}) vs ${second.accuracy} (sqlite)`);
  const same = first.predictions.filter((r, i) => JSON.stringify(r) === JSON.stringify(second.predictions[i])).length;
  assert.ok(same >= 28, `predictions agree on ${same}/30 rows (${stack.datasource!.kind} vs sqlite)`);
});
