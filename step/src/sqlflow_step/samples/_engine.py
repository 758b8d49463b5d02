"""A SQLAlchemy engine for a datasource URL (temporary: until sqlflow_step.datasource is merged)."""

from __future__ import annotations

import os
import re

import sqlalchemy as sa

_SQLFLOW_MYSQL = re.compile(r"^mysql://(?P<user>[^:@]*):(?P<password>[^@]*)@tcp\((?P<host>[^:)]*):?(?P<port>\d*)\)/(?P<db>\w*)(\?.*)?$")


def open_engine(url: str) -> sa.Engine:
    m = _SQLFLOW_MYSQL.match(url)
    if m:
        u = sa.URL.create("mysql+pymysql", m["user"], m["password"], m["host"], int(m["port"] or 3306), m["db"] or None)
        return sa.create_engine(u)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        folder = os.path.dirname(os.path.abspath(path))
        engine = sa.create_engine(url)

        @sa.event.listens_for(engine, "connect")
        def _attach(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            for db in ("iris", "diabetes", "sqlflow_models"):
                dbapi_conn.execute(f"ATTACH DATABASE ? AS {db}", (os.path.join(folder, f"{db}.db"),))

        return engine
    return sa.create_engine(url)
