// Typed AST for SQLFlow programs. Extended statements are parsed fully; standard SQL is only
// classified, because the database (not us) is the judge of standard SQL.

import type { Span } from './source.ts';

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'string'; readonly value: string; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly text: string }
  | { readonly kind: 'identifier'; readonly name: string; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly text: string }
  | { readonly kind: 'call'; readonly callee: string; readonly args: readonly Expr[]; readonly text: string }
  | { readonly kind: 'unary'; readonly op: '-' | '+' | 'NOT'; readonly operand: Expr; readonly text: string }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly text: string };

export type BinaryOp = 'OR' | 'AND' | '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** `name = value` in a WITH clause. */
export interface Attribute {
  readonly name: string;
  readonly value: Expr;
  readonly span: Span;
}

/** `COLUMN expr, … [FOR name]`; `target` is the FOR name (for models with several column groups). */
export interface ColumnGroup {
  readonly columns: readonly Expr[];
  readonly target?: string;
}

/** LABEL takes a column name or a quoted string. */
export type Label = { readonly kind: 'identifier' | 'string'; readonly name: string };

export interface Constraint {
  readonly expr: Expr;
  /** `GROUP BY col` after the constraint. */
  readonly groupBy?: string;
}

interface Extended {
  /** The standard SELECT before `TO`, exactly as written (comments inside kept). */
  readonly select: string;
}

export interface TrainStatement extends Extended {
  readonly type: 'train';
  readonly estimator: string;
  readonly attributes: readonly Attribute[];
  readonly columns: readonly ColumnGroup[];
  readonly label?: Label;
  /** USING: a trained model to continue training from. */
  readonly using?: string;
  /** INTO: the table the trained model is saved to. */
  readonly into: string;
}

export interface PredictStatement extends Extended {
  readonly type: 'predict';
  /** `table.column` receiving the predictions (written right after TO PREDICT). */
  readonly into: string;
  readonly attributes: readonly Attribute[];
  readonly using: string;
}

export interface ExplainStatement extends Extended {
  readonly type: 'explain';
  readonly model: string;
  readonly attributes: readonly Attribute[];
  /** The explainer, e.g. TreeExplainer. */
  readonly using?: string;
  readonly into?: string;
}

export interface EvaluateStatement extends Extended {
  readonly type: 'evaluate';
  readonly model: string;
  readonly attributes: readonly Attribute[];
  readonly label: Label;
  readonly into: string;
}

export interface RunStatement extends Extended {
  readonly type: 'run';
  /** Container image that runs the program; the step uses it instead of the default image. */
  readonly image: string;
  /** CMD arguments, decoded from their string literals. */
  readonly args: readonly string[];
  readonly into: readonly string[];
}

export interface OptimizeStatement extends Extended {
  readonly type: 'maximize' | 'minimize';
  readonly objective: Expr;
  readonly constraints: readonly Constraint[];
  readonly attributes: readonly Attribute[];
  /** The solver, e.g. glpk. */
  readonly using?: string;
  readonly into: string;
}

export interface ShowTrainStatement {
  readonly type: 'showTrain';
  readonly model: string;
}

export type StandardCategory = 'query' | 'ddl' | 'dml' | 'other';

export interface StandardStatement {
  readonly type: 'standard';
  readonly category: StandardCategory;
  /** The first keyword, upper-cased (SELECT, CREATE, …); empty if the statement starts otherwise. */
  readonly keyword: string;
}

export type ExtendedStatement =
  | TrainStatement
  | PredictStatement
  | ExplainStatement
  | EvaluateStatement
  | RunStatement
  | OptimizeStatement
  | ShowTrainStatement;

export type StatementAst = ExtendedStatement | StandardStatement;

/** One name per kind of statement: the standard category or the extended form. */
export type StatementKind = StandardCategory | ExtendedStatement['type'];

export interface ParsedStatement {
  readonly index: number;
  readonly text: string;
  readonly span: Span;
  readonly kind: StatementKind;
  readonly ast: StatementAst;
}
