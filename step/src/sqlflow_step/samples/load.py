"""Writes the sample tables into a database through SQLAlchemy, replacing earlier copies."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa

from ..datasource import Datasource
from .datasets import MODEL_DATABASE, SampleTable

BATCH_ROWS = 1000


def ensure_database(ds: Datasource, name: str) -> None:
    """Creates database ``name`` if missing. On SQLite the datasource makes its file (attached on the
    next connect); elsewhere it is a schema (MySQL/MariaDB: CREATE DATABASE IF NOT EXISTS)."""
    if ds.is_sqlite:
        ds.ensure_database(name)
        return
    with ds.engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(name, if_not_exists=True))


def write_table(conn: sa.Connection, t: SampleTable) -> int:
    """Drops and recreates ``t`` with its declared column types, then inserts its rows in batches."""
    table = sa.Table(t.name, sa.MetaData(schema=t.database), *(sa.Column(c, typ()) for c, typ in t.columns))
    table.drop(conn, checkfirst=True)
    table.create(conn)
    rows = t.frame.to_dict(orient="records")
    for start in range(0, len(rows), BATCH_ROWS):
        conn.execute(table.insert(), rows[start : start + BATCH_ROWS])
    return len(rows)


def load_samples(ds: Datasource, tables: Iterable[SampleTable], say: Callable[[str], None] = print) -> None:
    """Loads ``tables`` and creates the (empty) model database; safe to run again (same rows)."""
    tables = list(tables)
    for db in sorted({t.database for t in tables} | {MODEL_DATABASE}):
        ensure_database(ds, db)
    for t in tables:
        with ds.engine.begin() as conn:
            n = write_table(conn, t)
        say(f"samples: {t.qualified}: {n} rows")
    say(f"samples: {MODEL_DATABASE}: ready for models")
