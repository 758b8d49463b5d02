"""Splitter and parser of SQLFlow programs; agrees with src/sql/parse.ts on what a statement is.

Extended statements (SELECT … TO TRAIN …) are parsed fully; standard SQL is only classified,
because the database, not us, is the judge of standard SQL. Both implementations are checked
against the same cases (test/fixtures/grammar_cases.json).
"""

from __future__ import annotations

import re

from .ast import Attribute, ColumnGroup, Constraint, Expr, Label, Statement
from .errors import StatementSyntaxError, line_column
from .lexer import NUMBER, PUNCT, QUOTED, STRING, WORD, Token, lex

CLAUSE_KEYWORDS = {"WITH", "COLUMN", "FOR", "LABEL", "USING", "INTO", "CMD", "CONSTRAINT", "GROUP", "TO"}
EXTENSIONS = ("TRAIN", "PREDICT", "EXPLAIN", "EVALUATE", "RUN", "MAXIMIZE", "MINIMIZE")
_IMAGE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$")

# Clauses each form takes, in grammar order, and which are required.
_FORMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TRAIN": (("WITH", "COLUMN", "LABEL", "USING", "INTO"), ("INTO",)),
    "PREDICT": (("WITH", "USING"), ("USING",)),
    "EXPLAIN": (("WITH", "USING", "INTO"), ()),
    "EVALUATE": (("WITH", "LABEL", "INTO"), ("LABEL", "INTO")),
    "RUN": (("CMD", "INTO"), ()),
    "MAXIMIZE": (("CONSTRAINT", "WITH", "USING", "INTO"), ("WITH", "INTO")),
    "MINIMIZE": (("CONSTRAINT", "WITH", "USING", "INTO"), ("WITH", "INTO")),
}
_HINTS = {
    "TRAIN:INTO": "add INTO <table> to say where the trained model is saved",
    "PREDICT:USING": "add USING <model> to name the trained model",
    "EVALUATE:LABEL": "add LABEL <column> to name the true label",
    "EVALUATE:INTO": "add INTO <table> for the evaluation result",
    "MAXIMIZE:WITH": 'add WITH variables="…" to name the decision variables',
    "MINIMIZE:WITH": 'add WITH variables="…" to name the decision variables',
    "MAXIMIZE:INTO": "add INTO <table> for the result",
    "MINIMIZE:INTO": "add INTO <table> for the result",
}
_QUERY = {"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "VALUES", "TABLE"}
_DDL = {"CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "COMMENT"}
_DML = {"INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "LOAD", "COPY"}
_COMPARISONS = {"=", "==", "!=", "<>", "<", "<=", ">", ">="}
_MAX_DEPTH = 200


def classify(keyword: str) -> str:
    if keyword == "(" or keyword in _QUERY:
        return "query"
    if keyword in _DDL:
        return "ddl"
    if keyword in _DML:
        return "dml"
    return "other"


def split(text: str) -> list[tuple[str, int, list[Token]]]:
    """Statements at top-level `;`: (text as written, start offset, tokens). Empty ones are dropped."""
    tokens = lex(text)
    out: list[tuple[str, int, list[Token]]] = []
    start = 0
    for i in range(len(tokens) + 1):
        if i < len(tokens) and not (tokens[i].kind == PUNCT and tokens[i].value == ";"):
            continue
        if i > start:
            first, last = tokens[start], tokens[i - 1]
            out.append((text[first.start : last.end], first.start, tokens[start:i]))
        start = i + 1
    return out


def parse_program(text: str) -> list[Statement]:
    """Splits and parses a program; raises the first StatementSyntaxError."""
    return [_parse_statement(text, st, toks, i) for i, (st, _, toks) in enumerate(split(text))]


class _Stream:
    def __init__(self, program: str, tokens: list[Token], end_offset: int) -> None:
        self.program, self.tokens, self.end_offset, self.pos = program, tokens, end_offset, 0

    def peek(self, ahead: int = 0) -> Token | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def next(self) -> Token:
        t = self.peek()
        if t is None:
            raise self.error_at_end("unexpected end of statement")
        self.pos += 1
        return t

    def previous(self) -> Token:
        return self.tokens[self.pos - 1]

    def is_word(self, kw: str, ahead: int = 0) -> bool:
        t = self.peek(ahead)
        return t is not None and t.kind == WORD and t.value.upper() == kw

    def is_punct(self, v: str, ahead: int = 0) -> bool:
        t = self.peek(ahead)
        return t is not None and t.kind == PUNCT and t.value == v

    def accept_word(self, kw: str) -> bool:
        if self.is_word(kw):
            self.pos += 1
            return True
        return False

    def accept_punct(self, v: str) -> bool:
        if self.is_punct(v):
            self.pos += 1
            return True
        return False

    def expect_punct(self, v: str, context: str) -> Token:
        if self.is_punct(v):
            return self.next()
        raise self.error_here(f"expected {v} {context}, found {self.describe_next()}")

    def expect_word(self, kw: str, context: str) -> Token:
        if self.is_word(kw):
            return self.next()
        raise self.error_here(f"expected {kw} {context}, found {self.describe_next()}")

    def name(self, what: str) -> str:
        """A name; clause keywords are refused so a forgotten name reads as "missing name"."""
        t = self.peek()
        if t is not None and (t.kind == QUOTED or (t.kind == WORD and t.value.upper() not in CLAUSE_KEYWORDS)):
            return self.next().value
        raise self.error_here(f"expected {what}, found {self.describe_next()}")

    def describe_next(self) -> str:
        t = self.peek()
        if t is None:
            return "end of statement"
        if t.kind == WORD and t.value.upper() in CLAUSE_KEYWORDS:
            return f"keyword {t.value.upper()}"
        if t.kind == STRING:
            return "a string"
        return '"' + self.program[t.start : min(t.end, t.start + 40)] + '"'

    def error_here(self, reason: str) -> StatementSyntaxError:
        t = self.peek()
        return self.error_at_end(reason) if t is None else StatementSyntaxError(self.program, t.start, reason)

    def error_at(self, t: Token, reason: str) -> StatementSyntaxError:
        return StatementSyntaxError(self.program, t.start, reason)

    def error_at_end(self, reason: str) -> StatementSyntaxError:
        return StatementSyntaxError(self.program, self.end_offset, reason)

    def text_from(self, first: Token) -> str:
        return self.program[first.start : self.previous().end]


def _parse_statement(program: str, text: str, tokens: list[Token], index: int) -> Statement:
    first = tokens[0]
    s = _Stream(program, tokens, tokens[-1].end)
    base = {"text": text, "offset": first.start, "index": index}
    if s.is_word("SHOW") and s.is_word("TRAIN", 1):
        s.next()
        s.next()
        model = s.name("a model after SHOW TRAIN")
        if not s.at_end():
            raise s.error_here(f"unexpected {s.describe_next()} after SHOW TRAIN {model}; end the statement with ;")
        return Statement(kind="showTrain", model=model, **base)
    to = _find_top_level_to(s, tokens)
    keyword = first.value.upper() if first.kind == WORD else first.value if first.kind == PUNCT else ""
    starts_as_query = keyword in ("SELECT", "WITH", "(")
    if to is None:
        return Statement(kind=classify(keyword), keyword=keyword if re.match(r"^[A-Z_]", keyword) else "", **base)
    nxt = tokens[to + 1] if to + 1 < len(tokens) else None
    ext = nxt.value.upper() if nxt is not None and nxt.kind == WORD else ""
    if to == 0:
        raise s.error_at(first, f"TO {ext or '…'} without SELECT: an extended statement is SELECT … TO {ext or 'TRAIN'} …")
    if not starts_as_query:
        if ext not in EXTENSIONS:  # GRANT … TO user, RENAME … TO name: standard SQL
            return Statement(kind=classify(keyword), keyword=keyword, **base)
        raise s.error_at(first, f"TO {ext} must follow a SELECT, not {keyword or repr(first.value)}: write SELECT … TO {ext} …")
    if ext not in EXTENSIONS:
        found = "nothing" if nxt is None else f'"{nxt.value}"'
        raise s.error_at(nxt or tokens[to], f"unknown extended syntax TO {ext or found}: expected TO {', TO '.join(EXTENSIONS)}")
    select = program[first.start : tokens[to - 1].end]
    rest = _Stream(program, tokens[to + 2 :], s.end_offset)
    if to + 2 >= len(tokens) and ext not in ("MAXIMIZE", "MINIMIZE"):
        raise rest.error_at_end(f"TO {ext} needs {'an image' if ext == 'RUN' else 'a name'} after it")
    return _parse_extension(ext, select, rest, base)


def _find_top_level_to(s: _Stream, tokens: list[Token]) -> int | None:
    depth = 0
    for i, t in enumerate(tokens):
        if t.kind == PUNCT:
            if t.value in "([":
                depth += 1
            elif t.value in ")]" and depth > 0:
                depth -= 1
            continue
        if depth > 0 or t.kind != WORD:
            continue
        upper = t.value.upper()
        if upper == "TO":
            return i
        if upper == "SHOW" and i > 0 and s.is_word("TRAIN", i + 1):
            raise s.error_at(t, "SHOW TRAIN is a statement of its own: end the statement before it with ;")
    return None


class _Clauses:
    def __init__(self) -> None:
        self.attributes: list[Attribute] = []
        self.columns: list[ColumnGroup] = []
        self.constraints: list[Constraint] = []
        self.label: Label | None = None
        self.using: str | None = None
        self.into: list[str] = []
        self.cmd: list[str] | None = None


def _parse_extension(ext: str, select: str, s: _Stream, base: dict) -> Statement:
    if ext == "TRAIN":
        estimator = s.name("an estimator after TO TRAIN (e.g. DNNClassifier)")
        c = _parse_clauses(ext, s)
        return Statement(kind="train", select=select, estimator=estimator, attributes=tuple(c.attributes),
                         columns=tuple(c.columns), label=c.label, using=c.using, into=c.into[0], **base)
    if ext == "PREDICT":
        into = s.name("a result table.column after TO PREDICT")
        c = _parse_clauses(ext, s)
        return Statement(kind="predict", select=select, into=into, attributes=tuple(c.attributes), using=c.using, **base)
    if ext == "EXPLAIN":
        model = s.name("a model after TO EXPLAIN")
        c = _parse_clauses(ext, s)
        return Statement(kind="explain", select=select, model=model, attributes=tuple(c.attributes), using=c.using,
                         into=c.into[0] if c.into else None, **base)
    if ext == "EVALUATE":
        model = s.name("a model after TO EVALUATE")
        c = _parse_clauses(ext, s)
        return Statement(kind="evaluate", select=select, model=model, attributes=tuple(c.attributes), label=c.label,
                         into=c.into[0], **base)
    if ext == "RUN":
        image_token = s.peek()
        image = s.name("an image after TO RUN (e.g. sqlflow/runnable:v0.0.1)")
        if not _IMAGE_REF.match(image):
            assert image_token is not None
            raise s.error_at(image_token, f'TO RUN image "{image}" is not a container image reference (e.g. registry/name:tag)')
        c = _parse_clauses(ext, s)
        return Statement(kind="run", select=select, image=image, args=tuple(c.cmd or ()), into_tables=tuple(c.into), **base)
    # MAXIMIZE / MINIMIZE
    if s.at_end() or s.is_word("CONSTRAINT") or s.is_word("WITH"):
        raise s.error_here(f"expected an objective after TO {ext}, found {s.describe_next()}")
    objective = _ExprParser(s).expr()
    c = _parse_clauses(ext, s)
    return Statement(kind=ext.lower(), select=select, objective=objective, constraints=tuple(c.constraints),
                     attributes=tuple(c.attributes), using=c.using, into=c.into[0], **base)


def _where(s: _Stream, t: Token) -> str:
    line, column = line_column(s.program, t.start)
    return f"{line}:{column}"


def _parse_clauses(ext: str, s: _Stream) -> _Clauses:
    clauses, required = _FORMS[ext]
    seen: dict[str, Token] = {}
    out = _Clauses()
    last_rank, last_name = -1, ""
    while not s.at_end():
        t = s.peek()
        assert t is not None
        word = t.value.upper() if t.kind == WORD else ""
        if word not in clauses:
            found = t.value if t.kind == WORD else s.describe_next()
            raise s.error_at(t, f"unknown clause {found} in TO {ext}; expected one of {', '.join(clauses)}")
        rank = clauses.index(word)
        if word in seen and word != "COLUMN":
            raise s.error_at(t, f"duplicate {word} clause in TO {ext} (the first is at {_where(s, seen[word])}); keep one")
        if rank < last_rank:
            raise s.error_at(t, f"{word} must come before {last_name} in TO {ext} (order: {', '.join(clauses)})")
        if ext == "RUN" and word == "INTO" and "CMD" not in seen:
            raise s.error_at(t, 'INTO in TO RUN needs a CMD clause before it: TO RUN image CMD "arg", … INTO table')
        seen[word] = t
        last_rank, last_name = rank, word
        s.next()
        _parse_clause(word, s, out)
    for name in required:
        if name not in seen:
            raise s.error_at_end(f"TO {ext} without {name}: {_HINTS.get(f'{ext}:{name}', f'add a {name} clause')}")
    return out


def _parse_clause(name: str, s: _Stream, out: _Clauses) -> None:
    if name == "WITH":
        out.attributes.extend(_parse_attributes(s))
    elif name == "COLUMN":
        columns = [_ExprParser(s).expr()]
        while s.accept_punct(","):
            columns.append(_ExprParser(s).expr())
        target = s.name("a name after FOR") if s.accept_word("FOR") else None
        out.columns.append(ColumnGroup(tuple(columns), target))
    elif name == "LABEL":
        t = s.peek()
        if t is not None and t.kind == STRING:
            s.next()
            out.label = Label("string", t.value)
        else:
            out.label = Label("identifier", s.name("a label column after LABEL"))
    elif name == "USING":
        out.using = s.name("a name after USING")
    elif name == "INTO":
        out.into.append(s.name("a table after INTO"))
        while s.accept_punct(","):
            out.into.append(s.name("a table after ,"))
    elif name == "CMD":
        out.cmd = [_cmd_arg(s)]
        while s.accept_punct(","):
            out.cmd.append(_cmd_arg(s))
    elif name == "CONSTRAINT":
        while True:
            expr = _ExprParser(s).expr()
            if s.accept_word("GROUP"):
                s.expect_word("BY", "after GROUP")
                out.constraints.append(Constraint(expr, s.name("a column after GROUP BY")))
            else:
                out.constraints.append(Constraint(expr))
            if not s.accept_punct(","):
                break


def _parse_attributes(s: _Stream) -> list[Attribute]:
    attrs: list[Attribute] = []
    by_name: dict[str, Token] = {}
    while True:
        first = s.peek()
        name = s.name("an attribute name (name = value)")
        assert first is not None
        key = name.lower()
        if key in by_name:
            raise s.error_at(first, f"attribute {name} is set twice (first at {_where(s, by_name[key])}); remove one")
        by_name[key] = first
        s.expect_punct("=", f"after attribute {name}")
        attrs.append(Attribute(name, _ExprParser(s).expr(), first.start))
        if not s.accept_punct(","):
            return attrs


def _cmd_arg(s: _Stream) -> str:
    t = s.peek()
    if t is None or t.kind != STRING:
        raise s.error_here(f"CMD arguments are quoted strings, found {s.describe_next()}")
    return s.next().value


class _ExprParser:
    """OR < AND < NOT < comparison < + - < * / % < unary - + < primary (as src/sql/expr.ts)."""

    def __init__(self, s: _Stream) -> None:
        self.s, self.depth = s, 0

    def expr(self) -> Expr:
        return self._binary(self._and, lambda: "OR" if self.s.is_word("OR") else None)

    def _and(self) -> Expr:
        return self._binary(self._not, lambda: "AND" if self.s.is_word("AND") else None)

    def _not(self) -> Expr:
        first = self.s.peek()
        if first is not None and self.s.accept_word("NOT"):
            operand = self._nested(self._not)
            return Expr("unary", self.s.text_from(first), "NOT", (operand,))
        return self._binary(self._additive, lambda: self._punct_op(_COMPARISONS))

    def _additive(self) -> Expr:
        return self._binary(self._multiplicative, lambda: self._punct_op({"+", "-"}))

    def _multiplicative(self) -> Expr:
        return self._binary(self._unary, lambda: self._punct_op({"*", "/", "%"}))

    def _unary(self) -> Expr:
        first = self.s.peek()
        if first is not None and first.kind == PUNCT and first.value in ("-", "+"):
            self.s.next()
            operand = self._nested(self._unary)
            text = self.s.text_from(first)
            if operand.kind == "number":  # `learning_rate = -0.1` is a number
                return Expr("number", text, -operand.value if first.value == "-" else operand.value)
            return Expr("unary", text, first.value, (operand,))
        return self._primary()

    def _primary(self) -> Expr:
        s = self.s
        t = s.peek()
        if t is None:
            raise s.error_at_end("expected a value, found end of statement")
        if t.kind == NUMBER:
            s.next()
            v = float(t.value)
            is_int = re.fullmatch(r"\d+", t.value) is not None
            return Expr("number", t.value, int(t.value) if is_int else v)
        if t.kind == STRING:
            s.next()
            return Expr("string", s.text_from(t), t.value)
        if t.kind == PUNCT and t.value == "[":
            s.next()
            items = [] if s.is_punct("]") else self._list()
            s.expect_punct("]", "to close the list")
            return Expr("list", s.text_from(t), None, tuple(items))
        if t.kind == PUNCT and t.value == "(":
            s.next()
            inner = self._nested(self.expr)
            s.expect_punct(")", "to close the parenthesis")
            return inner
        if t.kind in (WORD, QUOTED):
            upper = t.value.upper()
            if t.kind == WORD and upper in ("TRUE", "FALSE"):
                s.next()
                return Expr("boolean", t.value, upper == "TRUE")
            if t.kind == WORD and (upper in CLAUSE_KEYWORDS or upper in ("AND", "OR", "NOT")):
                raise s.error_here(f"expected a value, found keyword {upper}")
            s.next()
            if s.accept_punct("("):
                args = [] if s.is_punct(")") else self._list()
                s.expect_punct(")", f"to close the arguments of {t.value}")
                return Expr("call", s.text_from(t), t.value, tuple(args))
            return Expr("identifier", s.text_from(t), t.value)
        raise s.error_here(f"expected a value, found {s.describe_next()}")

    def _list(self) -> list[Expr]:
        items = [self._nested(self.expr)]
        while self.s.accept_punct(","):
            items.append(self._nested(self.expr))
        return items

    def _nested(self, parse):  # type: ignore[no-untyped-def]
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.s.error_here(f"expression nested more than {_MAX_DEPTH} levels deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def _punct_op(self, ops: set[str]) -> str | None:
        t = self.s.peek()
        return t.value if t is not None and t.kind == PUNCT and t.value in ops else None

    def _binary(self, operand, operator) -> Expr:  # type: ignore[no-untyped-def]
        first = self.s.peek()
        left = operand()
        op = operator()
        while op is not None and first is not None:
            self.s.next()
            right = operand()
            left = Expr("binary", self.s.text_from(first), op, (left, right))
            op = operator()
        return left
