import { caretExcerpt, positionAt } from './source.ts';

/**
 * The only error the splitter and parser throw, whatever the input. It carries the 1-based
 * line and column in the whole program, a reason that says what is wrong and what to write
 * instead, and a two-line caret excerpt for terminals.
 */
export class SQLFlowSyntaxError extends Error {
  override readonly name = 'SQLFlowSyntaxError';
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** What is wrong, without the position. */
  readonly reason: string;
  /** The offending source line and a caret under the column. */
  readonly excerpt: string;

  constructor(text: string, offset: number, reason: string) {
    const at = positionAt(text, Math.max(0, Math.min(offset, text.length)));
    super(`${at.line}:${at.column}: ${reason}`);
    this.line = at.line;
    this.column = at.column;
    this.offset = at.offset;
    this.reason = reason;
    this.excerpt = caretExcerpt(text, at.offset);
  }

  /** `file:line:column: reason` followed by the caret excerpt, for command-line output. */
  format(file?: string): string {
    const where = file === undefined ? '' : `${file}:`;
    return `${where}${this.line}:${this.column}: ${this.reason}\n${indent(this.excerpt)}`;
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
