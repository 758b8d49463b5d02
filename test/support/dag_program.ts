// The parallel-steps program of issue 14's acceptance, shared by bench/dag.ts and
// test/step/dag_e2e_test.ts: two models trained on the same table (a DNNClassifier and an
// xgboost model), then TO EVALUATE and TO PREDICT with each. Its two branches share only
// iris.train/iris.test, which nobody writes, so the DAG runs them at once. Every table and model
// the program writes carries a prefix, so a Sequential and a DAG run leave their results side by
// side in one database and can be compared row by row.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { tables, type Cell } from './response.ts';

export function dagProgram(prefix: string): string {
  const t = (name: string) => `iris.${prefix}_${name}`;
  return `
SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3, model.hidden_units = [10, 10], train.epoch = 100 LABEL class INTO ${t('dnn')};
SELECT * FROM iris.train TO TRAIN xgboost.gbtree WITH objective = "multi:softmax", num_class = 3 LABEL class INTO ${t('xgb')};
SELECT * FROM iris.test TO EVALUATE ${t('dnn')} WITH validation.metrics = "Accuracy" LABEL class INTO ${t('dnn_eval')};
SELECT * FROM iris.test TO PREDICT ${t('dnn_pred')}.class USING ${t('dnn')};
SELECT * FROM iris.test TO EVALUATE ${t('xgb')} WITH validation.metrics = "Accuracy" LABEL class INTO ${t('xgb_eval')};
SELECT * FROM iris.test TO PREDICT ${t('xgb_pred')}.class USING ${t('xgb')};
`;
}

/** The result tables the program leaves (metrics and predictions), without the prefix. */
export const RESULT_TABLES = ['dnn_eval', 'dnn_pred', 'xgb_eval', 'xgb_pred'] as const;

/** Steps per program, and the depth of its longest branch (train, then evaluate/predict). */
export const DAG_PROGRAM_STEPS = 6;
export const DAG_PROGRAM_DEPTH = 2;

export interface TableRows {
  head: string[];
  /** Rows sorted by their JSON text: neither schedule promises a row order. */
  rows: Cell[][];
}

/**
 * Reads `table` straight from the database with the step runtime (`<bin>/step -e SELECT …`, the
 * URL in the environment, never an argument) and parses its output like a step's log.
 */
export function readTable(bin: string, url: string, table: string): Promise<TableRows> {
  return new Promise((ok, fail) => {
    execFile(join(bin, 'step'), ['-e', `SELECT * FROM ${table}`], { env: { ...process.env, SQLFLOW_DATASOURCE: url }, maxBuffer: 64 << 20 }, (err, _stdout, stderr) => {
      if (err) return fail(new Error(`reading ${table} with step -e: ${err.message}\n${stderr}`));
      // step writes everything to stderr, as SQLFlow's step did.
      const t = tables(stderr.split('\n'));
      if (t.length !== 1) return fail(new Error(`reading ${table}: expected one table in step's output, got ${t.length}:\n${stderr.slice(0, 2000)}`));
      const rows = [...t[0]!.rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      ok({ head: t[0]!.head, rows });
    });
  });
}
