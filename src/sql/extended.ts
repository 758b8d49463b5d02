import type {
  Attribute, ColumnGroup, Constraint, ExtendedStatement, Label,
} from './ast.ts';
import type { SQLFlowSyntaxError } from './errors.ts';
import { parseExpr } from './expr.ts';
import type { Token } from './lexer.ts';
import { PositionCursor } from './source.ts';
import type { TokenStream } from './tokens.ts';

// Parses what follows `TO` in an extended statement. Clauses must come in the order of
// SQLFlow's grammar (the step re-parses the statement with that grammar, so accepting another
// order here would only move the failure from submission time to run time).

export const EXTENSIONS = ['TRAIN', 'PREDICT', 'EXPLAIN', 'EVALUATE', 'RUN', 'MAXIMIZE', 'MINIMIZE'] as const;
export type Extension = (typeof EXTENSIONS)[number];

export function isExtension(word: string): word is Extension {
  return (EXTENSIONS as readonly string[]).includes(word);
}

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-\/:@]*$/;

type ClauseName = 'WITH' | 'COLUMN' | 'LABEL' | 'USING' | 'INTO' | 'CMD' | 'CONSTRAINT';

/** Clauses each form takes, in grammar order, and which of them are required. */
const FORMS: Record<Extension, { clauses: readonly ClauseName[]; required: readonly ClauseName[] }> = {
  TRAIN: { clauses: ['WITH', 'COLUMN', 'LABEL', 'USING', 'INTO'], required: ['INTO'] },
  PREDICT: { clauses: ['WITH', 'USING'], required: ['USING'] },
  EXPLAIN: { clauses: ['WITH', 'USING', 'INTO'], required: [] },
  EVALUATE: { clauses: ['WITH', 'LABEL', 'INTO'], required: ['LABEL', 'INTO'] },
  RUN: { clauses: ['CMD', 'INTO'], required: [] },
  MAXIMIZE: { clauses: ['CONSTRAINT', 'WITH', 'USING', 'INTO'], required: ['WITH', 'INTO'] },
  MINIMIZE: { clauses: ['CONSTRAINT', 'WITH', 'USING', 'INTO'], required: ['WITH', 'INTO'] },
};

const HINTS: Partial<Record<`${Extension}:${ClauseName}`, string>> = {
  'TRAIN:INTO': 'add INTO <table> to say where the trained model is saved',
  'PREDICT:USING': 'add USING <model> to name the trained model',
  'EVALUATE:LABEL': 'add LABEL <column> to name the true label',
  'EVALUATE:INTO': 'add INTO <table> for the evaluation result',
  'MAXIMIZE:WITH': 'add WITH variables="…" to name the decision variables',
  'MINIMIZE:WITH': 'add WITH variables="…" to name the decision variables',
  'MAXIMIZE:INTO': 'add INTO <table> for the result',
  'MINIMIZE:INTO': 'add INTO <table> for the result',
};

interface Clauses {
  attributes: Attribute[];
  columns: ColumnGroup[];
  constraints: Constraint[];
  label?: Label;
  using?: string;
  into: string[];
  cmd?: string[];
}

/** `s` is positioned just after the extension keyword (TRAIN, PREDICT, …). */
export function parseExtension(ext: Extension, select: string, s: TokenStream): ExtendedStatement {
  const base = { select };
  switch (ext) {
    case 'TRAIN': {
      const estimator = s.name('an estimator after TO TRAIN (e.g. DNNClassifier)');
      const c = parseClauses(ext, s);
      return withOptional(
        { type: 'train', ...base, estimator, attributes: c.attributes, columns: c.columns, into: c.into[0]! },
        { label: c.label, using: c.using },
      );
    }
    case 'PREDICT': {
      const into = s.name('a result table.column after TO PREDICT');
      const c = parseClauses(ext, s);
      return { type: 'predict', ...base, into, attributes: c.attributes, using: c.using! };
    }
    case 'EXPLAIN': {
      const model = s.name('a model after TO EXPLAIN');
      const c = parseClauses(ext, s);
      return withOptional({ type: 'explain', ...base, model, attributes: c.attributes }, { using: c.using, into: c.into[0] });
    }
    case 'EVALUATE': {
      const model = s.name('a model after TO EVALUATE');
      const c = parseClauses(ext, s);
      return { type: 'evaluate', ...base, model, attributes: c.attributes, label: c.label!, into: c.into[0]! };
    }
    case 'RUN': {
      const imageToken = s.peek();
      const image = s.name('an image after TO RUN (e.g. sqlflow/runnable:v0.0.1)');
      // The image becomes the step's container image verbatim, so refuse what no registry holds.
      if (!IMAGE_REF.test(image)) {
        throw s.errorAt(imageToken!, `TO RUN image "${image}" is not a container image reference (e.g. registry/name:tag)`);
      }
      const c = parseClauses(ext, s);
      return { type: 'run', ...base, image, args: c.cmd ?? [], into: c.into };
    }
    case 'MAXIMIZE':
    case 'MINIMIZE': {
      if (s.atEnd() || s.isWord('CONSTRAINT') || s.isWord('WITH')) {
        throw s.errorHere(`expected an objective after TO ${ext}, found ${s.describeNext()}`);
      }
      const objective = parseExpr(s);
      const c = parseClauses(ext, s);
      return withOptional(
        {
          type: ext === 'MAXIMIZE' ? 'maximize' : 'minimize', ...base, objective,
          constraints: c.constraints, attributes: c.attributes, into: c.into[0]!,
        },
        { using: c.using },
      );
    }
  }
}

/** Adds optional fields only when present, so the AST never holds `key: undefined`. */
function withOptional<T extends object, O extends Record<string, unknown>>(node: T, optional: O): T & Partial<O> {
  const out = { ...node } as Record<string, unknown>;
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) out[k] = v;
  return out as T & Partial<O>;
}

function parseClauses(ext: Extension, s: TokenStream): Clauses {
  const form = FORMS[ext];
  const seen = new Map<ClauseName, Token>();
  const out: Clauses = { attributes: [], columns: [], constraints: [], into: [] };
  let lastRank = -1;
  let lastName: ClauseName | undefined;
  while (!s.atEnd()) {
    const t = s.peek()!;
    const word = t.kind === 'word' ? t.value.toUpperCase() : '';
    const rank = form.clauses.indexOf(word as ClauseName);
    if (rank < 0) throw unknownClause(ext, s, t);
    const name = word as ClauseName;
    const earlier = seen.get(name);
    if (earlier !== undefined && name !== 'COLUMN') {
      throw s.errorAt(t, `duplicate ${name} clause in TO ${ext} (the first is at ${where(s, earlier)}); keep one`);
    }
    if (rank < lastRank) {
      throw s.errorAt(t, `${name} must come before ${lastName} in TO ${ext} (order: ${form.clauses.join(', ')})`);
    }
    if (ext === 'RUN' && name === 'INTO' && !seen.has('CMD')) {
      throw s.errorAt(t, 'INTO in TO RUN needs a CMD clause before it: TO RUN image CMD "arg", … INTO table');
    }
    seen.set(name, t);
    lastRank = rank;
    lastName = name;
    s.next();
    parseClause(name, s, out);
  }
  for (const name of form.required) {
    if (!seen.has(name)) {
      const hint = HINTS[`${ext}:${name}`] ?? `add a ${name} clause`;
      throw s.errorAtEnd(`TO ${ext} without ${name}: ${hint}`);
    }
  }
  return out;
}

function parseClause(name: ClauseName, s: TokenStream, out: Clauses): void {
  switch (name) {
    case 'WITH':
      out.attributes.push(...parseAttributes(s));
      return;
    case 'COLUMN': {
      const columns = [parseExpr(s)];
      while (s.acceptPunct(',')) columns.push(parseExpr(s));
      out.columns.push(s.acceptWord('FOR') ? { columns, target: s.name('a name after FOR') } : { columns });
      return;
    }
    case 'LABEL': {
      const t = s.peek();
      if (t?.kind === 'string') {
        s.next();
        out.label = { kind: 'string', name: t.value };
      } else {
        out.label = { kind: 'identifier', name: s.name('a label column after LABEL') };
      }
      return;
    }
    case 'USING':
      out.using = s.name('a name after USING');
      return;
    case 'INTO':
      out.into.push(s.name('a table after INTO'));
      while (s.acceptPunct(',')) out.into.push(s.name('a table after ,'));
      return;
    case 'CMD':
      out.cmd = [cmdArg(s)];
      while (s.acceptPunct(',')) out.cmd.push(cmdArg(s));
      return;
    case 'CONSTRAINT':
      do {
        const expr = parseExpr(s);
        if (s.acceptWord('GROUP')) {
          s.expectWord('BY', 'after GROUP');
          out.constraints.push({ expr, groupBy: s.name('a column after GROUP BY') });
        } else {
          out.constraints.push({ expr });
        }
      } while (s.acceptPunct(','));
      return;
  }
}

function parseAttributes(s: TokenStream): Attribute[] {
  const attrs: Attribute[] = [];
  const byName = new Map<string, Token>();
  const cursor = s.cursor;
  do {
    const first = s.peek();
    const name = s.name('an attribute name (name = value)');
    const key = name.toLowerCase();
    const earlier = byName.get(key);
    if (earlier !== undefined) {
      throw s.errorAt(first!, `attribute ${name} is set twice (first at ${where(s, earlier)}); remove one`);
    }
    byName.set(key, first!);
    s.expectPunct('=', `after attribute ${name}`);
    const value = parseExpr(s);
    attrs.push({ name, value, span: { start: cursor.at(first!.start), end: cursor.at(s.previous().end) } });
  } while (s.acceptPunct(','));
  return attrs;
}

function cmdArg(s: TokenStream): string {
  const t = s.peek();
  if (t?.kind !== 'string') throw s.errorHere(`CMD arguments are quoted strings, found ${s.describeNext()}`);
  return s.next().value;
}

function unknownClause(ext: Extension, s: TokenStream, t: Token): SQLFlowSyntaxError {
  const found = t.kind === 'word' ? t.value : s.describeNext();
  return s.errorAt(t, `unknown clause ${found} in TO ${ext}; expected one of ${FORMS[ext].clauses.join(', ')}`);
}

function where(s: TokenStream, t: Token): string {
  const p = new PositionCursor(s.program).at(t.start);
  return `${p.line}:${p.column}`;
}
