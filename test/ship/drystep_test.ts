// The dry-run step (testenv/drystep): what it prints for each kind of statement, its exit
// codes, and that it runs as the operator starts a step — by absolute path from any folder.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main, PREFIX } from '../../testenv/drystep/main.ts';
import { drystepCommand, drystepCommandFlag, DRYSTEP_ENTRY } from '../../testenv/drystep/index.ts';
import { ROOT } from '../../testenv/operator.ts';

async function dry(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string[]; err: string[]; sleeps: number[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), sleep: async (ms) => void sleeps.push(ms), env });
  return { code, out, err, sleeps };
}

describe('dry-run step', () => {
  it('describes TO TRAIN: estimator, query, attributes, columns, label and INTO', async () => {
    const r = await dry(['-e', 'SELECT * FROM iris.train\nTO TRAIN DNNClassifier\nWITH model.n_classes = 3, model.hidden_units = [10, 20]\nCOLUMN sepal_length, sepal_width\nLABEL class\nINTO sqlflow_models.my_dnn_model']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.out, [
      `${PREFIX} dry run: nothing is executed; no datasource (SQLFLOW_DATASOURCE is not set)`,
      `${PREFIX} TO TRAIN DNNClassifier on "SELECT * FROM iris.train" with model.n_classes=3, model.hidden_units=[10, 20] → INTO sqlflow_models.my_dnn_model`,
      `${PREFIX} columns: sepal_length, sepal_width`,
      `${PREFIX} label: class`,
      `${PREFIX} would train DNNClassifier and save the model to sqlflow_models.my_dnn_model`,
      `${PREFIX} done`,
    ]);
    assert.deepEqual(r.sleeps, [250, 250, 250, 250, 250], 'a pause between lines, so the log grows live');
  });

  it('describes standard SQL and the other extended statements', async () => {
    const cases: [string, RegExp][] = [
      ['CREATE DATABASE IF NOT EXISTS m', /^\[dry-run\] CREATE \(DDL\): CREATE DATABASE IF NOT EXISTS m$/m],
      ['SELECT *\n  FROM iris.train LIMIT 5', /^\[dry-run\] SELECT \(query\): SELECT \* FROM iris\.train LIMIT 5\n\[dry-run\] would run it on the datasource and print the rows$/m],
      ['INSERT INTO t VALUES (1)', /^\[dry-run\] INSERT \(DML\): /m],
      ['SELECT * FROM iris.test TO PREDICT iris.predict.class USING m', /^\[dry-run\] TO PREDICT iris\.predict\.class using model m on "SELECT \* FROM iris\.test"$/m],
      ['SELECT * FROM t TO EVALUATE m WITH validation.metrics = "Accuracy" LABEL class INTO r', /^\[dry-run\] TO EVALUATE model m on "SELECT \* FROM t" with validation\.metrics="Accuracy" → INTO r\n\[dry-run\] label: class$/m],
      ['SELECT * FROM t TO EXPLAIN m USING TreeExplainer', /^\[dry-run\] TO EXPLAIN model m on "SELECT \* FROM t" using TreeExplainer$/m],
      ['SELECT * FROM t TO RUN my/image:1 CMD "a", "b c" INTO x, y', /^\[dry-run\] TO RUN my\/image:1 CMD "a", "b c" on "SELECT \* FROM t" → INTO x, y$/m],
      ['SELECT * FROM t TO MAXIMIZE SUM((price - cost) * amount) CONSTRAINT SUM(amount) <= 100 GROUP BY shop WITH variables = "amount(product)", var_type = "Integers" USING glpk INTO r', /^\[dry-run\] TO MAXIMIZE SUM\(\(price - cost\) \* amount\) on "SELECT \* FROM t" with variables="amount\(product\)", var_type="Integers" → INTO r\n\[dry-run\] constraint: SUM\(amount\) <= 100 GROUP BY shop\n\[dry-run\] would solve it with glpk and write the result to r$/m],
      ['SHOW TRAIN m', /^\[dry-run\] SHOW TRAIN m$/m],
    ];
    for (const [stmt, want] of cases) {
      const r = await dry([stmt]);
      assert.equal(r.code, 0, `${stmt}: ${r.err.join('\n')}`);
      assert.match(r.out.join('\n'), want, stmt);
      assert.equal(r.out.at(-1), `${PREFIX} done`);
      assert.ok(r.out.every((l) => l.startsWith(`${PREFIX} `)), 'every line says dry run');
    }
  });

  it('names the datasource scheme only, never its URL', async () => {
    const r = await dry(['SELECT 1'], { SQLFLOW_DATASOURCE: 'mysql://root:s3cret@tcp(db:3306)/?maxAllowedPacket=0' });
    assert.match(r.out[0]!, /datasource: mysql \(URL not shown\)$/);
    assert.ok(!r.out.join('\n').includes('s3cret'));
  });

  it('exits 1 with the parser message for a statement it cannot parse, 2 without one', async () => {
    const bad = await dry(['-e', 'SELECT * FROM t TO TRAIN DNN WITH a = 1 LABEL c']);
    assert.equal(bad.code, 1);
    assert.deepEqual(bad.out, []);
    assert.match(bad.err.join('\n'), /^\[dry-run\] cannot parse the statement: 1:\d+: TO TRAIN without INTO/);
    assert.equal((await dry([])).code, 2);
    assert.equal((await dry(['-e'])).code, 2);
  });

  it('describes every statement of the sample program', async () => {
    const sample = parse(await readFile(join(ROOT, 'config', 'samples', 'sqlflow_v1alpha1_sqlflowjob.yaml'), 'utf8')) as { spec: { sql: string } };
    const { parseProgram } = await import('../../src/sql/parse.ts');
    const statements = parseProgram(sample.spec.sql);
    assert.ok(statements.some((s) => s.ast.type === 'standard') && statements.some((s) => s.ast.type === 'train') && statements.some((s) => s.ast.type === 'predict'), 'the sample mixes standard and extended statements');
    for (const st of statements) assert.equal((await dry(['-e', st.text])).code, 0, st.text);
  });

  it('runs as a step does: the command by absolute path, from a fresh folder, output growing line by line', async () => {
    const cmd = drystepCommand();
    assert.deepEqual(cmd, [process.execPath, DRYSTEP_ENTRY]);
    assert.deepEqual(JSON.parse(drystepCommandFlag('node')), ['node', DRYSTEP_ENTRY]);
    const cwd = await mkdtemp(join(tmpdir(), 'drystep-'));
    try {
      const child = spawn(cmd[0]!, [...cmd.slice(1), 'SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.my_dnn_model'], {
        cwd, env: { PATH: process.env.PATH ?? '', SQLFLOW_DRYSTEP_DELAY_MS: '150' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      const seen: { at: number; text: string }[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => seen.push({ at: Date.now(), text: d.toString() }));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((ok) => child.on('exit', ok));
      assert.equal(code, 0, err);
      const text = seen.map((s) => s.text).join('');
      assert.equal(text, [
        '[dry-run] dry run: nothing is executed; no datasource (SQLFLOW_DATASOURCE is not set)',
        '[dry-run] TO PREDICT iris.predict.class using model sqlflow_models.my_dnn_model on "SELECT * FROM iris.test"',
        '[dry-run] would write the predictions to iris.predict.class',
        '[dry-run] done',
        '',
      ].join('\n'));
      assert.ok(seen.length >= 3, `the lines arrived apart (${seen.length} chunks)`);
      assert.ok(seen.at(-1)!.at - seen[0]!.at >= 3 * 150 - 50, 'with pauses between them');
      const bad = spawn(cmd[0]!, [...cmd.slice(1), 'SELECT 1 TO FLY'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let badErr = '';
      bad.stderr.on('data', (d: Buffer) => (badErr += d.toString()));
      assert.equal(await new Promise((ok) => bad.on('exit', ok)), 1);
      assert.match(badErr, /^\[dry-run\] cannot parse the statement: 1:\d+: unknown extended syntax TO FLY/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
