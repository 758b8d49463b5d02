import { lex, type Token } from './lexer.ts';
import { PositionCursor, type Span } from './source.ts';

export interface Statement {
  /** 0-based position among the program's non-empty statements. */
  readonly index: number;
  /**
   * The statement exactly as written, from its first token to its last: surrounding
   * whitespace and comments are trimmed, comments inside are kept, the `;` is not included.
   */
  readonly text: string;
  readonly span: Span;
}

/** A statement with the tokens it was cut from, so the parser need not lex twice. */
export interface LexedStatement extends Statement {
  readonly tokens: readonly Token[];
}

/**
 * Splits a program at top-level `;` (never one inside a string, backtick identifier or
 * comment). Statements with no tokens — blank or only comments — are dropped; the last
 * statement may lack its `;`. Throws SQLFlowSyntaxError for an unterminated string or comment.
 */
export function split(text: string): Statement[] {
  return splitLexed(text).map(({ index, text, span }) => ({ index, text, span }));
}

export function splitLexed(text: string): LexedStatement[] {
  const tokens = lex(text);
  const cursor = new PositionCursor(text);
  const out: LexedStatement[] = [];
  let from = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const t = tokens[i];
    if (t !== undefined && !(t.kind === 'punct' && t.value === ';')) continue;
    if (i > from) {
      const first = tokens[from]!;
      const last = tokens[i - 1]!;
      const span = { start: cursor.at(first.start), end: cursor.at(last.end) };
      out.push({ index: out.length, text: text.slice(first.start, last.end), span, tokens: tokens.slice(from, i) });
    }
    from = i + 1;
  }
  return out;
}
