import { SQLFlowSyntaxError } from './errors.ts';

// One lexer serves both the splitter and the parser, so both agree on where strings and
// comments start and end: a `;` or `TO` inside a quote or comment is never structure.

export type TokenKind =
  | 'word' // identifier or keyword; may contain . / : - after the first character
  | 'number'
  | 'string' // '…' or "…"; `value` holds the decoded text
  | 'quoted' // `…` identifier; `value` holds the name
  | 'punct'; // operators, brackets, `;`, and any other single character

export interface Token {
  readonly kind: TokenKind;
  /** Decoded value for strings and backtick identifiers; the source text otherwise. */
  readonly value: string;
  /** UTF-16 offsets into the whole program, half-open. */
  readonly start: number;
  readonly end: number;
}

const TWO_CHAR_OPS = new Set(['<=', '>=', '<>', '!=', '==', '||', '&&']);

/** Tokenizes a whole program; comments and whitespace are dropped. Linear in the text. */
export function lex(text: string): Token[] {
  checkEncodable(text);
  const tokens: Token[] = [];
  const n = text.length;
  // Next backslash at or after the current string, shared by all strings: searching afresh
  // per string would rescan the rest of the program each time (quadratic without backslashes).
  const backslash = { at: -2 };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
    // Comments. `--` and `/*` start a comment even right after a word, as in MySQL/Hive.
    if ((c === 45 /* - */ && next === 45) || c === 35 /* # */) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === 47 /* / */ && next === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) {
        throw new SQLFlowSyntaxError(text, i, 'unterminated comment: this /* is never closed; add */ to end it');
      }
      i = close + 2;
      continue;
    }
    if (c === 39 /* ' */ || c === 34 /* " */) {
      i = lexString(text, i, tokens, backslash);
      continue;
    }
    if (c === 96 /* ` */) {
      i = lexBacktick(text, i, tokens);
      continue;
    }
    if (isDigit(c) || (c === 46 /* . */ && isDigit(next))) {
      i = lexNumberOrWord(text, i, tokens);
      continue;
    }
    if (isWordStart(c)) {
      const end = scanWord(text, i + 1);
      tokens.push({ kind: 'word', value: text.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    const two = text.slice(i, i + 2);
    const len = TWO_CHAR_OPS.has(two) ? 2 : 1;
    tokens.push({ kind: 'punct', value: text.slice(i, i + len), start: i, end: i + len });
    i += len;
  }
  return tokens;
}

/** A NUL cannot be a command-line argument and a lone surrogate has no UTF-8 form. */
function checkEncodable(text: string): void {
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    throw new SQLFlowSyntaxError(text, nul, 'NUL character (U+0000) in the program; a step cannot receive it, remove it');
  }
  if (text.isWellFormed()) return;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      throw new SQLFlowSyntaxError(text, i, 'invalid Unicode (unpaired surrogate) in the program; save the file as UTF-8');
    }
  }
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', '0': '\0', Z: '\x1a' };

function lexString(text: string, start: number, out: Token[], backslash: { at: number }): number {
  const quote = text[start]!;
  let value = '';
  let i = start + 1;
  let chunk = i;
  for (;;) {
    // Jump to the next quote or backslash; everything in between is copied as is.
    const q = text.indexOf(quote, i);
    if (q < 0) break;
    if (backslash.at !== -1 && backslash.at < i) backslash.at = text.indexOf('\\', i);
    const b = backslash.at;
    if (b >= 0 && b < q) {
      if (b + 1 >= text.length) break;
      const e = text[b + 1]!;
      // MySQL keeps the backslash of \% and \_ (they matter to LIKE).
      value += text.slice(chunk, b) + (e === '%' || e === '_' ? `\\${e}` : (ESCAPES[e] ?? e));
      i = chunk = b + 2;
      continue;
    }
    if (text[q + 1] === quote) {
      value += text.slice(chunk, q) + quote;
      i = chunk = q + 2;
      continue;
    }
    value += text.slice(chunk, q);
    out.push({ kind: 'string', value, start, end: q + 1 });
    return q + 1;
  }
  throw new SQLFlowSyntaxError(
    text,
    start,
    `unterminated string: the ${quote} opened here is never closed; close it with ${quote} (write ${quote}${quote} or \\${quote} for a ${quote} inside)`,
  );
}

function lexBacktick(text: string, start: number, out: Token[]): number {
  let value = '';
  let chunk = start + 1;
  for (;;) {
    const q = text.indexOf('`', chunk);
    if (q < 0) {
      throw new SQLFlowSyntaxError(text, start, 'unterminated identifier: the ` opened here is never closed; close it with `');
    }
    value += text.slice(chunk, q);
    if (text[q + 1] === '`') {
      value += '`';
      chunk = q + 2;
      continue;
    }
    out.push({ kind: 'quoted', value, start, end: q + 1 });
    return q + 1;
  }
}

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

function lexNumberOrWord(text: string, start: number, out: Token[]): number {
  NUMBER.lastIndex = start;
  NUMBER.exec(text);
  const end = NUMBER.lastIndex;
  const after = end < text.length ? text.charCodeAt(end) : -1;
  if (isWordStart(after) || isDigit(after)) {
    // MySQL allows names such as 1st_table: a digit run glued to letters is a word.
    const wordEnd = scanWord(text, end);
    out.push({ kind: 'word', value: text.slice(start, wordEnd), start, end: wordEnd });
    return wordEnd;
  }
  out.push({ kind: 'number', value: text.slice(start, end), start, end });
  return end;
}

/** Word characters after the first: letters, digits, _ and . / : - (so a/b:v0.2/MyDNN is one word). */
function scanWord(text: string, from: number): number {
  let i = from;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isWordStart(c) || isDigit(c) || c === 46 || c === 58) {
      i++;
    } else if (c === 45 /* - */ || c === 47 /* / */) {
      const d = i + 1 < n ? text.charCodeAt(i + 1) : -1;
      // Stop before a comment opener; a trailing - or / is an operator, not part of the name.
      if ((c === 45 && d === 45) || (c === 47 && d === 42) || !(isWordStart(d) || isDigit(d))) break;
      i++;
    } else {
      break;
    }
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordStart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 0x80 && !isSpace(c))
  );
}

function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0x80) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
