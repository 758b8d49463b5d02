"""Writing result tables (PREDICT, EVALUATE, EXPLAIN): drop, recreate, insert in batches."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .datasource import Datasource, quote_table, split_table
from .dberrors import driver_message
from .errors import StepError


def recreate(ds: Datasource, name: str, columns: list[tuple[str, str]]) -> None:
    db, _ = split_table(name)
    if db:
        ds.ensure_database(db)
    q = ds.engine.dialect.identifier_preparer.quote
    t = quote_table(ds, name)
    cols = ", ".join(f"{q(c)} {typ}" for c, typ in columns)
    try:
        with ds.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {t}")
            conn.exec_driver_sql(f"CREATE TABLE {t} ({cols})")
    except sa.exc.DBAPIError as e:
        raise StepError(f"creating result table {name} failed: {ds.scrub(driver_message(e))}") from None


def insert(ds: Datasource, name: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    db, table = split_table(name)
    t = sa.table(table, *(sa.column(c) for c in columns), schema=db)
    try:
        with ds.engine.begin() as conn:
            conn.execute(t.insert(), rows)
    except sa.exc.DBAPIError as e:
        raise StepError(f"writing result table {name} failed: {ds.scrub(driver_message(e))}") from None


def sql_type(series_dtype: Any) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series_dtype):
        return "INT"
    if pd.api.types.is_integer_dtype(series_dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series_dtype):
        return "DOUBLE"
    return "VARCHAR(255)"
