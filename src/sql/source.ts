// Positions in a program's text. Offsets are UTF-16 indexes (what String.slice takes);
// lines and columns are 1-based and count Unicode code points, so an error in a line with
// emoji or CJK text still points where an editor would put the cursor.

export interface Position {
  /** UTF-16 index into the whole program text. */
  readonly offset: number;
  /** 1-based line; only "\n" ends a line ("\r\n" counts once). */
  readonly line: number;
  /** 1-based column, counted in code points. */
  readonly column: number;
}

/** Half-open range [start, end) in the program text. */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

/**
 * Walks forward through a text turning offsets into positions. Asking for increasing offsets
 * costs time proportional to the distance walked, so a pass over all statements stays linear.
 */
export class PositionCursor {
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly text: string) {}

  at(offset: number): Position {
    if (offset < this.offset) {
      // Rare (only callers going backwards): restart from the beginning.
      this.offset = 0;
      this.line = 1;
      this.column = 1;
    }
    const text = this.text;
    for (let i = this.offset; i < offset; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        this.line++;
        this.column = 1;
      } else if (c < 0xdc00 || c > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) {
        // A low surrogate that follows a high one belongs to the same code point.
        this.column++;
      }
    }
    this.offset = offset;
    return { offset, line: this.line, column: this.column };
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

export function positionAt(text: string, offset: number): Position {
  return new PositionCursor(text).at(offset);
}

const MAX_EXCERPT = 100;

/**
 * Two lines: the source line holding `offset`, and a caret under it. Long lines are cut to a
 * window around the caret; tabs are kept in the caret line so the caret lines up in a terminal.
 */
export function caretExcerpt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  let line = Array.from(text.slice(lineStart, lineEnd).replace(/\r$/, ''));
  let caretAt = Array.from(text.slice(lineStart, offset)).length;
  let prefix = '';
  let suffix = '';
  if (line.length > MAX_EXCERPT) {
    const from = Math.max(0, Math.min(caretAt - MAX_EXCERPT / 2, line.length - MAX_EXCERPT));
    if (from > 0) prefix = '…';
    if (from + MAX_EXCERPT < line.length) suffix = '…';
    line = line.slice(from, from + MAX_EXCERPT);
    caretAt -= from;
  }
  // Control characters would garble the terminal; show them as U+FFFD-free escapes.
  const shown = line.map((ch) => (ch === '\t' ? '\t' : ch < ' ' || ch === '\x7f' ? '?' : ch));
  const pad = shown.slice(0, caretAt).map((ch) => (ch === '\t' ? '\t' : ' ')).join('');
  return `${prefix}${shown.join('')}${suffix}\n${prefix ? ' ' : ''}${pad}^`;
}
