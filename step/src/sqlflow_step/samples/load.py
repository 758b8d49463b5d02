"""Writes the sample tables into a database through SQLAlchemy, replacing earlier copies."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa

from .datasets import MODEL_DATABASE, SampleTable

BATCH_ROWS = 1000


def ensure_database(conn: sa.Connection, name: str) -> None:
    """Creates database ``name`` unless the connection already sees it (on SQLite the datasource
    attaches one file per database, so it is there as soon as it is named)."""
    if name in sa.inspect(conn).get_schema_names():
        return
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


def load_samples(engine: sa.Engine, tables: Iterable[SampleTable], say: Callable[[str], None] = print) -> None:
    """Loads ``tables`` and creates the (empty) model database; safe to run again (same rows)."""
    tables = list(tables)
    with engine.begin() as conn:
        for db in sorted({t.database for t in tables} | {MODEL_DATABASE}):
            ensure_database(conn, db)
    for t in tables:
        with engine.begin() as conn:
            n = write_table(conn, t)
        say(f"samples: {t.qualified}: {n} rows")
    say(f"samples: {MODEL_DATABASE}: ready for models")
