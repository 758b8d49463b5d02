import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { parseProgram } from '../sql/parse.ts';
import { decodeStatementArg } from '../workflow/argv.ts';
import { buildWorkflow } from '../workflow/build.ts';
import type { Workflow } from '../workflow/manifest.ts';
import { validateWithArgoModels } from '../workflow/testutil_schema.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';

const PROGRAM = `-- every form, and characters that broke the original
USE iris;
SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3 COLUMN sepal_length LABEL class INTO my_model;
SELECT * FROM iris.test TO PREDICT iris.predict.class USING my_model;
SELECT * FROM boston.train TO EXPLAIN my_xgb WITH summary.sort=True USING TreeExplainer;
SELECT * FROM iris.test TO EVALUATE my_model WITH validation.metrics="Accuracy" LABEL class INTO iris.evaluate_result;
SELECT * FROM iris.train TO RUN sqlflow/runnable:v0.0.1 CMD "binning.py", "--dbname=iris" INTO binning_result;
SELECT * FROM shop.w TO MAXIMIZE SUM(price * amount) CONSTRAINT amount <= max_num WITH variables="amount(product)" USING glpk INTO shop.result;
SELECT * FROM tp TO MINIMIZE SUM(d * s) CONSTRAINT SUM(s) <= c GROUP BY plants WITH variables="s(plants,markets)" INTO tp_result;
SHOW TRAIN my_model;
SELECT 'it''s', "a\\"b", '$HOME $$ $(X)', \`tick\`, '{{workflow.name}}', 'ünï😀
second line' FROM t
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], files: Record<string, string> = {}, stdin = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: async () => stdin,
    readFile: async (p) => {
      if (!Object.hasOwn(files, p)) throw new Error(`ENOENT: no such file, open '${p}'`);
      return files[p]!;
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('sqlflow translate', () => {
  it('prints the Workflow as YAML that parses back to exactly the built manifest', async () => {
    const r = await run(['translate', 'prog.sql'], { 'prog.sql': PROGRAM });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const wf = parseYaml(r.stdout) as Workflow;
    assert.deepEqual(wf, buildWorkflow(parseProgram(PROGRAM)));
    validateWithArgoModels(wf);
    const delivered = wf.spec.templates.slice(1).map((t) => decodeStatementArg(t.container!.args.at(-1)!));
    assert.deepEqual(delivered, parseProgram(PROGRAM).map((s) => s.text));
    assert.match(delivered.at(-1)!, /'\{\{workflow\.name\}\}', 'ünï😀\nsecond line'/);
  });

  it('YAML and JSON output carry any statement text exactly (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('yaml', 'json'), async (s, output) => {
        const statement = `SELECT '${s.replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\0', '')}' FROM t`;
        const r = await run(['translate', '-o', output], {}, `${statement};`);
        assert.equal(r.code, 0, r.stderr);
        const wf = (output === 'json' ? JSON.parse(r.stdout) : parseYaml(r.stdout)) as Workflow;
        assert.equal(decodeStatementArg(wf.spec.templates[1]!.container!.args.at(-1)!), statement);
      }),
      { numRuns: 300 },
    );
  });

  it('prints JSON with --output json and reads stdin for - or no FILE', async () => {
    for (const argv of [['translate', '-', '--output', 'json'], ['translate', '-o', 'json']]) {
      const r = await run(argv, {}, 'SELECT 1');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), buildWorkflow(parseProgram('SELECT 1')));
    }
  });

  it('maps every flag to a builder option', async () => {
    const r = await run(
      [
        'translate', 'p.sql', '--name', 'flow', '-n', 'ml', '--label', 'a=1', '--label', 'b=2', '--image', 'img:1',
        '--step-command', '["sh","-c"]', '--datasource-secret', 'db:url', '--env', 'K=V=W', '--service-account', 'sa',
        '--active-deadline-seconds', '60', '--pod-label', 'app=sqlflow',
      ],
      { 'p.sql': 'SELECT 1' },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      parseYaml(r.stdout),
      buildWorkflow(parseProgram('SELECT 1'), {
        name: 'flow', namespace: 'ml', labels: { a: '1', b: '2' }, image: 'img:1', command: ['sh', '-c'],
        datasourceSecret: { name: 'db', key: 'url' }, env: [{ name: 'K', value: 'V=W' }], serviceAccountName: 'sa',
        activeDeadlineSeconds: 60, podLabels: { app: 'sqlflow' },
      }),
    );
  });

  it('--schedule DAG and --parallelism reach the builder; --graph prints why statements wait, as text or DOT', async () => {
    const program = 'SELECT * FROM t TO TRAIN DNN LABEL c INTO m1;\nSELECT * FROM t TO TRAIN DNN LABEL c INTO m2;\nSELECT * FROM t TO PREDICT p.c USING m1';
    const r = await run(['translate', 'p.sql', '--schedule', 'DAG', '--parallelism', '2'], { 'p.sql': program });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseYaml(r.stdout), buildWorkflow(parseProgram(program), { schedule: 'DAG', parallelism: 2 }));
    const text = await run(['translate', 'p.sql', '--graph'], { 'p.sql': program });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^step-1: SELECT \* FROM t TO TRAIN DNN LABEL c INTO m1\n {2}reads: t; writes: m1\n {2}runs at once/);
    assert.match(text.stdout, /step-3: .*\n {2}reads: t, m1; writes: p\n {2}after step-1: reads m1, written by step-1\n/);
    const dot = await run(['translate', 'p.sql', '--graph=dot'], { 'p.sql': program });
    assert.equal(dot.code, 0, dot.stderr);
    assert.match(dot.stdout, /^digraph sqlflow \{\n/);
    assert.match(dot.stdout, /\n {2}"step-1" -> "step-3" \[label="reads m1, written by step-1"\];\n/);
    assert.doesNotMatch(dot.stdout, /"step-2" ->/);
  });

  it('reports every bad statement as FILE:line:column with a caret, exit 1, nothing on stdout', async () => {
    const r = await run(['translate', 'bad.sql'], { 'bad.sql': 'SELECT 1;\nSELECT * FROM t TO TRAIN DNN;\n  TO PREDICT x USING m;' });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^bad\.sql:2:29: TO TRAIN without INTO.*\n {2}SELECT \* FROM t TO TRAIN DNN;\n {30}\^\n/);
    assert.match(r.stderr, /bad\.sql:3:3: TO PREDICT without SELECT/);
    const empty = await run(['translate', 'e.sql'], { 'e.sql': '-- nothing\n' });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /e\.sql: the program has no statements/);
  });

  it('exits 2 on usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['translate', 'p.sql', '--bogus'], /Unknown option '--bogus'/],
      [['translate', 'a.sql', 'b.sql'], /at most one FILE/],
      [['translate', 'p.sql', '--output', 'xml'], /expected yaml or json/],
      [['translate', 'p.sql', '--label', 'novalue'], /--label "novalue": expected KEY=VALUE/],
      [['translate', 'p.sql', '--step-command', 'step -e'], /JSON array of strings/],
      [['translate', 'p.sql', '--datasource-secret', 'nokey'], /SECRET_NAME:KEY/],
      [['translate', 'p.sql', '--active-deadline-seconds=-1'], /positive whole number/],
      [['translate', 'p.sql', '--name', 'Bad_Name'], /not a valid Kubernetes name/],
      [['translate', 'p.sql', '--schedule', 'fast'], /--schedule "fast": expected DAG or Sequential/],
      [['translate', 'p.sql', '--parallelism', '0'], /positive whole number/],
      [['translate', 'p.sql', '--graph=svg'], /--graph=svg: expected text or dot/],
      [['translate', 'missing.sql'], /cannot read missing\.sql/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [[], /Usage: sqlflow <command>/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv, { 'p.sql': 'SELECT 1' });
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message, argv.join(' '));
    }
  });

  it('prints help on stdout with exit 0', async () => {
    assert.match((await run(['--help'])).stdout, /translate +print the Argo Workflow/);
    const r = await run(['translate', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--datasource-secret NAME:KEY/);
  });

  it('runs as a process: manifest on stdout, exit codes 0 / 1 / 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlflow-cli-'));
    writeFileSync(join(dir, 'good.sql'), PROGRAM);
    writeFileSync(join(dir, 'bad.sql'), "SELECT 'x");
    const mainTs = fileURLToPath(new URL('./main.ts', import.meta.url));
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', mainTs, ...args], { encoding: 'utf8', cwd: fileURLToPath(new URL('../../', import.meta.url)) });
    const good = cli('translate', join(dir, 'good.sql'));
    assert.equal(good.status, 0, good.stderr);
    assert.deepEqual(parseYaml(good.stdout), buildWorkflow(parseProgram(PROGRAM)));
    const bad = cli('translate', join(dir, 'bad.sql'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /bad\.sql:1:8: unterminated string/);
    assert.equal(cli('translate', '--nope').status, 2);
  });
});
