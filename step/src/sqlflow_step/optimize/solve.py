"""Solve a TO MAXIMIZE/MINIMIZE model on a DataFrame with SciPy's HiGHS (scipy.optimize.milp)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from .errors import OptimizeError
from .linear import Block, Model
from .spec import OptimizeSpec, Settings, check_attributes

# scipy.optimize.milp's status codes, named like Pyomo's termination conditions
# so messages read as SQLFlow's did.
_TERMINATION = {
    1: "maxIterations or maxTimeLimit",
    2: "infeasible",
    3: "unbounded",
    4: "other",
}


def solve(frame: pd.DataFrame, spec: OptimizeSpec) -> tuple[pd.DataFrame, float]:
    """Solve `spec` over the rows of `frame`.

    Returns the result table (the variable columns plus the result column, one row
    per input row) and the objective value.
    """
    settings = check_attributes(spec)
    direction = spec.direction.strip().lower()
    if direction not in ("maximize", "minimize"):
        raise OptimizeError(f"direction must be 'maximize' or 'minimize', not {spec.direction!r}")
    frame = frame.reset_index(drop=True)
    if len(frame) == 0:
        raise OptimizeError(
            f"the SELECT of TO {direction.upper()} returned no rows, so there is nothing to solve; "
            "check its WHERE clause"
        )
    variables = _variable_columns(frame, settings)
    out_name = _result_column(frame, settings, variables)
    model = Model(frame, settings.result_name)
    coef, const = model.objective(spec.objective)
    blocks = [model.constraint(text, list(group_by)) for text, group_by in spec.constraints]
    x = _run_highs(coef, blocks, settings, direction == "maximize")
    if settings.domain.integer:
        x = np.rint(x).astype(np.int64)
    objective = float(coef @ x + const)
    result = frame[variables].copy()
    result[out_name] = x
    return result, objective


def _variable_columns(frame: pd.DataFrame, settings: Settings) -> list[str]:
    by_lower = {str(c).lower(): str(c) for c in frame.columns}
    columns = []
    for name in settings.variables:
        column = by_lower.get(name.lower())
        if column is None:
            raise OptimizeError(
                f"attribute variables error: column {name!r} is not selected (the SELECT gives "
                f"{', '.join(map(str, frame.columns))}); select it or fix the name"
            )
        columns.append(column)
    return columns


def _result_column(frame: pd.DataFrame, settings: Settings, variables: list[str]) -> str:
    """The result column's name; SQLFlow appends _value when it equals the only variable column."""
    name = settings.result_name
    taken = {c.lower() for c in variables}
    if len(variables) == 1 and name.lower() == variables[0].lower():
        candidate, i = name + "_value", 0
        while candidate.lower() in taken:
            candidate, i = f"{name}_value_{i}", i + 1
        return candidate
    if name.lower() in {str(c).lower() for c in frame.columns}:
        raise OptimizeError(
            f"attribute variables error: the result name {name!r} is also a column of the SELECT; "
            "pick a result name that is not a column"
        )
    return name


def _run_highs(coef: np.ndarray, blocks: list[Block], settings: Settings, maximize: bool) -> np.ndarray:
    n = len(coef)
    domain = settings.domain
    constraints = []
    offset = 0
    rows, cols, vals, lowers, uppers = [], [], [], [], []
    for block in blocks:
        rows.append(block.rows + offset)
        cols.append(block.cols)
        vals.append(block.vals)
        lowers.append(block.lower)
        uppers.append(block.upper)
        offset += len(block.lower)
    if offset:
        matrix = coo_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(offset, n),
        ).tocsr()
        constraints.append(LinearConstraint(matrix, np.concatenate(lowers), np.concatenate(uppers)))
    result = milp(
        -coef if maximize else coef,
        integrality=np.full(n, 1 if domain.integer else 0),
        bounds=Bounds(np.full(n, domain.lower), np.full(n, domain.upper)),
        constraints=constraints,
        options=dict(settings.solver_options),
    )
    if result.status != 0 or result.x is None:
        condition = _TERMINATION.get(result.status, "other")
        if "unbounded or infeasible" in str(result.message):
            condition = "infeasibleOrUnbounded"  # HiGHS's MIP presolve cannot tell which
        raise OptimizeError(
            f"Solve model error. Termination condition: {condition}. (HiGHS: {result.message}) "
            "Check the CONSTRAINT clauses and var_type against the data"
        )
    return np.asarray(result.x)
