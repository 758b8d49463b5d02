// Fuzz: a program or workflow, all the way to the Workflow the operator would create (split, parse, effects, DAG,
// build). Every input gives a manifest or an InvalidJobError (a condition on the job), never another exception.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SQLFlowJob } from '../api/job.ts';
import { checkProgram } from '../sql/parse.ts';
import { SQLFlowSyntaxError } from '../sql/errors.ts';
import { desiredWorkflow, InvalidJobError } from './desired.ts';

const job = (spec: SQLFlowJob['spec']): SQLFlowJob => ({ metadata: { name: 'fuzz', namespace: 'ns', uid: 'u-1', generation: 1 }, spec });

function onlyInvalidJob(spec: SQLFlowJob['spec']): void {
  try {
    const d = desiredWorkflow(job(spec), { image: 'step:1', command: ['step', '-e'] });
    assert.equal(d.manifest.metadata.namespace, 'ns');
  } catch (e) {
    if (!(e instanceof InvalidJobError)) throw e;
    assert.ok(e.message.length > 0);
  }
}

// Pieces of real SQLFlow statements; joining random picks gives programs that get deep into the parser and the DAG.
const clause = fc.constantFrom(
  'SELECT * FROM iris.train', 'SELECT a, b FROM t WHERE x > 1', 'TO TRAIN DNNClassifier', 'TO TRAIN xgboost.gbtree',
  'WITH model.n_classes = 3, train.epoch = 2', 'WITH a = [1, 2, 3], b = "x", c = -1.5e3', 'COLUMN sepal_length, NUMERIC(petal, 4)',
  'COLUMN CROSS([a, b], 10)', 'LABEL class', 'LABEL "y"', 'INTO sqlflow_models.m', 'USING sqlflow_models.m', 'TO PREDICT iris.pred.class',
  'TO EXPLAIN sqlflow_models.m', 'TO EVALUATE sqlflow_models.m', 'TO RUN a/b:c', 'CMD "a", "b"', 'TO MAXIMIZE SUM((price - cost) * x)',
  'TO MINIMIZE SUM(x)', 'CONSTRAINT SUM(x) <= 10 GROUP BY k, x >= 0', 'WITH variables = "x", var_type = "Integers"', 'FOR x',
  'SHOW TRAIN sqlflow_models.m', 'CREATE TABLE t AS SELECT 1', 'INSERT INTO t VALUES (1)', 'DROP TABLE IF EXISTS t', 'USE db',
  'DESCRIBE t', ';', ',', '(', ')', '[', ']', '=', '"', "'", '`', '/*', '*/', '--', '\n', '#', '\\', 'é😀', '\ud800', '\u0000',
);
const program = fc.array(clause, { maxLength: 24 }).chain((parts) => fc.constantFrom(' ', '', '\n').map((sep) => parts.join(sep)));
const soup = fc.oneof(program, program, fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }));

describe('fuzz: program to Workflow', () => {
  it('checkProgram reports every input as statements or SQLFlowSyntaxErrors', () => {
    fc.assert(
      fc.property(soup, (text) => {
        const r = checkProgram(text);
        for (const e of r.errors) assert.ok(e instanceof SQLFlowSyntaxError && e.line >= 1 && e.column >= 1);
        for (const s of r.statements) assert.equal(text.slice(s.span.start.offset, s.span.end.offset), s.text);
      }),
      { numRuns: 5000 },
    );
  });

  it('desiredWorkflow turns any program and options into a manifest or an InvalidJobError', () => {
    const quantity = fc.oneof(fc.constantFrom('1', '500m', '1Gi', '', 'x'), fc.integer());
    const options = fc.record(
      {
        image: fc.oneof(fc.constant('img:1'), fc.string({ maxLength: 20 })),
        serviceAccountName: fc.string({ maxLength: 20 }),
        activeDeadlineSeconds: fc.integer(),
        parallelism: fc.integer(),
        schedule: fc.constantFrom('sequential', 'dag', 'x', ''),
        resources: fc.record({ limits: fc.dictionary(fc.constantFrom('cpu', 'memory', 'x'), quantity), requests: fc.dictionary(fc.constantFrom('cpu', 'memory'), quantity) }, { requiredKeys: [] }),
        datasource: fc.record({ secretKeyRef: fc.record({ name: fc.string({ maxLength: 10 }), key: fc.string({ maxLength: 10 }) }) }),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(soup, options, (sql, o) => onlyInvalidJob({ sql, ...o } as SQLFlowJob['spec'])), { numRuns: 3000 });
  });

  it('desiredWorkflow takes any embedded workflow the apiserver admits', () => {
    const meta = fc.record({ name: fc.string({ maxLength: 10 }), generateName: fc.string({ maxLength: 70 }), labels: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })) }, { requiredKeys: [] });
    const wfSpec = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ podMetadata: fc.jsonValue({ maxDepth: 2 }), templates: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }));
    fc.assert(
      fc.property(meta, wfSpec, fc.integer(), (metadata, spec, n) =>
        onlyInvalidJob({ workflow: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata, spec }, parallelism: n } as unknown as SQLFlowJob['spec'])),
      { numRuns: 3000 },
    );
  });
});
