"""Statements of a SQLFlow program, as the parser produces them (mirrors src/sql/ast.ts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Expr:
    """kind: number, string, boolean, identifier, list, call, unary, binary."""

    kind: str
    text: str
    value: Any = None  # number/string/boolean value; identifier name; call callee; unary/binary op
    items: tuple[Expr, ...] = ()  # list items, call args, unary operand, binary left+right

    def python_value(self) -> Any:
        """The attribute value SQLFlow infers: int, float, bool, str, list; an expression stays its text."""
        if self.kind in ("number", "string", "boolean"):
            return self.value
        if self.kind == "identifier":
            return self.value
        if self.kind == "list":
            return [i.python_value() for i in self.items]
        return self.text


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Expr
    offset: int


@dataclass(frozen=True)
class ColumnGroup:
    columns: tuple[Expr, ...]
    target: str | None = None


@dataclass(frozen=True)
class Label:
    kind: str  # identifier or string
    name: str


@dataclass(frozen=True)
class Constraint:
    expr: Expr
    group_by: str | None = None


@dataclass(frozen=True)
class Statement:
    """One statement. `kind` is query/ddl/dml/other for standard SQL, else the extended form:
    train, predict, explain, evaluate, run, maximize, minimize, showTrain (as in src/sql)."""

    kind: str
    text: str  # as written, without the ;
    offset: int  # where it starts in the program
    index: int  # 0-based among the program's statements
    select: str = ""
    keyword: str = ""  # standard SQL: first keyword upper-cased
    estimator: str = ""  # TRAIN
    model: str = ""  # EXPLAIN/EVALUATE/SHOW TRAIN
    attributes: tuple[Attribute, ...] = ()
    columns: tuple[ColumnGroup, ...] = ()
    label: Label | None = None
    using: str | None = None
    into: str | None = None  # TRAIN/EVALUATE/EXPLAIN/OPTIMIZE INTO; PREDICT's table.column
    into_tables: tuple[str, ...] = ()  # TO RUN's INTO list
    image: str = ""  # TO RUN
    args: tuple[str, ...] = ()  # TO RUN CMD
    objective: Expr | None = None
    constraints: tuple[Constraint, ...] = field(default_factory=tuple)

    def attribute_values(self) -> dict[str, Any]:
        return {a.name: a.value.python_value() for a in self.attributes}
