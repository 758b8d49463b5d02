import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Expr, StatementAst } from './ast.ts';
import { parseProgram } from './parse.ts';

// Golden tests: the examples of SQLFlow's language guide (as quoted in our design notes).

function only(program: string): { kind: string; ast: StatementAst } {
  const statements = parseProgram(program);
  assert.equal(statements.length, 1);
  return statements[0]!;
}

/** Drops the source text of expressions so expectations stay readable. */
function shape(e: Expr): unknown {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'boolean':
      return e.value;
    case 'identifier':
      return e.name;
    case 'list':
      return e.items.map(shape);
    case 'call':
      return { call: e.callee, args: e.args.map(shape) };
    case 'unary':
      return { op: e.op, operand: shape(e.operand) };
    case 'binary':
      return { op: e.op, left: shape(e.left), right: shape(e.right) };
  }
}

function attrs(ast: StatementAst): Record<string, unknown> {
  assert.ok('attributes' in ast);
  return Object.fromEntries(ast.attributes.map((a) => [a.name, shape(a.value)]));
}

describe('parse: extended forms', () => {
  it('TO TRAIN', () => {
    const { kind, ast } = only(
      'SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.hidden_units = [10, 10], model.n_classes = 3, train.epoch= 10 COLUMN sepal_length, sepal_width, petal_length, petal_width LABEL class INTO sqlflow_models.my_dnn_model;',
    );
    assert.equal(kind, 'train');
    assert.equal(ast.type, 'train');
    if (ast.type !== 'train') return;
    assert.equal(ast.select, 'SELECT * FROM iris.train');
    assert.equal(ast.estimator, 'DNNClassifier');
    assert.deepEqual(attrs(ast), { 'model.hidden_units': [10, 10], 'model.n_classes': 3, 'train.epoch': 10 });
    assert.deepEqual(ast.columns.map((g) => g.columns.map(shape)), [['sepal_length', 'sepal_width', 'petal_length', 'petal_width']]);
    assert.deepEqual(ast.label, { kind: 'identifier', name: 'class' });
    assert.equal(ast.using, undefined);
    assert.equal(ast.into, 'sqlflow_models.my_dnn_model');
  });

  it('TO TRAIN with COLUMN … FOR groups, a string LABEL, USING and identifiers with / : -', () => {
    const { ast } = only(
      `select * from t to train a/b:v0.2/My-DNN with lr = -0.5, opt = "adam", verbose = false, f = sqrt(2) * 3
       COLUMN NUMERIC(x, 4), CROSS([a, b], 10) FOR linear_feature_columns COLUMN EMBEDDING(c, 8) FOR dnn_feature_columns
       LABEL "class" USING base_model INTO m`,
    );
    assert.equal(ast.type, 'train');
    if (ast.type !== 'train') return;
    assert.equal(ast.estimator, 'a/b:v0.2/My-DNN');
    assert.deepEqual(attrs(ast), {
      lr: -0.5,
      opt: 'adam',
      verbose: false,
      f: { op: '*', left: { call: 'sqrt', args: [2] }, right: 3 },
    });
    assert.deepEqual(
      ast.columns.map((g) => ({ cols: g.columns.map(shape), target: g.target })),
      [
        { cols: [{ call: 'NUMERIC', args: ['x', 4] }, { call: 'CROSS', args: [['a', 'b'], 10] }], target: 'linear_feature_columns' },
        { cols: [{ call: 'EMBEDDING', args: ['c', 8] }], target: 'dnn_feature_columns' },
      ],
    );
    assert.deepEqual(ast.label, { kind: 'string', name: 'class' });
    assert.equal(ast.using, 'base_model');
    assert.equal(ast.into, 'm');
  });

  it('TO PREDICT', () => {
    const { kind, ast } = only('SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.my_dnn_model;');
    assert.equal(kind, 'predict');
    assert.deepEqual(ast, {
      type: 'predict',
      select: 'SELECT * FROM iris.test',
      into: 'iris.predict.class',
      attributes: [],
      using: 'sqlflow_models.my_dnn_model',
    });
  });

  it('TO EXPLAIN', () => {
    const { kind, ast } = only(
      'SELECT * FROM boston.train TO EXPLAIN sqlflow_models.my_xgb_regression_model WITH summary.sort=True USING TreeExplainer;',
    );
    assert.equal(kind, 'explain');
    if (ast.type !== 'explain') return assert.fail(ast.type);
    assert.equal(ast.model, 'sqlflow_models.my_xgb_regression_model');
    assert.deepEqual(attrs(ast), { 'summary.sort': true });
    assert.equal(ast.using, 'TreeExplainer');
    assert.equal(ast.into, undefined);
  });

  it('TO EVALUATE', () => {
    const { kind, ast } = only(
      'SELECT * FROM iris.test TO EVALUATE sqlflow_models.my_dnn_model WITH validation.metrics="Accuracy" LABEL class INTO iris.evaluate_result;',
    );
    assert.equal(kind, 'evaluate');
    if (ast.type !== 'evaluate') return assert.fail(ast.type);
    assert.equal(ast.model, 'sqlflow_models.my_dnn_model');
    assert.deepEqual(attrs(ast), { 'validation.metrics': 'Accuracy' });
    assert.deepEqual(ast.label, { kind: 'identifier', name: 'class' });
    assert.equal(ast.into, 'iris.evaluate_result');
  });

  it('TO RUN', () => {
    const { kind, ast } = only(
      'SELECT * FROM iris.train TO RUN sqlflow/runnable:v0.0.1 CMD "binning.py", "--dbname=iris", "--columns=sepal_length,sepal_width", "--bin_method=bucket,log_bucket", "--bin_num=10,5" INTO train_binning_result;',
    );
    assert.equal(kind, 'run');
    assert.deepEqual(ast, {
      type: 'run',
      select: 'SELECT * FROM iris.train',
      image: 'sqlflow/runnable:v0.0.1',
      args: ['binning.py', '--dbname=iris', '--columns=sepal_length,sepal_width', '--bin_method=bucket,log_bucket', '--bin_num=10,5'],
      into: ['train_binning_result'],
    });
    assert.deepEqual(only('SELECT 1 TO RUN img:1').ast, { type: 'run', select: 'SELECT 1', image: 'img:1', args: [], into: [] });
    const two = only(`SELECT 1 TO RUN img CMD 'a' INTO t1, t2`).ast;
    assert.deepEqual(two.type === 'run' && two.into, ['t1', 't2']);
  });

  it('TO MAXIMIZE with constraints and GROUP BY', () => {
    const { kind, ast } = only(
      'SELECT * FROM shop.woodcarving TO MAXIMIZE SUM((price - materials_cost - other_cost) * amount) CONSTRAINT SUM(finishing * amount) <= 100, SUM(carpentry * amount) <= 80, amount <= max_num WITH variables="amount(product)", var_type="Integers" USING glpk INTO shop.woodcarving_result;',
    );
    assert.equal(kind, 'maximize');
    if (ast.type !== 'maximize') return assert.fail(ast.type);
    assert.equal(ast.objective.text, 'SUM((price - materials_cost - other_cost) * amount)');
    assert.deepEqual(shape(ast.objective), {
      call: 'SUM',
      args: [{ op: '*', left: { op: '-', left: { op: '-', left: 'price', right: 'materials_cost' }, right: 'other_cost' }, right: 'amount' }],
    });
    assert.deepEqual(ast.constraints.map((c) => c.expr.text), ['SUM(finishing * amount) <= 100', 'SUM(carpentry * amount) <= 80', 'amount <= max_num']);
    assert.deepEqual(attrs(ast), { variables: 'amount(product)', var_type: 'Integers' });
    assert.equal(ast.using, 'glpk');
    assert.equal(ast.into, 'shop.woodcarving_result');
  });

  it('TO MINIMIZE with a grouped constraint', () => {
    const { kind, ast } = only(
      `SELECT * FROM tp TO MINIMIZE SUM(distance * shipment) CONSTRAINT SUM(shipment) <= capacity GROUP BY plants, SUM(shipment) >= demand GROUP BY markets WITH variables="shipment(plants,markets)", var_type="NonNegativeIntegers" INTO tp_result`,
    );
    assert.equal(kind, 'minimize');
    if (ast.type !== 'minimize') return assert.fail(ast.type);
    assert.deepEqual(ast.constraints.map((c) => [c.expr.text, c.groupBy]), [
      ['SUM(shipment) <= capacity', 'plants'],
      ['SUM(shipment) >= demand', 'markets'],
    ]);
    assert.equal(ast.using, undefined);
  });

  it('SHOW TRAIN', () => {
    assert.deepEqual(only('SHOW TRAIN sqlflow_models.my_dnn_model;'), {
      ...only('SHOW TRAIN sqlflow_models.my_dnn_model;'),
      kind: 'showTrain',
      ast: { type: 'showTrain', model: 'sqlflow_models.my_dnn_model' },
    });
  });

  it('expressions: precedence, logic, comparison, lists, backtick names', () => {
    const { ast } = only('SELECT 1 TO TRAIN m WITH a = NOT x OR y AND z > 1 + 2 * 3, b = [], c = `weird name`, d = ("s") INTO t');
    assert.deepEqual(attrs(ast), {
      a: {
        op: 'OR',
        left: { op: 'NOT', operand: 'x' },
        right: { op: 'AND', left: 'y', right: { op: '>', left: 'z', right: { op: '+', left: 1, right: { op: '*', left: 2, right: 3 } } } },
      },
      b: [],
      c: 'weird name',
      d: 's',
    });
  });

  it('finds TO only at top level (not in strings, comments, parentheses)', () => {
    const { ast } = only(`SELECT 'to train', "TO" /* TO TRAIN */ , (SELECT a TO b) -- TO\n FROM t TO PREDICT r.c USING m`);
    assert.equal(ast.type, 'predict');
    if (ast.type === 'predict') assert.equal(ast.select, `SELECT 'to train', "TO" /* TO TRAIN */ , (SELECT a TO b) -- TO\n FROM t`);
  });
});

describe('parse: standard statements', () => {
  const cases: [string, string, string][] = [
    ['SELECT * FROM t', 'query', 'SELECT'],
    ['select * from t train', 'query', 'SELECT'],
    ['WITH a AS (SELECT 1) SELECT * FROM a', 'query', 'WITH'],
    ['(SELECT 1) UNION (SELECT 2)', 'query', ''],
    ['SHOW TABLES', 'query', 'SHOW'],
    ['DESCRIBE t', 'query', 'DESCRIBE'],
    ['EXPLAIN SELECT 1', 'query', 'EXPLAIN'],
    ['CREATE TABLE t (a INT)', 'ddl', 'CREATE'],
    ['drop table t', 'ddl', 'DROP'],
    ['ALTER TABLE t RENAME TO u', 'ddl', 'ALTER'],
    ['RENAME TABLE a TO b', 'ddl', 'RENAME'],
    ['INSERT INTO t VALUES (1)', 'dml', 'INSERT'],
    ['UPDATE t SET a = 1', 'dml', 'UPDATE'],
    ['DELETE FROM t', 'dml', 'DELETE'],
    ['USE iris', 'other', 'USE'],
    ['SET x = 1', 'other', 'SET'],
    ['GRANT SELECT ON t TO bob', 'other', 'GRANT'],
  ];
  for (const [text, category, keyword] of cases) {
    it(`${text} → ${category}`, () => {
      const { kind, ast } = only(text);
      assert.equal(kind, category);
      assert.deepEqual(ast, { type: 'standard', category, keyword });
    });
  }

  it('returns index, original text and span for every statement', () => {
    const [a, b] = parseProgram('USE iris;\nSELECT * FROM t TO PREDICT r.c USING m;');
    assert.deepEqual([a?.index, a?.text, a?.kind], [0, 'USE iris', 'other']);
    assert.deepEqual([b?.index, b?.text, b?.kind, b?.span.start.line], [1, 'SELECT * FROM t TO PREDICT r.c USING m', 'predict', 2]);
  });
});
