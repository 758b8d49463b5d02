"""SQLFLOW_DATASOURCE → a SQLAlchemy engine. The one place that knows about dialects.

Accepted: SQLFlow's `mysql://user:pass@tcp(host:port)/db?…` (Go DSN form), and SQLAlchemy URLs
such as `mysql+pymysql://…` and `sqlite:///path/main.db`. On SQLite a qualified name `db.table`
means the table in `<folder of the main file>/<db>.db`: every such file is ATTACHed as `db` on
connect, and `CREATE DATABASE db` creates the file. Credentials never appear in errors.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from .errors import StepError

_SQLFLOW_MYSQL = re.compile(
    r"^mysql://(?P<user>[^:@/]*)(?::(?P<password>[^@]*))?@tcp\((?P<host>[^:)]*):?(?P<port>[0-9]*)\)/(?P<db>\w*)(?:\?(?P<query>.*))?$"
)
_NAME = re.compile(r"^\w+$")


class DatasourceError(StepError):
    pass


@dataclass
class Datasource:
    engine: sa.Engine
    #: Database named by the URL, prepended to unqualified model names; None when the URL has none.
    database: str | None
    secret: str | None  # the password, to scrub from any message

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def scrub(self, text: str) -> str:
        if self.secret:
            text = text.replace(self.secret, "***")
        return text

    def ensure_database(self, name: str) -> None:
        """SQLite: make `name` exist (a file beside the main one). Other dialects: the DBA's job."""
        if not self.is_sqlite:
            return
        folder = sqlite_folder(self.engine)
        if folder is None:
            raise DatasourceError(f"database {name}: an in-memory SQLite datasource has no folder for database files; use sqlite:///<folder>/main.db")
        if not _NAME.match(name):
            raise DatasourceError(f"database name {name!r} is not a plain name (letters, digits, _)")
        path = folder / f"{name}.db"
        if not path.exists():
            sqlite3.connect(path).close()


def sqlite_folder(engine: sa.Engine) -> Path | None:
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    return Path(db).resolve().parent


def describe(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def open_datasource(url: str | None) -> Datasource:
    if not url:
        raise DatasourceError(
            "dataSource should not be an empty string: set SQLFLOW_DATASOURCE, e.g. "
            "mysql://user:pass@tcp(127.0.0.1:3306)/?maxAllowedPacket=0 or sqlite:////path/main.db"
        )
    m = _SQLFLOW_MYSQL.match(url)
    if m:
        u = sa.URL.create(
            "mysql+pymysql",
            username=m["user"] or None,
            password=m["password"],
            host=m["host"] or "127.0.0.1",
            port=int(m["port"] or 3306),
            database=m["db"] or None,
            query={"charset": "utf8mb4"},
        )
        return Datasource(sa.create_engine(u, pool_pre_ping=False), m["db"] or None, m["password"] or None)
    if url.startswith("mysql://"):
        raise DatasourceError(
            f"datasource {describe(url)} is not in SQLFlow's form mysql://user:pass@tcp(host:port)/db; "
            "fix it or use a SQLAlchemy URL mysql+pymysql://user:pass@host:port/db"
        )
    try:
        u = sa.make_url(url)
    except Exception:
        raise DatasourceError(
            f"datasource {describe(url)} is not a URL: use mysql://user:pass@tcp(host:port)/db, "
            "mysql+pymysql://user:pass@host:port/db or sqlite:////path/main.db"
        ) from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        return _open_sqlite(u)
    if backend in ("mysql", "mariadb"):
        if u.drivername in ("mysql", "mariadb"):
            u = u.set(drivername=f"{backend}+pymysql")
        if "charset" not in u.query:
            u = u.update_query_dict({"charset": "utf8mb4"})
        return Datasource(sa.create_engine(u), u.database or None, u.password or None)
    raise DatasourceError(
        f"sqlflow currently doesn't support DB {backend} (datasource {describe(url)}); "
        "use MySQL/MariaDB (mysql://… or mysql+pymysql://…) or SQLite (sqlite:///…)"
    )


def _open_sqlite(u: sa.URL) -> Datasource:
    # NullPool: every connection attaches the database files that exist when it opens,
    # so a database created by one statement is visible to the next.
    engine = sa.create_engine(u, poolclass=NullPool)
    folder = sqlite_folder(engine)
    main = Path(u.database).resolve() if folder else None

    @sa.event.listens_for(engine, "connect")
    def _attach(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        if folder is None or not folder.is_dir():
            return
        for f in sorted(folder.glob("*.db")):
            if f.resolve() == main or not _NAME.match(f.stem) or f.stem in ("main", "temp"):
                continue
            dbapi_conn.execute(f'ATTACH DATABASE ? AS "{f.stem}"', (str(f),))

    if folder is not None:
        os.makedirs(folder, exist_ok=True)
    return Datasource(engine, None, None)


def split_table(name: str) -> tuple[str | None, str]:
    """`db.table` → (db, table); `table` → (None, table)."""
    parts = name.split(".")
    if len(parts) == 1:
        return None, parts[0]
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    raise DatasourceError(f"table name {name!r} should be table or db.table")


def quote_table(ds: Datasource, name: str) -> str:
    db, table = split_table(name)
    q = ds.engine.dialect.identifier_preparer.quote
    return f"{q(db)}.{q(table)}" if db else q(table)
