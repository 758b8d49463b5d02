"""Run a TO MAXIMIZE/MINIMIZE statement against a database: read, solve, save, report."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import sqlalchemy as sa

from .errors import OptimizeError
from .solve import solve
from .spec import OptimizeSpec, check_attributes

# USING names SQLFlow's docs and image know. Every one is solved with HiGHS here,
# the solver that ships inside SciPy's wheel.
_HIGHS = "highs"


def execute_optimize(spec: OptimizeSpec, select: str, engine: sa.Engine, emit: Callable[[str], None]) -> None:
    """Solve `spec` over the rows of `select` and save the result table `spec.into`.

    Output lines, as SQLFlow printed them: `Solved result is:`, the table,
    `Saved in <t>.`, `Objective value is <v>`.
    """
    settings = check_attributes(spec)  # fail on WITH typos before reading any data
    if spec.solver is not None and spec.solver.strip().lower() != _HIGHS:
        emit(
            f"Solver {spec.solver} is not available in this step runtime; "
            "solving with HiGHS (scipy.optimize.milp) instead."
        )
    with engine.connect() as conn:
        # no_parameters: the SELECT goes to the driver verbatim, so a '%' or ':x'
        # in it is never taken for a bind parameter.
        frame = pd.read_sql(select, conn.execution_options(no_parameters=True))
    result, objective = solve(frame, spec)
    _save(engine, spec.into, select, result, settings.domain.integer)
    emit("Solved result is:")
    # pandas' own layout as SQLFlow's print(df) showed it, but fixed limits instead
    # of ones that follow the terminal's size, so the output is the same everywhere.
    table = result.to_string(max_rows=60, min_rows=10, show_dimensions="truncate")
    for line in table.splitlines():
        emit(line)
    emit(f"Saved in {spec.into}.")
    emit(f"Objective value is {objective}")


def _save(
    engine: sa.Engine,
    into: str,
    select: str,
    result: pd.DataFrame,
    integer: bool,
) -> None:
    """Drop and recreate `into`: the variable columns keep their database types.

    `result` holds the variable columns, then the result column.
    """
    variables = [str(c) for c in result.columns[:-1]]
    select = select.strip().rstrip(";")
    parts = into.split(".")
    if len(parts) > 2 or not all(p.strip() for p in parts):
        raise OptimizeError(f"INTO {into}: name the result table as table or db.table")
    quote = engine.dialect.identifier_preparer.quote
    table_sql = ".".join(quote(p.strip()) for p in parts)
    result_column = str(result.columns[-1])
    source_columns = ", ".join(f"src.{quote(c)}" for c in variables)
    # CREATE TABLE … AS SELECT … WHERE 1=0 copies the column types the database
    # itself gives the SELECT, on every dialect, without mapping types by hand.
    ddl = [
        f"DROP TABLE IF EXISTS {table_sql}",
        f"CREATE TABLE {table_sql} AS SELECT {source_columns} FROM ({select}) src WHERE 1=0",
        f"ALTER TABLE {table_sql} ADD COLUMN {quote(result_column)} {'BIGINT' if integer else 'FLOAT'}",
    ]
    table = sa.table(
        parts[-1].strip(),
        *(sa.column(str(c)) for c in result.columns),
        schema=parts[0].strip() if len(parts) == 2 else None,
    )
    records = [
        dict(zip(map(str, result.columns), row))
        for row in result.astype(object).where(result.notna(), None).itertuples(index=False, name=None)
    ]
    records = [{k: _plain(v) for k, v in r.items()} for r in records]
    with engine.begin() as conn:
        plain = conn.execution_options(no_parameters=True)
        for statement in ddl:
            plain.exec_driver_sql(statement)
        conn.execute(sa.insert(table), records)


def _plain(value: object) -> object:
    """numpy scalars → Python values, which every DB-API driver accepts."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
