"""Reading a statement's SELECT into pandas, with driver errors as one clear line."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
import sqlalchemy as sa

from .datasource import Datasource
from .dberrors import driver_message
from .errors import StepError

_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*$", re.I)


def read(ds: Datasource, select: str, limit: int | None = None) -> pd.DataFrame:
    sql = select.strip().rstrip(";")
    if limit is not None:  # SQLFlow samples `<select> LIMIT 1000`, clamping an existing LIMIT
        m = _LIMIT.search(sql)
        sql = _LIMIT.sub(f"LIMIT {min(int(m[1]), limit)}", sql) if m else f"{sql} LIMIT {limit}"
    try:
        with ds.engine.connect() as conn:
            return pd.read_sql(sql, conn.execution_options(no_parameters=True))
    except sa.exc.DBAPIError as e:
        raise StepError(f"runQuery failed: {ds.scrub(driver_message(e))}") from None


def read_chunks(ds: Datasource, select: str, size: int) -> Iterator[pd.DataFrame]:
    """The SELECT in chunks of `size` rows, streamed from the server (never all in memory)."""
    sql = select.strip().rstrip(";")
    try:
        with ds.engine.connect() as conn:
            opts = conn.execution_options(no_parameters=True, stream_results=True)
            yield from pd.read_sql(sql, opts, chunksize=size)
    except sa.exc.DBAPIError as e:
        raise StepError(f"runQuery failed: {ds.scrub(driver_message(e))}") from None


def label_column(df: pd.DataFrame, label: str) -> str:
    for c in df.columns:
        if c.lower() == label.lower():
            return c
    raise StepError(f"deriveLabel: LABEL COLUMN '{label}' not found in the SELECT's columns ({', '.join(df.columns)})")
