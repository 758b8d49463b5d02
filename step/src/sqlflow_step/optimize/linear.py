"""Expression trees + the SELECT's rows → a linear model (SQLFlow's semantics).

There is one variable x[i] per row, named by the result name of `variables`.
- SUM(e) sums e over all rows, or over one group's rows under GROUP BY.
- A constraint without SUM stands for one constraint per row.
- Outside SUM, a column takes the group's first-row value, which needs GROUP BY.
- Products of two terms that both hold the variable are not linear and rejected.

Every value is a `Form`: coef * x + const, where coef and const are numpy values
that broadcast. Inside SUM they run over the rows of the scope (one entry per
row). Outside SUM const is one number, and coef runs over the scope's rows (the
coefficient of each row's variable after summing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import expr
from .errors import OptimizeError


@dataclass(frozen=True)
class Form:
    coef: np.ndarray | float
    const: np.ndarray | float
    has_var: bool  # whether the variable occurs at all; keeps the linearity check structural


@dataclass(frozen=True)
class Block:
    """Constraint rows in triplet form: sum(vals[k] * x[cols[k]] for rows[k] == r) in [lower[r], upper[r]]."""

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


class Model:
    """The data side of the model: rows, columns and the variable's name."""

    def __init__(self, frame: pd.DataFrame, result_name: str) -> None:
        self.frame = frame
        self.n = len(frame)
        self.result = result_name.lower()
        self.columns: dict[str, str] = {}
        for name in frame.columns:
            self.columns.setdefault(str(name).lower(), str(name))
        self._numeric: dict[str, np.ndarray] = {}

    # -- public -------------------------------------------------------------

    def objective(self, text: str) -> tuple[np.ndarray, float]:
        """The objective as (coefficient per row's variable, constant)."""
        where = f"the objective {text.strip()!r}"
        node = expr.parse(text, "the objective")
        if isinstance(node, expr.Compare):
            raise OptimizeError(f"{where} holds a comparison; put comparisons in CONSTRAINT")
        everything = np.arange(self.n)
        form = self._aggregate(node, everything, None, where)
        return _dense(form.coef, self.n), float(form.const)

    def constraint(self, text: str, group_by: list[str]) -> Block:
        where = f"the constraint {text.strip()!r}"
        node = expr.parse(text, "the constraint")
        if not isinstance(node, expr.Compare):
            raise OptimizeError(f"{where} needs a comparison (<=, >=, =), e.g. SUM(amount) <= 100")
        by = [self._column(c, where + " GROUP BY") for c in group_by]
        diff = expr.BinOp("-", node.left, node.right)
        if not expr.contains_sum(node):
            if by:
                raise OptimizeError(f"{where}: GROUP BY must be used with aggregation function like SUM together")
            rows = np.arange(self.n)
            form = self._per_row(diff, rows, where)
            coef = _dense(form.coef, self.n)
            lower, upper = _bounds(node.op, -_dense(form.const, self.n))
            keep = coef != 0
            return Block(rows[keep], rows[keep], coef[keep], lower, upper)
        if by:
            groups = list(self.frame.groupby(by, sort=True, dropna=False).indices.values())
        else:
            groups = [np.arange(self.n)]
        parts_rows, parts_cols, parts_vals, lowers, uppers = [], [], [], [], []
        for r, members in enumerate(groups):
            members = np.asarray(members)
            form = self._aggregate(diff, members, members[0] if by else None, where)
            coef = _dense(form.coef, len(members))
            keep = coef != 0
            parts_rows.append(np.full(int(keep.sum()), r))
            parts_cols.append(members[keep])
            parts_vals.append(coef[keep])
            lo, hi = _bounds(node.op, np.array([-float(form.const)]))
            lowers.append(lo)
            uppers.append(hi)
        return Block(
            np.concatenate(parts_rows),
            np.concatenate(parts_cols),
            np.concatenate(parts_vals),
            np.concatenate(lowers),
            np.concatenate(uppers),
        )

    # -- evaluation ----------------------------------------------------------

    def _per_row(self, node: expr.Node, rows: np.ndarray, where: str) -> Form:
        """Evaluate one value per row of `rows` (inside SUM, or a per-row constraint)."""
        match node:
            case expr.Num(value):
                return Form(0.0, value, False)
            case expr.Name(name):
                if name.lower() == self.result:
                    return Form(1.0, 0.0, True)
                return Form(0.0, self._values(name, where)[rows], False)
            case expr.Sum():
                raise OptimizeError(f"{where} nests SUM(...) inside SUM(...); use one SUM")
            case expr.Neg(arg):
                return _negate(self._per_row(arg, rows, where))
            case expr.BinOp(op, left, right):
                return _combine(
                    op,
                    self._per_row(left, rows, where),
                    self._per_row(right, rows, where),
                    where,
                )
        raise OptimizeError(f"{where}: a comparison can only be the outermost operator")

    def _aggregate(self, node: expr.Node, rows: np.ndarray, first: int | None, where: str) -> Form:
        """Evaluate one value for the scope `rows`; `first` is the group's first row under GROUP BY."""
        match node:
            case expr.Num(value):
                return Form(0.0, value, False)
            case expr.Name(name):
                if name.lower() == self.result:
                    raise OptimizeError(
                        f"{where} uses the variable {name} outside SUM(...); move it into SUM(...), "
                        "or drop SUM everywhere in this constraint to get one constraint per row"
                    )
                values = self._values(name, where)
                if first is None:
                    hint = (
                        "move it into SUM(...)"
                        if where.startswith("the objective")
                        else f"move it into SUM(...) or add GROUP BY {name}"
                    )
                    raise OptimizeError(f"{where} uses column {name} outside SUM(...) without GROUP BY; {hint}")
                return Form(0.0, float(values[first]), False)
            case expr.Sum(arg):
                inner = self._per_row(arg, rows, where)
                coef = _dense(inner.coef, len(rows))
                return Form(coef, float(np.sum(_dense(inner.const, len(rows)))), inner.has_var)
            case expr.Neg(arg):
                return _negate(self._aggregate(arg, rows, first, where))
            case expr.BinOp(op, left, right):
                return _combine(
                    op,
                    self._aggregate(left, rows, first, where),
                    self._aggregate(right, rows, first, where),
                    where,
                )
        raise OptimizeError(f"{where}: a comparison can only be the outermost operator")

    # -- data ----------------------------------------------------------------

    def _column(self, name: str, where: str) -> str:
        column = self.columns.get(name.lower())
        if column is None:
            known = ", ".join(self.columns.values())
            raise OptimizeError(
                f"{where} names {name!r}, which is neither the result variable {self.result!r} "
                f"nor a column of the SELECT ({known}); fix the name or select the column"
            )
        return column

    def _values(self, name: str, where: str) -> np.ndarray:
        column = self._column(name, where)
        cached = self._numeric.get(column)
        if cached is not None:
            return cached
        series = self.frame[column]
        try:
            values = pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            sample = next((v for v in series if not _is_number(v)), None)
            raise OptimizeError(
                f"{where} does arithmetic on column {column}, which is not numeric (e.g. {sample!r}); "
                "use numeric columns in the objective and constraints"
            ) from None
        missing = int(np.isnan(values).sum())
        if missing:
            raise OptimizeError(
                f"{where} uses column {column}, which is NULL in {missing} row(s); "
                "filter or COALESCE them in the SELECT"
            )
        self._numeric[column] = values
        return values


def _combine(op: str, left: Form, right: Form, where: str) -> Form:
    if op == "+":
        return Form(
            left.coef + right.coef,
            left.const + right.const,
            left.has_var or right.has_var,
        )
    if op == "-":
        return Form(
            left.coef - right.coef,
            left.const - right.const,
            left.has_var or right.has_var,
        )
    if op == "*":
        if left.has_var and right.has_var:
            raise OptimizeError(
                f"{where} multiplies two terms that both hold the variable, which is not linear; "
                "the HiGHS solver takes linear objectives and constraints only"
            )
        if right.has_var:
            left, right = right, left
        return Form(left.coef * right.const, left.const * right.const, left.has_var)
    if right.has_var:
        raise OptimizeError(
            f"{where} divides by a term that holds the variable, which is not linear; divide by data only"
        )
    if np.any(np.asarray(right.const) == 0):
        raise OptimizeError(f"{where} divides by zero for some row; filter such rows in the SELECT")
    return Form(left.coef / right.const, left.const / right.const, left.has_var)


def _negate(form: Form) -> Form:
    return Form(-form.coef, -form.const, form.has_var)


def _bounds(op: str, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # An LP cannot hold strict inequalities, so < and > act as <= and >=.
    inf = np.full(rhs.shape, np.inf)
    if op in ("<=", "<"):
        return -inf, rhs
    if op in (">=", ">"):
        return rhs, inf
    return rhs, rhs.copy()


def _dense(value: np.ndarray | float, n: int) -> np.ndarray:
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), (n,)))


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True
