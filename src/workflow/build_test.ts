import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProgram } from '../sql/parse.ts';
import { buildWorkflow, WorkflowOptionsError, type WorkflowOptions } from './build.ts';
import type { Workflow } from './manifest.ts';
import { validateWithArgoModels } from './testutil_schema.ts';

const ALL_FORMS = `
USE iris;
SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.hidden_units = [10, 10], model.n_classes = 3 COLUMN sepal_length, sepal_width LABEL class INTO sqlflow_models.my_dnn_model;
SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.my_dnn_model;
SELECT * FROM boston.train TO EXPLAIN sqlflow_models.my_xgb_regression_model WITH summary.sort=True USING TreeExplainer;
SELECT * FROM iris.test TO EVALUATE sqlflow_models.my_dnn_model WITH validation.metrics="Accuracy" LABEL class INTO iris.evaluate_result;
SELECT * FROM iris.train TO RUN sqlflow/runnable:v0.0.1 CMD "binning.py", "--dbname=iris" INTO train_binning_result;
SELECT * FROM shop.woodcarving TO MAXIMIZE SUM(price * amount) CONSTRAINT SUM(finishing * amount) <= 100 WITH variables="amount(product)" USING glpk INTO shop.result;
SELECT * FROM tp TO MINIMIZE SUM(distance * shipment) CONSTRAINT SUM(shipment) <= capacity GROUP BY plants WITH variables="shipment(plants,markets)" INTO tp_result;
SHOW TRAIN sqlflow_models.my_dnn_model;
`;

function build(program: string, options?: WorkflowOptions): Workflow {
  const wf = buildWorkflow(parseProgram(program), options);
  validateWithArgoModels(wf);
  return wf;
}

describe('buildWorkflow', () => {
  it('makes one sequential step per statement, each its own container template', () => {
    const statements = parseProgram(ALL_FORMS);
    const wf = build(ALL_FORMS);
    assert.equal(wf.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(wf.kind, 'Workflow');
    assert.deepEqual(wf.metadata, { generateName: 'sqlflow-' });
    assert.equal(wf.spec.entrypoint, 'sqlflow');
    const [entry, ...steps] = wf.spec.templates;
    assert.deepEqual(entry?.steps, statements.map((_, i) => [{ name: `step-${i + 1}`, template: `step-${i + 1}` }]));
    assert.equal(steps.length, statements.length);
    steps.forEach((t, i) => {
      assert.equal(t.name, `step-${i + 1}`);
      assert.deepEqual(t.container?.command, ['step', '-e']);
      assert.deepEqual(t.container?.args, [statements[i]!.text]);
      assert.equal(t.container?.image, statements[i]!.kind === 'run' ? 'sqlflow/runnable:v0.0.1' : 'sqlflow-operator/step:0.1.0');
      assert.equal(t.container?.env, undefined);
    });
  });

  it('sets no podGC and no TTL, so step pods keep their logs until the Workflow is deleted', () => {
    const spec = build(ALL_FORMS).spec as unknown as Record<string, unknown>;
    assert.equal(spec.podGC, undefined);
    assert.equal(spec.ttlStrategy, undefined);
  });

  it('applies every option', () => {
    const wf = build('SELECT 1; SELECT 2 TO RUN img:2', {
      name: 'my-flow',
      namespace: 'ml',
      labels: { team: 'ds', 'example.com/owner': 'me' },
      image: 'registry.local/sqlflow:v1',
      command: ['sh', '-c'],
      datasourceSecret: { name: 'mysql', key: 'url' },
      env: [{ name: 'SQLFLOW_USER_ID', value: 'alice' }],
      serviceAccountName: 'sqlflow-runner',
      resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m' } },
      activeDeadlineSeconds: 3600,
      podLabels: { app: 'sqlflow' },
    });
    assert.deepEqual(wf.metadata, { name: 'my-flow', namespace: 'ml', labels: { team: 'ds', 'example.com/owner': 'me' } });
    assert.equal(wf.spec.serviceAccountName, 'sqlflow-runner');
    assert.equal(wf.spec.activeDeadlineSeconds, 3600);
    assert.deepEqual(wf.spec.podMetadata, { labels: { app: 'sqlflow' } });
    const [one, two] = wf.spec.templates.slice(1).map((t) => t.container!);
    assert.equal(one?.image, 'registry.local/sqlflow:v1');
    assert.equal(two?.image, 'img:2');
    for (const c of [one!, two!]) {
      assert.deepEqual(c.command, ['sh', '-c']);
      assert.deepEqual(c.resources, { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m' } });
      assert.deepEqual(c.env, [
        { name: 'SQLFLOW_DATASOURCE', valueFrom: { secretKeyRef: { name: 'mysql', key: 'url' } } },
        { name: 'SQLFLOW_USER_ID', value: 'alice' },
      ]);
    }
    // The datasource travels by reference only: its secret's name never lands in an argument.
    assert.ok(!JSON.stringify(wf.spec.templates.map((t) => t.container?.args)).includes('mysql'));
  });

  it('shares no objects between steps (YAML would print aliases)', () => {
    const wf = build('SELECT 1; SELECT 2', { env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '1' } } });
    const [a, b] = wf.spec.templates.slice(1).map((t) => t.container!);
    assert.notEqual(a?.command, b?.command);
    assert.notEqual(a?.env, b?.env);
    assert.notEqual(a?.env?.[0], b?.env?.[0]);
    assert.notEqual(a?.resources, b?.resources);
  });

  it('rejects bad options before anything is submitted, naming the option', () => {
    const bad: [WorkflowOptions, RegExp][] = [
      [{ name: 'a', generateName: 'b-' }, /either name or generateName/],
      [{ name: 'Bad_Name' }, /name "Bad_Name" is not a valid Kubernetes name/],
      [{ generateName: '-x' }, /generateName/],
      [{ namespace: 'a.b' }, /namespace/],
      [{ labels: { 'bad key!': 'v' } }, /label key "bad key!"/],
      [{ podLabels: { a: 'not ok' } }, /pod label "a" has an invalid value/],
      [{ command: [] }, /at least one element/],
      [{ image: 'has space' }, /image/],
      [{ datasourceSecret: { name: 'x', key: 'a/b' } }, /datasource secret key/],
      [{ env: [{ name: 'A=B', value: '' }] }, /env name "A=B"/],
      [{ env: [{ name: 'SQLFLOW_LBRACE', value: '' }] }, /reserved/],
      [{ env: [{ name: 'SQLFLOW_DATASOURCE', value: 'x' }], datasourceSecret: { name: 's', key: 'k' } }, /from the datasource secret/],
      [{ env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }, /given twice/],
      [{ activeDeadlineSeconds: 0 }, /activeDeadlineSeconds/],
      [{ serviceAccountName: 'UPPER' }, /service account/],
    ];
    for (const [options, message] of bad) {
      assert.throws(() => buildWorkflow(parseProgram('SELECT 1'), options), (e: unknown) => e instanceof WorkflowOptionsError && message.test(e.message), JSON.stringify(options));
    }
    assert.throws(() => buildWorkflow([]), /no statements/);
  });

  it('is pure: same input, same manifest; the input is not changed', () => {
    const statements = parseProgram(ALL_FORMS);
    const before = JSON.stringify(statements);
    assert.deepEqual(buildWorkflow(statements), buildWorkflow(statements));
    assert.equal(JSON.stringify(statements), before);
  });

  // Argo's full CRD types `steps` as an array of step groups, each an array of steps (checked by hand
  // against ../shared/argo/crds; the project does not depend on that file). The operator tests run
  // these manifests through the local Argo, which reads them the same way.
  it('steps are arrays of arrays: one group per statement, one step per group', () => {
    const wf = build('SELECT 1; SELECT 2');
    const groups = wf.spec.templates[0]?.steps;
    assert.ok(Array.isArray(groups) && groups.length === 2);
    for (const g of groups) assert.ok(Array.isArray(g) && g.length === 1);
  });

  it('schedule DAG: one task per statement, depends on the conflicting ones only; parallelism is Argo\'s', () => {
    const program = 'SELECT * FROM t TO TRAIN DNN LABEL c INTO m1; SELECT * FROM t TO TRAIN DNN LABEL c INTO m2; '
      + 'SELECT * FROM t TO EVALUATE m1 LABEL c INTO e1; SELECT * FROM t TO EVALUATE m2 LABEL c INTO e2; SET a = 1; SELECT * FROM e1';
    const wf = build(program, { schedule: 'DAG', parallelism: 3 });
    const [entry, ...steps] = wf.spec.templates;
    assert.equal(entry?.steps, undefined);
    assert.deepEqual(entry?.dag?.tasks, [
      { name: 'step-1', template: 'step-1' },
      { name: 'step-2', template: 'step-2' },
      { name: 'step-3', template: 'step-3', depends: 'step-1' },
      { name: 'step-4', template: 'step-4', depends: 'step-2' },
      { name: 'step-5', template: 'step-5', depends: 'step-3 && step-4' },
      { name: 'step-6', template: 'step-6', depends: 'step-5' },
    ]);
    assert.equal(steps.length, 6);
    assert.equal(wf.spec.parallelism, 3);
    assert.deepEqual(build(program).spec.templates[0]!.steps?.length, 6, 'Sequential is the default');
    assert.throws(() => build(program, { parallelism: 0 }), /parallelism must be a positive whole number/);
    assert.throws(() => build(program, { schedule: 'Fast' as 'DAG' }), /schedule must be DAG or Sequential/);
  });
});
