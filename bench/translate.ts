// Translation speed: split + parse + build for 1k and 10k statements, with a naive
// `text.split(';')` beside it as a baseline. Run: node --import tsx bench/translate.ts
// Linear means the 10k/1k ratio stays near 10; the baseline ratio shows how far we are from
// the cheapest possible pass over the same text.
import { parseProgram } from '../src/sql/parse.ts';
import { split } from '../src/sql/split.ts';
import { buildWorkflow } from '../src/workflow/build.ts';

const FORMS = [
  "SELECT * FROM iris.train WHERE class <> 'x;y' TO TRAIN DNNClassifier WITH model.hidden_units = [10, 10], model.n_classes = 3, train.epoch = 10 COLUMN sepal_length, sepal_width, petal_length, petal_width LABEL class INTO sqlflow_models.my_dnn_model",
  'SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.my_dnn_model',
  'SELECT * FROM boston.train TO EXPLAIN sqlflow_models.my_xgb WITH summary.sort=True USING TreeExplainer',
  'SELECT * FROM iris.test TO EVALUATE sqlflow_models.my_dnn_model WITH validation.metrics="Accuracy" LABEL class INTO iris.evaluate_result',
  'SELECT * FROM iris.train TO RUN sqlflow/runnable:v0.0.1 CMD "binning.py", "--dbname=iris" INTO train_binning_result',
  'SELECT * FROM shop.woodcarving TO MAXIMIZE SUM((price - materials_cost - other_cost) * amount) CONSTRAINT SUM(finishing * amount) <= 100, amount <= max_num WITH variables="amount(product)", var_type="Integers" USING glpk INTO shop.result',
  "/* standard */ INSERT INTO t SELECT a, 'it''s {{x}} $y' -- inline comment\n FROM s",
  'SHOW TRAIN sqlflow_models.my_dnn_model',
];

function program(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(FORMS[i % FORMS.length]!);
  return `${parts.join(';\n')};\n`;
}

/** Best of `runs` wall-clock times in ms (best-of filters GC and JIT noise). */
function time(fn: () => unknown, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const naive = (text: string) => text.split(';').map((s) => s.trim()).filter((s) => s !== '');
const full = (text: string) => buildWorkflow(parseProgram(text));

// Warm the JIT on a mid-size program first.
full(program(2000));

const rows: Record<string, Record<string, string>> = {};
const results: Record<number, { full: number; naive: number }> = {};
for (const n of [1000, 10000]) {
  const text = program(n);
  const runs = n >= 10000 ? 10 : 30;
  const t = {
    split: time(() => split(text), runs),
    parse: time(() => parseProgram(text), runs),
    full: time(() => full(text), runs),
    naive: time(() => naive(text), runs),
  };
  results[n] = t;
  rows[`${n} statements (${(text.length / 1024).toFixed(0)} KiB)`] = {
    'split ms': t.split.toFixed(1),
    'split+parse ms': t.parse.toFixed(1),
    'split+parse+build ms': t.full.toFixed(1),
    'naive split(";") ms': t.naive.toFixed(2),
    'full / naive': (t.full / t.naive).toFixed(1),
  };
}
console.table(rows);
const r1 = results[1000]!;
const r10 = results[10000]!;
console.log(`linearity: 10k/1k = ${(r10.full / r1.full).toFixed(1)} (naive baseline: ${(r10.naive / r1.naive).toFixed(1)}; 10 = linear)`);
console.log(`10k statements translated in ${r10.full.toFixed(0)} ms (budget: well under 1000 ms)`);
if (r10.full >= 1000) process.exitCode = 1;
