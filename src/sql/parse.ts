import type { ParsedStatement, StatementAst } from './ast.ts';
import { classify } from './classify.ts';
import { SQLFlowSyntaxError } from './errors.ts';
import { EXTENSIONS, isExtension, parseExtension } from './extended.ts';
import type { Token } from './lexer.ts';
import { PositionCursor } from './source.ts';
import { splitLexed, type LexedStatement } from './split.ts';
import { TokenStream } from './tokens.ts';

export interface ParseResult {
  readonly statements: readonly ParsedStatement[];
  /** One per bad statement, in program order; empty when the program is good. */
  readonly errors: readonly SQLFlowSyntaxError[];
  /** True when checking stopped at MAX_ERRORS; later statements were not checked. */
  readonly truncated: boolean;
}

/** Enough to fix a program in one go; each error costs a walk to its line, so keep it bounded. */
export const MAX_ERRORS = 50;

/**
 * Splits and parses a program; throws the first SQLFlowSyntaxError. Any other exception
 * escaping from here is a bug: every input either parses or yields that error.
 */
export function parseProgram(text: string): ParsedStatement[] {
  const { statements, errors } = checkProgram(text);
  if (errors[0] !== undefined) throw errors[0];
  return [...statements];
}

/**
 * Like parseProgram, but reports every bad statement instead of stopping at the first. An
 * unterminated string or comment swallows the rest of the program, so it is reported alone.
 */
export function checkProgram(text: string): ParseResult {
  let lexed: LexedStatement[];
  try {
    lexed = splitLexed(text);
  } catch (e) {
    if (e instanceof SQLFlowSyntaxError) return { statements: [], errors: [e], truncated: false };
    throw e;
  }
  const cursor = new PositionCursor(text);
  const statements: ParsedStatement[] = [];
  const errors: SQLFlowSyntaxError[] = [];
  for (const st of lexed) {
    try {
      const ast = parseStatement(text, st, cursor);
      const kind = ast.type === 'standard' ? ast.category : ast.type;
      statements.push({ index: st.index, text: st.text, span: st.span, kind, ast });
    } catch (e) {
      if (!(e instanceof SQLFlowSyntaxError)) throw e;
      errors.push(e);
      if (errors.length >= MAX_ERRORS && st.index < lexed.length - 1) return { statements, errors, truncated: true };
    }
  }
  return { statements, errors, truncated: false };
}

function parseStatement(program: string, st: LexedStatement, cursor: PositionCursor): StatementAst {
  const tokens = st.tokens;
  const first = tokens[0]!;
  const s = new TokenStream(program, tokens, st.tokens.at(-1)!.end, cursor);
  if (s.isWord('SHOW') && s.isWord('TRAIN', 1)) {
    s.next();
    s.next();
    const model = s.name('a model after SHOW TRAIN');
    if (!s.atEnd()) throw s.errorHere(`unexpected ${s.describeNext()} after SHOW TRAIN ${model}; end the statement with ;`);
    return { type: 'showTrain', model };
  }
  const to = findTopLevelTo(s, tokens);
  const keyword = first.kind === 'word' ? first.value.toUpperCase() : first.kind === 'punct' ? first.value : '';
  const startsAsQuery = keyword === 'SELECT' || keyword === 'WITH' || keyword === '(';
  if (to === undefined) return { type: 'standard', category: classify(keyword), keyword: /^[A-Z_]/.test(keyword) ? keyword : '' };

  const ext = tokens[to + 1]?.kind === 'word' ? tokens[to + 1]!.value.toUpperCase() : '';
  if (to === 0) {
    throw s.errorAt(first, `TO ${ext || '…'} without SELECT: an extended statement is SELECT … TO ${ext || 'TRAIN'} …`);
  }
  if (!startsAsQuery) {
    // GRANT … TO user, RENAME … TO name and the like are standard SQL.
    if (!isExtension(ext)) return { type: 'standard', category: classify(keyword), keyword };
    throw s.errorAt(first, `TO ${ext} must follow a SELECT, not ${keyword || `"${first.value}"`}: write SELECT … TO ${ext} …`);
  }
  const toToken = tokens[to]!;
  if (!isExtension(ext)) {
    const found = tokens[to + 1] === undefined ? 'nothing' : `"${tokens[to + 1]!.value}"`;
    throw s.errorAt(tokens[to + 1] ?? toToken, `unknown extended syntax TO ${ext || found}: expected TO ${EXTENSIONS.join(', TO ')}`);
  }
  const select = program.slice(first.start, tokens[to - 1]!.end);
  const rest = new TokenStream(program, tokens.slice(to + 2), s.endOffset, cursor);
  if (tokens[to + 2] === undefined && ext !== 'MAXIMIZE' && ext !== 'MINIMIZE') {
    throw rest.errorAtEnd(`TO ${ext} needs ${ext === 'RUN' ? 'an image' : 'a name'} after it`);
  }
  return parseExtension(ext, select, rest);
}

/**
 * Index of the first `TO` outside parentheses and brackets, or undefined. Also rejects
 * `SHOW TRAIN` glued to another statement, a mistake the original SQLFlow reported too.
 */
function findTopLevelTo(s: TokenStream, tokens: readonly Token[]): number | undefined {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct') {
      if (t.value === '(' || t.value === '[') depth++;
      else if ((t.value === ')' || t.value === ']') && depth > 0) depth--;
      continue;
    }
    if (depth > 0 || t.kind !== 'word') continue;
    const upper = t.value.toUpperCase();
    if (upper === 'TO') return i;
    if (upper === 'SHOW' && i > 0 && s.isWord('TRAIN', i + 1)) {
      throw s.errorAt(t, 'SHOW TRAIN is a statement of its own: end the statement before it with ;');
    }
  }
  return undefined;
}
