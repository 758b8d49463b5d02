// The dry-run step: a stand-in for SQLFlow's step program (`step -e STATEMENT`) where its
// image cannot run — the local stack (`npm run cluster:up` + the operator) and the tests.
// It parses its statement with the project's parser and says what the real step would do,
// a line at a time with short pauses so that logs grow while it runs. It executes nothing.
//
//   node testenv/drystep/run.mjs [-e] STATEMENT     (the statement is the last argument)
//
// Exit 0 after describing it; 1 with the parser's message if the statement does not parse;
// 2 if no statement was given. Env: SQLFLOW_DRYSTEP_DELAY_MS (pause between lines, default 250),
// SQLFLOW_DATASOURCE (only its scheme is printed).
import { parseProgram } from '../../src/sql/parse.ts';
import { SQLFlowSyntaxError } from '../../src/sql/errors.ts';
import type { Attribute, ColumnGroup, Expr, Label, ParsedStatement } from '../../src/sql/ast.ts';

export const PREFIX = '[dry-run]';

/** What the real step would do for one parsed statement, as log lines (without the prefix). */
export function describeStatement(st: ParsedStatement): string[] {
  const ast = st.ast;
  switch (ast.type) {
    case 'standard': {
      const what = ast.category === 'query' ? 'query' : ast.category === 'other' ? 'statement' : ast.category.toUpperCase();
      const lines = [`${ast.keyword || 'SQL'} (${what}): ${oneLine(st.text)}`];
      lines.push(ast.category === 'query' ? 'would run it on the datasource and print the rows' : 'would run it on the datasource');
      return lines;
    }
    case 'train':
      return [
        `TO TRAIN ${ast.estimator} on ${quote(ast.select)}${withClause(ast.attributes)} → INTO ${ast.into}`,
        ...columnLines(ast.columns),
        ...(ast.label ? [`label: ${label(ast.label)}`] : []),
        ...(ast.using ? [`continuing from model ${ast.using}`] : []),
        `would train ${ast.estimator} and save the model to ${ast.into}`,
      ];
    case 'predict':
      return [
        `TO PREDICT ${ast.into} using model ${ast.using} on ${quote(ast.select)}${withClause(ast.attributes)}`,
        `would write the predictions to ${ast.into}`,
      ];
    case 'evaluate':
      return [
        `TO EVALUATE model ${ast.model} on ${quote(ast.select)}${withClause(ast.attributes)} → INTO ${ast.into}`,
        `label: ${label(ast.label)}`,
        `would write the metrics to ${ast.into}`,
      ];
    case 'explain':
      return [
        `TO EXPLAIN model ${ast.model} on ${quote(ast.select)}${withClause(ast.attributes)}${ast.using ? ` using ${ast.using}` : ''}${ast.into ? ` → INTO ${ast.into}` : ''}`,
        ast.into ? `would write the explanation to ${ast.into}` : 'would draw the explanation',
      ];
    case 'run':
      return [
        `TO RUN ${ast.image}${ast.args.length ? ` CMD ${ast.args.map((a) => JSON.stringify(a)).join(', ')}` : ''} on ${quote(ast.select)}${ast.into.length ? ` → INTO ${ast.into.join(', ')}` : ''}`,
        `would run the image ${ast.image} with the query's rows`,
      ];
    case 'maximize':
    case 'minimize':
      return [
        `TO ${ast.type.toUpperCase()} ${ast.objective.text} on ${quote(ast.select)}${withClause(ast.attributes)} → INTO ${ast.into}`,
        ...ast.constraints.map((c) => `constraint: ${c.expr.text}${c.groupBy ? ` GROUP BY ${c.groupBy}` : ''}`),
        `would solve it${ast.using ? ` with ${ast.using}` : ''} and write the result to ${ast.into}`,
      ];
    case 'showTrain':
      return [`SHOW TRAIN ${ast.model}`, `would print how ${ast.model} was trained`];
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function quote(select: string): string {
  return JSON.stringify(oneLine(select));
}

function expr(e: Expr): string {
  return oneLine(e.text);
}

function withClause(attrs: readonly Attribute[]): string {
  return attrs.length ? ` with ${attrs.map((a) => `${a.name}=${expr(a.value)}`).join(', ')}` : '';
}

function columnLines(groups: readonly ColumnGroup[]): string[] {
  return groups.map((g) => `columns${g.target ? ` for ${g.target}` : ''}: ${g.columns.map(expr).join(', ')}`);
}

function label(l: Label): string {
  return l.kind === 'string' ? JSON.stringify(l.name) : l.name;
}

/** The datasource's scheme only (mysql, hive, …): its URL may hold a password. */
function datasource(env: NodeJS.ProcessEnv): string {
  const ds = env.SQLFLOW_DATASOURCE;
  if (!ds) return 'no datasource (SQLFLOW_DATASOURCE is not set)';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(ds)?.[1];
  return `datasource: ${scheme ?? 'set'} (URL not shown)`;
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  sleep(ms: number): Promise<void>;
  env: NodeJS.ProcessEnv;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const statement = argv.at(-1);
  if (statement === undefined || (argv.length === 1 && statement === '-e')) {
    io.err(`${PREFIX} usage: drystep [-e] STATEMENT`);
    return 2;
  }
  let parsed: ParsedStatement[];
  try {
    parsed = parseProgram(statement);
  } catch (e) {
    if (!(e instanceof SQLFlowSyntaxError)) throw e;
    io.err(`${PREFIX} cannot parse the statement: ${e.format()}`);
    return 1;
  }
  const delay = Number(io.env.SQLFLOW_DRYSTEP_DELAY_MS ?? 250);
  const lines = [
    `dry run: nothing is executed; ${datasource(io.env)}`,
    ...(parsed.length === 0 ? ['empty statement: nothing to do'] : parsed.flatMap(describeStatement)),
    'done',
  ];
  for (const [i, line] of lines.entries()) {
    if (i > 0 && delay > 0) await io.sleep(delay);
    io.out(`${PREFIX} ${line}`);
  }
  return 0;
}
