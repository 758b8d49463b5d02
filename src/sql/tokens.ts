import { SQLFlowSyntaxError } from './errors.ts';
import type { Token } from './lexer.ts';
import type { PositionCursor } from './source.ts';

/** Words that open a clause of an extended statement; they end names and expressions. */
export const CLAUSE_KEYWORDS: ReadonlySet<string> = new Set([
  'WITH', 'COLUMN', 'FOR', 'LABEL', 'USING', 'INTO', 'CMD', 'CONSTRAINT', 'GROUP', 'TO',
]);

/** A cursor over one statement's tokens; errors carry positions in the whole program. */
export class TokenStream {
  private pos = 0;

  constructor(
    readonly program: string,
    private readonly tokens: readonly Token[],
    /** Offset just after the statement's last token: where "missing X" errors point. */
    readonly endOffset: number,
    /** Shared across a program's statements, which are parsed in order, to keep spans linear. */
    readonly cursor: PositionCursor,
  ) {}

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.pos + ahead];
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  next(): Token {
    const t = this.tokens[this.pos];
    if (t === undefined) throw this.errorAtEnd('unexpected end of statement');
    this.pos++;
    return t;
  }

  /** The last consumed token (for spans of what was just parsed). */
  previous(): Token {
    return this.tokens[this.pos - 1]!;
  }

  isWord(keyword: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t !== undefined && t.kind === 'word' && t.value.toUpperCase() === keyword;
  }

  isPunct(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t !== undefined && t.kind === 'punct' && t.value === value;
  }

  /** Consumes `keyword` if it is next. */
  acceptWord(keyword: string): boolean {
    if (!this.isWord(keyword)) return false;
    this.pos++;
    return true;
  }

  acceptPunct(value: string): boolean {
    if (!this.isPunct(value)) return false;
    this.pos++;
    return true;
  }

  expectPunct(value: string, context: string): Token {
    if (this.isPunct(value)) return this.next();
    throw this.errorHere(`expected ${value} ${context}, found ${this.describeNext()}`);
  }

  expectWord(keyword: string, context: string): Token {
    if (this.isWord(keyword)) return this.next();
    throw this.errorHere(`expected ${keyword} ${context}, found ${this.describeNext()}`);
  }

  /**
   * A name: a word (which may hold . / : -) or a `backtick` identifier. Clause keywords are
   * refused so that a forgotten name reads as "missing name", not as a strange model name.
   */
  name(what: string): string {
    const t = this.peek();
    if (t !== undefined && t.kind === 'quoted') return this.next().value;
    if (t !== undefined && t.kind === 'word' && !CLAUSE_KEYWORDS.has(t.value.toUpperCase())) return this.next().value;
    throw this.errorHere(`expected ${what}, found ${this.describeNext()}`);
  }

  describeNext(): string {
    const t = this.peek();
    if (t === undefined) return 'end of statement';
    if (t.kind === 'word' && CLAUSE_KEYWORDS.has(t.value.toUpperCase())) return `keyword ${t.value.toUpperCase()}`;
    if (t.kind === 'string') return 'a string';
    return `"${this.program.slice(t.start, Math.min(t.end, t.start + 40))}"`;
  }

  errorHere(reason: string): SQLFlowSyntaxError {
    const t = this.peek();
    return t === undefined ? this.errorAtEnd(reason) : new SQLFlowSyntaxError(this.program, t.start, reason);
  }

  errorAt(token: Token, reason: string): SQLFlowSyntaxError {
    return new SQLFlowSyntaxError(this.program, token.start, reason);
  }

  errorAtEnd(reason: string): SQLFlowSyntaxError {
    return new SQLFlowSyntaxError(this.program, this.endOffset, reason);
  }

  /** Source text from `from` to the last consumed token. */
  textFrom(from: Token): string {
    return this.program.slice(from.start, this.previous().end);
  }
}
