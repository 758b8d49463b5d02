"""Parser for the objective and CONSTRAINT expressions of TO MAXIMIZE/MINIMIZE.

Grammar (keywords and names are case-insensitive):

    comparison := additive [("<=" | ">=" | "<" | ">" | "=" | "==") additive]
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := NUMBER | NAME | NAME "(" comparison ")" | "(" comparison ")"

Only SUM is a function, as in SQLFlow. The tree is plain data; turning it into a
linear model is linear.py's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import OptimizeError


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Name:
    name: str  # as written; resolved case-insensitively later


@dataclass(frozen=True)
class Sum:
    arg: Node


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare:
    op: str  # one of <= >= < > =
    left: Node
    right: Node


Node = Num | Name | Sum | Neg | BinOp | Compare

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|<|>|=|[-+*/()])"
    r")"
)

FUNCTIONS = ("SUM",)


def parse(text: str, where: str) -> Node:
    """Parse one expression; `where` names it in errors (e.g. "the objective")."""
    return _Parser(text, where).parse()


class _Parser:
    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where
        self.tokens: list[tuple[str, str, int]] = []  # (kind, text, offset)
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.lastgroup is None:
                offset = len(text) - len(text[pos:].lstrip())
                self._fail(f"unexpected character {text[offset]!r}", offset)
            self.tokens.append((m.lastgroup, m.group(m.lastgroup), m.start(m.lastgroup)))
            pos = m.end()
        self.i = 0

    def _fail(self, what: str, offset: int | None = None) -> None:
        if offset is None:
            offset = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        raise OptimizeError(
            f"cannot parse {self.where} {self.text.strip()!r}: {what} at offset {offset}; "
            "write numbers, column names, + - * /, parentheses, SUM(...) and one comparison"
        )

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self, *ops: str) -> str | None:
        tok = self._peek()
        if tok is not None and tok[0] == "op" and tok[1] in ops:
            self.i += 1
            return tok[1]
        return None

    def parse(self) -> Node:
        if not self.tokens:
            self._fail("the expression is empty")
        node = self._comparison()
        if self._peek() is not None:
            self._fail(f"unexpected {self._peek()[1]!r}")  # type: ignore[index]
        return node

    def _comparison(self) -> Node:
        left = self._additive()
        op = self._take("<=", ">=", "<", ">", "=", "==")
        if op is None:
            return left
        right = self._additive()
        if self._take("<=", ">=", "<", ">", "=", "==") is not None:
            self.i -= 1
            self._fail("a chained comparison; write it as two constraints")
        return Compare("=" if op == "==" else op, left, right)

    def _additive(self) -> Node:
        node = self._term()
        while (op := self._take("+", "-")) is not None:
            node = BinOp(op, node, self._term())
        return node

    def _term(self) -> Node:
        node = self._unary()
        while (op := self._take("*", "/")) is not None:
            node = BinOp(op, node, self._unary())
        return node

    def _unary(self) -> Node:
        if self._take("-") is not None:
            return Neg(self._unary())
        if self._take("+") is not None:
            return self._unary()
        return self._primary()

    def _primary(self) -> Node:
        tok = self._peek()
        if tok is None:
            self._fail("the expression ends too early")
        kind, text, offset = tok  # type: ignore[misc]
        if kind == "num":
            self.i += 1
            return Num(float(text))
        if kind == "name":
            self.i += 1
            if self._take("(") is None:
                return Name(text)
            if text.upper() not in FUNCTIONS:
                self._fail(
                    f"unsupported function {text}(...); only SUM(...) is supported",
                    offset,
                )
            arg = self._comparison()
            if isinstance(arg, Compare):
                self._fail("a comparison inside SUM(...)", offset)
            if self._take(")") is None:
                self._fail("missing ')' to close SUM(")
            return Sum(arg)
        if self._take("(") is not None:
            node = self._comparison()
            if self._take(")") is None:
                self._fail("missing ')'")
            return node
        self._fail(f"unexpected {text!r}", offset)
        raise AssertionError("unreachable")


def contains_sum(node: Node) -> bool:
    match node:
        case Sum():
            return True
        case Neg(arg):
            return contains_sum(arg)
        case BinOp(_, left, right) | Compare(_, left, right):
            return contains_sum(left) or contains_sum(right)
        case _:
            return False
