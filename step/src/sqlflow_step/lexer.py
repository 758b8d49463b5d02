"""Tokenizer for SQLFlow programs; the same rules as src/sql/lexer.ts.

One lexer serves the splitter and the parser, so both agree on where strings and comments
start and end: a `;` or `TO` inside a quote or comment is never structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import StatementSyntaxError

# word: identifier or keyword (may hold . / : - after the first character); number;
# string ('…' or "…", value decoded); quoted (`…` identifier); punct (operators, ;, …).
WORD, NUMBER, STRING, QUOTED, PUNCT = "word", "number", "string", "quoted", "punct"


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    start: int
    end: int


_TWO_CHAR_OPS = {"<=", ">=", "<>", "!=", "==", "||", "&&"}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "0": "\0", "Z": "\x1a"}
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EXTRA_SPACES = {0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF} | set(range(0x2000, 0x200B))


def _is_space(ch: str) -> bool:
    c = ord(ch)
    return c == 32 or 9 <= c <= 13 or c in _EXTRA_SPACES


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_word_start(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ch == "_" or (ord(ch) >= 0x80 and not _is_space(ch))


def lex(text: str) -> list[Token]:
    """Tokenizes a whole program; comments and whitespace are dropped."""
    nul = text.find("\0")
    if nul >= 0:
        raise StatementSyntaxError(text, nul, "NUL character (U+0000) in the program; a step cannot receive it, remove it")
    tokens: list[Token] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if _is_space(c):
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        if (c == "-" and nxt == "-") or c == "#":
            eol = text.find("\n", i)
            i = n if eol < 0 else eol
            continue
        if c == "/" and nxt == "*":
            close = text.find("*/", i + 2)
            if close < 0:
                raise StatementSyntaxError(text, i, "unterminated comment: this /* is never closed; add */ to end it")
            i = close + 2
            continue
        if c in "'\"":
            i = _lex_string(text, i, tokens)
            continue
        if c == "`":
            i = _lex_backtick(text, i, tokens)
            continue
        if _is_digit(c) or (c == "." and nxt and _is_digit(nxt)):
            i = _lex_number_or_word(text, i, tokens)
            continue
        if _is_word_start(c):
            end = _scan_word(text, i + 1)
            tokens.append(Token(WORD, text[i:end], i, end))
            i = end
            continue
        length = 2 if text[i : i + 2] in _TWO_CHAR_OPS else 1
        tokens.append(Token(PUNCT, text[i : i + length], i, i + length))
        i += length
    return tokens


def _lex_string(text: str, start: int, out: list[Token]) -> int:
    quote = text[start]
    parts: list[str] = []
    i = start + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 >= n:
                break
            e = text[i + 1]
            # MySQL keeps the backslash of \% and \_ (they matter to LIKE).
            parts.append("\\" + e if e in "%_" else _ESCAPES.get(e, e))
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and text[i + 1] == quote:
                parts.append(quote)
                i += 2
                continue
            out.append(Token(STRING, "".join(parts), start, i + 1))
            return i + 1
        parts.append(ch)
        i += 1
    raise StatementSyntaxError(
        text,
        start,
        f"unterminated string: the {quote} opened here is never closed; close it with {quote} "
        f"(write {quote}{quote} or \\{quote} for a {quote} inside)",
    )


def _lex_backtick(text: str, start: int, out: list[Token]) -> int:
    parts: list[str] = []
    chunk = start + 1
    while True:
        q = text.find("`", chunk)
        if q < 0:
            raise StatementSyntaxError(
                text, start, "unterminated identifier: the ` opened here is never closed; close it with `"
            )
        parts.append(text[chunk:q])
        if q + 1 < len(text) and text[q + 1] == "`":
            parts.append("`")
            chunk = q + 2
            continue
        out.append(Token(QUOTED, "".join(parts), start, q + 1))
        return q + 1


def _lex_number_or_word(text: str, start: int, out: list[Token]) -> int:
    m = _NUMBER.match(text, start)
    assert m is not None
    end = m.end()
    after = text[end] if end < len(text) else ""
    if after and (_is_word_start(after) or _is_digit(after)):
        # MySQL allows names such as 1st_table: a digit run glued to letters is a word.
        word_end = _scan_word(text, end)
        out.append(Token(WORD, text[start:word_end], start, word_end))
        return word_end
    out.append(Token(NUMBER, text[start:end], start, end))
    return end


def _scan_word(text: str, i: int) -> int:
    """Word characters after the first: letters, digits, _ and . / : - (a/b:v0.2/MyDNN is one word)."""
    n = len(text)
    while i < n:
        c = text[i]
        if _is_word_start(c) or _is_digit(c) or c in ".:":
            i += 1
        elif c in "-/":
            d = text[i + 1] if i + 1 < n else ""
            # Stop before a comment opener; a trailing - or / is an operator, not part of the name.
            if (c == "-" and d == "-") or (c == "/" and d == "*") or not (d and (_is_word_start(d) or _is_digit(d))):
                break
            i += 1
        else:
            break
    return i
