// What each statement of a program reads and writes: the tables and models it touches, so the
// schedule (src/workflow/dag.ts) can run statements that touch nothing in common at once.
// Pure. Where the effects cannot be known for sure the statement is a barrier: it conflicts
// with everything. Being wrong the safe way costs speed; being wrong the other way costs results.
//
// Tables and models share one namespace: SQLFlow saves a model as a table of the database,
// so `TO TRAIN … INTO m` writes m and a later `SELECT * FROM m` reads it.

import type { Attribute, ParsedStatement, StatementAst } from './ast.ts';
import { lex, type Token } from './lexer.ts';

/** A table or model. `db` is undefined for an unqualified name before any USE. Lower-case. */
export interface ObjectRef {
  readonly db?: string;
  readonly name: string;
  /** How the statement uses it; for showing only (tables and models share one namespace). */
  readonly kind: 'table' | 'model';
}

export interface Effects {
  readonly reads: readonly ObjectRef[];
  readonly writes: readonly ObjectRef[];
  /** Set when the effects cannot be known: why. Everything before it runs first, everything after waits. */
  readonly barrier?: string;
}

/** `db.name`, or `name` when the database is not known. */
export function refName(r: Pick<ObjectRef, 'db' | 'name'>): string {
  return r.db === undefined ? r.name : `${r.db}.${r.name}`;
}

/**
 * Whether two references may be the same object. A name without a database (no USE yet) is
 * in the datasource's default database, which we do not know, so it may be any `x.name`.
 */
export function sameObject(a: Pick<ObjectRef, 'db' | 'name'>, b: Pick<ObjectRef, 'db' | 'name'>): boolean {
  return a.name === b.name && (a.db === undefined || b.db === undefined || a.db === b.db);
}

/** The effects of every statement, in program order; `USE db` changes the default database for what follows. */
export function programEffects(statements: readonly ParsedStatement[]): Effects[] {
  let db: string | undefined;
  // Views created by the program: reading one reads what it reads.
  const views: { view: ObjectRef; reads: readonly ObjectRef[] }[] = [];
  return statements.map((st) => {
    const use = useTarget(st);
    if (use !== undefined) {
      db = use;
      return { reads: [], writes: [] };
    }
    const e = statementEffects(st, db);
    if (e.barrier !== undefined) return e;
    const reads = [...e.reads];
    for (let k = 0; k < reads.length; k++) {
      for (const v of views) if (sameObject(v.view, reads[k]!)) for (const r of v.reads) if (!reads.some((x) => same(x, r))) reads.push(r);
    }
    const created = createdView(st, db);
    if (created !== undefined) views.push({ view: created, reads: e.reads });
    return { reads: dedupe(reads), writes: e.writes };
  });
}

function same(a: ObjectRef, b: ObjectRef): boolean {
  return a.name === b.name && a.db === b.db;
}

function dedupe(refs: readonly ObjectRef[]): ObjectRef[] {
  const out: ObjectRef[] = [];
  for (const r of refs) if (!out.some((x) => same(x, r))) out.push(r);
  return out;
}

function useTarget(st: ParsedStatement): string | undefined {
  if (st.ast.type !== 'standard' || st.ast.keyword !== 'USE') return undefined;
  const t = lex(st.text);
  if (t.length !== 2) return undefined;
  const n = nameAt(t, 1);
  return n !== undefined && n.next === 2 && n.parts.length === 1 ? n.parts[0]!.toLowerCase() : undefined;
}

function createdView(st: ParsedStatement, db: string | undefined): ObjectRef | undefined {
  if (st.ast.type !== 'standard' || st.ast.keyword !== 'CREATE') return undefined;
  const t = lex(st.text);
  const i = skipWords(t, 1, ['OR', 'REPLACE', 'ALGORITHM', '=', 'UNDEFINED', 'MERGE', 'TEMPTABLE']);
  if (!isWord(t[i], 'VIEW')) return undefined;
  const n = nameAt(t, skipWords(t, i + 1, ['IF', 'NOT', 'EXISTS']));
  return n === undefined ? undefined : resolve(n.parts, db, 'table');
}

/** Effects of one statement with `db` the current default database. */
export function statementEffects(st: ParsedStatement, db: string | undefined): Effects {
  const ast: StatementAst = st.ast;
  const table = (n: string) => resolve(n.split('.'), db, 'table');
  const model = (n: string) => resolve(n.split('.'), db, 'model');
  switch (ast.type) {
    case 'train':
      return { reads: [...selectReads(ast.select, db, ast.attributes), ...(ast.using !== undefined ? [model(ast.using)] : [])], writes: [model(ast.into)] };
    case 'predict': {
      // `db.table.column` or `table.column`: the table is all but the last part.
      const parts = ast.into.split('.');
      const into = resolve(parts.length > 1 ? parts.slice(0, -1) : parts, db, 'table');
      return { reads: [...selectReads(ast.select, db, ast.attributes), model(ast.using)], writes: [into] };
    }
    case 'evaluate':
    case 'explain':
      // EXPLAIN's USING names an explainer, not a model.
      return { reads: [...selectReads(ast.select, db, ast.attributes), model(ast.model)], writes: ast.into !== undefined ? [table(ast.into)] : [] };
    case 'maximize':
    case 'minimize':
      return { reads: selectReads(ast.select, db, ast.attributes), writes: [table(ast.into)] };
    case 'showTrain':
      return { reads: [model(ast.model)], writes: [] };
    case 'run':
      if (ast.into.length === 0) return barrier('TO RUN without INTO: the program it runs may touch any table');
      return { reads: selectReads(ast.select, db), writes: ast.into.map(table) };
    case 'standard':
      return standardEffects(lex(st.text), ast.keyword, db);
  }
}

function barrier(why: string): Effects {
  return { reads: [], writes: [], barrier: why };
}

function selectReads(select: string, db: string | undefined, attributes: readonly Attribute[] = []): ObjectRef[] {
  const out = scanReads(lex(select), db);
  // A query in an attribute (validation.select = "SELECT * FROM iris.test") reads its tables too.
  for (const a of attributes) {
    if (a.value.kind === 'string' && /^\s*(SELECT|WITH)\b/i.test(a.value.value)) {
      try {
        out.push(...scanReads(lex(a.value.value), db));
      } catch {
        // Not lexable: the step will refuse it; nothing more to read here.
      }
    }
  }
  return dedupe(out);
}

// ---- standard SQL ----

function standardEffects(t: readonly Token[], keyword: string, db: string | undefined): Effects {
  const reads = () => scanReads(t, db);
  const names = (from: number, stop: (tok: Token) => boolean): ObjectRef[] | undefined => {
    const out: ObjectRef[] = [];
    let i = from;
    for (;;) {
      const n = nameAt(t, i);
      if (n === undefined) return undefined;
      out.push(resolve(n.parts, db, 'table'));
      i = n.next;
      if (isPunct(t[i], ',')) {
        i++;
        continue;
      }
      return t[i] === undefined || stop(t[i]!) ? out : undefined;
    }
  };
  const writesOne = (i: number): Effects => {
    const n = nameAt(t, i);
    if (n === undefined) return barrier(`cannot tell which table ${keyword} changes`);
    return { reads: reads(), writes: [resolve(n.parts, db, 'table')] };
  };
  switch (keyword) {
    case 'SELECT':
    case 'WITH':
    case 'VALUES':
    case '': {
      if (keyword === '' && !isPunct(t[0], '(')) return barrier('not a statement we can read');
      // WITH … UPDATE/DELETE/MERGE (PostgreSQL's data-modifying CTEs and the like): not read further.
      if (t.some((x, k) => depthAt(t, k) === 0 && ['UPDATE', 'DELETE', 'MERGE'].some((w) => isWord(x, w)) && !isWord(t[k - 1], 'FOR'))) {
        return barrier(`${keyword || 'query'} that changes data in a way we do not read`);
      }
      const into = topLevelInto(t);
      if (into === 'unknown') return barrier('SELECT … INTO a target we cannot read');
      return { reads: reads(), writes: into === undefined ? [] : [resolve(into, db, 'table')] };
    }
    case 'TABLE':
    case 'DESCRIBE':
    case 'DESC': {
      const n = nameAt(t, 1);
      return n === undefined ? barrier(`cannot tell which table ${keyword} reads`) : { reads: [resolve(n.parts, db, 'table')], writes: [] };
    }
    case 'EXPLAIN':
      return isWord(t[1], 'SELECT') || isWord(t[1], 'WITH') ? { reads: reads(), writes: [] } : barrier('EXPLAIN of something other than a query');
    case 'SHOW': {
      // SHOW COLUMNS|INDEX|CREATE TABLE … FROM|of t reads t; SHOW TABLES and the like read the catalog.
      const i = skipWords(t, 1, ['FULL', 'EXTENDED']);
      if (isWord(t[i], 'CREATE') && (isWord(t[i + 1], 'TABLE') || isWord(t[i + 1], 'VIEW'))) {
        const n = nameAt(t, i + 2);
        if (n !== undefined && n.next === t.length) return { reads: [resolve(n.parts, db, 'table')], writes: [] };
      }
      if (['COLUMNS', 'FIELDS', 'INDEX', 'INDEXES', 'KEYS'].some((w) => isWord(t[i], w)) && (isWord(t[i + 1], 'FROM') || isWord(t[i + 1], 'IN'))) {
        const n = nameAt(t, i + 2);
        if (n !== undefined && n.next === t.length) return { reads: [resolve(n.parts, db, 'table')], writes: [] };
      }
      return barrier('SHOW reads the catalog, which other statements change');
    }
    case 'INSERT':
    case 'REPLACE': {
      const i = skipWords(t, 1, ['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'OVERWRITE', 'INTO', 'TABLE']);
      return writesOne(i);
    }
    case 'UPDATE': {
      // Every table before SET may be changed (MySQL's multi-table UPDATE).
      const set = t.findIndex((x) => isWord(x, 'SET'));
      if (set < 0) return barrier('UPDATE without SET');
      const head = scanReads(t.slice(0, set), db, true);
      const i = skipWords(t, 1, ['LOW_PRIORITY', 'IGNORE']);
      const n = nameAt(t, i);
      if (n === undefined) return barrier('cannot tell which table UPDATE changes');
      return { reads: reads(), writes: dedupe([resolve(n.parts, db, 'table'), ...head]) };
    }
    case 'DELETE': {
      const i = skipWords(t, 1, ['LOW_PRIORITY', 'QUICK', 'IGNORE']);
      if (isWord(t[i], 'FROM')) {
        const n = nameAt(t, i + 1);
        if (n === undefined) return barrier('cannot tell which table DELETE changes');
        // DELETE FROM t USING a, b (MySQL multi-table form): every listed table may change.
        const multi = isWord(t[n.next], 'USING') || isPunct(t[n.next], ',');
        const target = resolve(n.parts, db, 'table');
        return { reads: reads(), writes: multi ? dedupe([target, ...scanReads(t, db)]) : [target] };
      }
      // DELETE t1, t2 FROM …: the targets may be aliases, so every table of the FROM may change.
      const r = reads();
      return { reads: r, writes: r };
    }
    case 'TRUNCATE':
      return writesOne(skipWords(t, 1, ['TABLE']));
    case 'LOAD': {
      const k = t.findIndex((x, j) => isWord(x, 'INTO') && isWord(t[j + 1], 'TABLE'));
      return k < 0 ? barrier('LOAD without INTO TABLE') : { reads: [], writes: [resolveAt(t, k + 2, db)].filter(isRef) };
    }
    case 'CREATE':
      return createEffects(t, db, reads);
    case 'DROP': {
      let i = skipWords(t, 1, ['TEMPORARY']);
      if (isWord(t[i], 'TABLE') || isWord(t[i], 'VIEW')) {
        const w = names(skipWords(t, i + 1, ['IF', 'EXISTS']), (x) => isWord(x, 'CASCADE') || isWord(x, 'RESTRICT'));
        return w === undefined ? barrier('cannot tell which tables DROP removes') : { reads: [], writes: w };
      }
      if (isWord(t[i], 'INDEX')) {
        i = t.findIndex((x) => isWord(x, 'ON'));
        const n = i < 0 ? undefined : nameAt(t, i + 1);
        if (n !== undefined) return { reads: [], writes: [resolve(n.parts, db, 'table')] };
      }
      return barrier(`DROP ${upper(t[i]) || '…'} changes more than tables we can name`);
    }
    case 'ALTER': {
      if (!isWord(t[1], 'TABLE') && !isWord(t[1], 'VIEW')) return barrier(`ALTER ${upper(t[1]) || '…'} changes more than tables we can name`);
      const n = nameAt(t, skipWords(t, 2, ['IF', 'EXISTS', 'ONLY']));
      if (n === undefined) return barrier('cannot tell which table ALTER changes');
      const writes = [resolve(n.parts, db, 'table')];
      // ALTER TABLE t RENAME [TO|AS] u: u is written too.
      for (let k = n.next; k < t.length; k++) {
        if (!isWord(t[k], 'RENAME') || isWord(t[k + 1], 'COLUMN') || isWord(t[k + 1], 'INDEX') || isWord(t[k + 1], 'KEY')) continue;
        const r = resolveAt(t, skipWords(t, k + 1, ['TO', 'AS']), db);
        if (r === undefined) return barrier('cannot tell the new name in ALTER … RENAME');
        writes.push(r);
      }
      return { reads: scanReads(t, db), writes };
    }
    case 'RENAME': {
      if (!isWord(t[1], 'TABLE')) return barrier('RENAME of something other than tables');
      const writes: ObjectRef[] = [];
      let i = 2;
      for (;;) {
        const a = nameAt(t, i);
        if (a === undefined || !isWord(t[a.next], 'TO')) return barrier('cannot read RENAME TABLE a TO b');
        const b = nameAt(t, a.next + 1);
        if (b === undefined) return barrier('cannot read RENAME TABLE a TO b');
        writes.push(resolve(a.parts, db, 'table'), resolve(b.parts, db, 'table'));
        if (!isPunct(t[b.next], ',')) return b.next === t.length ? { reads: [], writes } : barrier('cannot read RENAME TABLE a TO b');
        i = b.next + 1;
      }
    }
    default:
      // SET, CALL, PREPARE/EXECUTE, transactions, locks, grants, MERGE, COPY, anything unknown.
      return barrier(`${keyword || 'this statement'} may have effects we cannot see`);
  }
}

function createEffects(t: readonly Token[], db: string | undefined, reads: () => ObjectRef[]): Effects {
  let i = skipWords(t, 1, ['OR', 'REPLACE', 'TEMPORARY', 'TEMP', 'GLOBAL', 'LOCAL', 'UNLOGGED', 'EXTERNAL', 'ALGORITHM', '=', 'UNDEFINED', 'MERGE', 'TEMPTABLE']);
  if (isWord(t[i], 'TABLE') || isWord(t[i], 'VIEW')) {
    const n = nameAt(t, skipWords(t, i + 1, ['IF', 'NOT', 'EXISTS']));
    if (n === undefined) return barrier('cannot tell which table CREATE makes');
    const r = reads();
    // CREATE TABLE t LIKE u reads u.
    if (isWord(t[n.next], 'LIKE') || (isPunct(t[n.next], '(') && isWord(t[n.next + 1], 'LIKE'))) {
      const like = resolveAt(t, n.next + (isWord(t[n.next], 'LIKE') ? 1 : 2), db);
      if (like !== undefined) r.push(like);
    }
    return { reads: dedupe(r), writes: [resolve(n.parts, db, 'table')] };
  }
  i = skipWords(t, i, ['UNIQUE', 'FULLTEXT', 'SPATIAL']);
  if (isWord(t[i], 'INDEX')) {
    const on = t.findIndex((x) => isWord(x, 'ON'));
    const r = on < 0 ? undefined : resolveAt(t, on + 1, db);
    if (r !== undefined) return { reads: [], writes: [r] };
  }
  return barrier(`CREATE ${upper(t[i]) || '…'} changes more than tables we can name`);
}

/** Parenthesis depth just before token k. */
function depthAt(t: readonly Token[], k: number): number {
  let depth = 0;
  for (let i = 0; i < k; i++) {
    if (isPunct(t[i], '(')) depth++;
    else if (isPunct(t[i], ')')) depth--;
  }
  return depth;
}

/** `SELECT … INTO name` (a table, in some dialects): the name; `INTO @var`/OUTFILE/DUMPFILE write no table. */
function topLevelInto(t: readonly Token[]): string[] | 'unknown' | undefined {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    const x = t[i]!;
    if (isPunct(x, '(')) depth++;
    else if (isPunct(x, ')')) depth--;
    else if (depth === 0 && isWord(x, 'INTO')) {
      const next = t[i + 1];
      if (isPunct(next, '@') || isWord(next, 'OUTFILE') || isWord(next, 'DUMPFILE')) return undefined;
      const n = nameAt(t, i + 1);
      return n === undefined ? 'unknown' : n.parts;
    }
  }
  return undefined;
}

// ---- table references in queries ----

/** Words that end a table reference's alias position or a FROM list. */
const NOT_ALIAS: ReadonlySet<string> = new Set([
  'WHERE', 'JOIN', 'ON', 'USING', 'GROUP', 'ORDER', 'LIMIT', 'LEFT', 'RIGHT', 'INNER', 'OUTER', 'CROSS', 'NATURAL', 'FULL',
  'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'HAVING', 'WINDOW', 'FOR', 'LOCK', 'SET', 'VALUES', 'SELECT', 'INTO', 'TO',
  'STRAIGHT_JOIN', 'PARTITION', 'USE', 'FORCE', 'IGNORE', 'WITH', 'TABLESAMPLE', 'QUALIFY', 'OFFSET', 'FETCH', 'RETURNING',
  'LATERAL', 'AS', 'SEMI', 'ANTI', 'ASOF', 'PREWHERE', 'SAMPLE', 'FINAL', 'CLUSTER', 'DISTRIBUTE', 'SORT', 'LATERAL',
]);
/** Words that end a comma-separated FROM list at their level. */
const END_FROM: ReadonlySet<string> = new Set([
  'WHERE', 'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'QUALIFY', 'SET',
  'VALUES', 'SELECT', 'INTO', 'FOR', 'LOCK', 'RETURNING', 'OFFSET', 'FETCH', 'PREWHERE', 'CLUSTER', 'DISTRIBUTE', 'SORT',
]);
/** Functions whose arguments may contain FROM that is not a table clause: EXTRACT(YEAR FROM d). */
const FROM_IN_ARGS: ReadonlySet<string> = new Set(['EXTRACT', 'TRIM', 'SUBSTRING', 'SUBSTR', 'POSITION', 'OVERLAY', 'CAST']);

interface Frame {
  /** The word before the `(`, upper-cased, if any. */
  readonly opener: string;
  /** Inside a comma-separated FROM list at this level. */
  fromList: boolean;
  /** This paren was opened where a table was expected: after it closes, an alias may follow. */
  readonly tableSlot: boolean;
}

/**
 * Tables a query (or any statement's query parts) reads: names after FROM and JOIN, in
 * comma lists, nested parentheses and subqueries; CTE names are not tables. With
 * `headOnly`, FROM is not required: every table reference (used for UPDATE a JOIN b SET).
 */
function scanReads(t: readonly Token[], db: string | undefined, headOnly = false): ObjectRef[] {
  const ctes = cteNames(t);
  const out: ObjectRef[] = [];
  const stack: Frame[] = [{ opener: '', fromList: headOnly, tableSlot: false }];
  let expectTable = headOnly;
  let i = headOnly ? 1 : 0;
  if (headOnly) i = skipWords(t, 1, ['LOW_PRIORITY', 'IGNORE']);
  while (i < t.length) {
    const x = t[i]!;
    const frame = stack.at(-1)!;
    if (expectTable) {
      expectTable = false;
      if (isPunct(x, '(')) {
        // A subquery, or parenthesised table references: `FROM (a JOIN b)`.
        const sub = isWord(t[i + 1], 'SELECT') || isWord(t[i + 1], 'WITH') || isWord(t[i + 1], 'VALUES') || isPunct(t[i + 1], '(');
        stack.push({ opener: '', fromList: !sub, tableSlot: true });
        expectTable = !sub;
        i++;
        continue;
      }
      if (isWord(x, 'LATERAL') || isWord(x, 'ONLY')) {
        expectTable = true;
        i++;
        continue;
      }
      const n = nameAt(t, i);
      if (n !== undefined) {
        if (isPunct(t[n.next], '(')) {
          // A table function such as UNNEST(…) or generate_series(…): not a table.
          i = n.next;
          continue;
        }
        if (!(n.parts.length === 1 && ctes.has(n.parts[0]!.toLowerCase()))) out.push(resolve(n.parts, db, 'table'));
        i = skipAlias(t, n.next);
        continue;
      }
    }
    if (isPunct(x, '(')) {
      stack.push({ opener: upper(t[i - 1]), fromList: false, tableSlot: false });
    } else if (isPunct(x, ')')) {
      const closed = stack.length > 1 ? stack.pop()! : undefined;
      if (closed?.tableSlot) {
        i = skipAlias(t, i + 1);
        continue;
      }
    } else if (isPunct(x, ',')) {
      if (frame.fromList) expectTable = true;
    } else if (x.kind === 'word') {
      const w = x.value.toUpperCase();
      if (w === 'FROM' && !FROM_IN_ARGS.has(frame.opener)) {
        frame.fromList = true;
        expectTable = true;
      } else if (w === 'USING' && !isPunct(t[i + 1], '(')) {
        // DELETE FROM t USING a, b: a table list (JOIN … USING (col) names columns).
        frame.fromList = true;
        expectTable = true;
      } else if (w === 'JOIN' || w === 'STRAIGHT_JOIN') {
        expectTable = true;
      } else if (END_FROM.has(w)) {
        frame.fromList = false;
      }
    }
    i++;
  }
  return dedupe(out);
}

/** After a table reference: skips `[AS] alias [(cols)]`. */
function skipAlias(t: readonly Token[], i: number): number {
  if (isWord(t[i], 'AS')) i++;
  const a = t[i];
  if (a !== undefined && (a.kind === 'quoted' || a.kind === 'string' || (a.kind === 'word' && !NOT_ALIAS.has(a.value.toUpperCase())))) {
    i++;
    if (isPunct(t[i], '(')) i = matching(t, i) + 1;
  }
  return i;
}

/** Names defined by WITH [RECURSIVE] name [(cols)] AS ( … ) [, name AS ( … )]…, lower-cased. */
function cteNames(t: readonly Token[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < t.length; i++) {
    if (!isWord(t[i], 'WITH')) continue;
    let j = isWord(t[i + 1], 'RECURSIVE') ? i + 2 : i + 1;
    for (;;) {
      const n = t[j];
      if (n === undefined || (n.kind !== 'word' && n.kind !== 'quoted')) break;
      let k = j + 1;
      if (isPunct(t[k], '(')) k = matching(t, k) + 1;
      if (!isWord(t[k], 'AS')) break;
      k++;
      if (isWord(t[k], 'MATERIALIZED') || (isWord(t[k], 'NOT') && isWord(t[k + 1], 'MATERIALIZED'))) k += isWord(t[k], 'NOT') ? 2 : 1;
      if (!isPunct(t[k], '(')) break;
      out.add(n.value.toLowerCase());
      j = matching(t, k) + 1;
      if (!isPunct(t[j], ',')) break;
      j++;
    }
  }
  return out;
}

/** Index of the `)` matching the `(` at i (or the end). */
function matching(t: readonly Token[], i: number): number {
  let depth = 0;
  for (let k = i; k < t.length; k++) {
    if (isPunct(t[k], '(')) depth++;
    else if (isPunct(t[k], ')') && --depth === 0) return k;
  }
  return t.length;
}

// ---- names ----

/** A possibly qualified name at i: words (which may hold dots) and `backtick` parts joined by `.`. */
function nameAt(t: readonly Token[], i: number): { parts: string[]; next: number } | undefined {
  const parts: string[] = [];
  let k = i;
  for (;;) {
    const x = t[k];
    if (x === undefined || (x.kind !== 'word' && x.kind !== 'quoted')) break;
    if (x.kind === 'word' && parts.length === 0 && NOT_NAME.has(x.value.toUpperCase())) break;
    if (x.kind === 'word') {
      const ps = x.value.split('.');
      const trailing = ps.at(-1) === '';
      parts.push(...ps.filter((p) => p !== ''));
      k++;
      if (trailing && (t[k]?.kind === 'quoted' || t[k]?.kind === 'word') && t[k]!.start === x.end) continue;
    } else {
      parts.push(x.value);
      k++;
    }
    if (isPunct(t[k], '.') && t[k + 1] !== undefined && (t[k + 1]!.kind === 'quoted' || t[k + 1]!.kind === 'word')) {
      k++;
      continue;
    }
    break;
  }
  return parts.length === 0 ? undefined : { parts, next: k };
}

/** Words that cannot start a table name where one is expected. */
const NOT_NAME: ReadonlySet<string> = new Set(['SELECT', 'WITH', 'VALUES', 'SET', 'WHERE', 'ON', 'USING', 'AS', 'TO', 'FROM', 'INTO']);

function resolve(parts: readonly string[], db: string | undefined, kind: ObjectRef['kind']): ObjectRef {
  const name = parts.at(-1)!.toLowerCase();
  const d = parts.length >= 2 ? parts.at(-2)!.toLowerCase() : db;
  return d === undefined ? { name, kind } : { db: d, name, kind };
}

function resolveAt(t: readonly Token[], i: number, db: string | undefined): ObjectRef | undefined {
  const n = nameAt(t, i);
  return n === undefined ? undefined : resolve(n.parts, db, 'table');
}

function isRef(r: ObjectRef | undefined): r is ObjectRef {
  return r !== undefined;
}

function skipWords(t: readonly Token[], i: number, words: readonly string[]): number {
  while (t[i] !== undefined && ((t[i]!.kind === 'word' && words.includes(t[i]!.value.toUpperCase())) || (t[i]!.kind === 'punct' && words.includes(t[i]!.value)))) i++;
  return i;
}

function isWord(x: Token | undefined, w: string): boolean {
  return x !== undefined && x.kind === 'word' && x.value.toUpperCase() === w;
}

function isPunct(x: Token | undefined, p: string): boolean {
  return x !== undefined && x.kind === 'punct' && x.value === p;
}

function upper(x: Token | undefined): string {
  return x !== undefined && x.kind === 'word' ? x.value.toUpperCase() : '';
}
