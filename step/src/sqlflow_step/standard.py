"""Standard SQL: run as is. A result set prints as protobuf-text head/row lines, streamed in
pages of 1000 rows; anything else prints SQLFlow's `N rows affected` / `OK` line."""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa

from .datasource import Datasource
from .dberrors import driver_message
from .encoding import head_line, kind_for_sql_type, row_line
from .errors import StepError

PAGE_SIZE = 1000  # SQLFlow's tablePageSize

# PyMySQL FIELD_TYPE codes → the wrapper SQLFlow used (the notes' type table).
_MYSQL_KINDS = {
    1: "Int32Value", 2: "Int32Value", 3: "Int32Value", 9: "Int32Value",  # TINY SHORT LONG INT24
    8: "Int64Value", 0: "Int64Value", 246: "Int64Value",  # LONGLONG DECIMAL NEWDECIMAL
    4: "DoubleValue", 5: "DoubleValue",  # FLOAT DOUBLE
    15: "StringValue", 253: "StringValue", 254: "StringValue", 247: "StringValue", 248: "StringValue",
}
_CREATE_DB = re.compile(r"^\s*CREATE\s+(?:DATABASE|SCHEMA)\s+(IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?\s*$", re.I)
_DROP_DB = re.compile(r"^\s*DROP\s+(?:DATABASE|SCHEMA)\s+(IF\s+EXISTS\s+)?`?(\w+)`?\s*$", re.I)
_SHOW = re.compile(r"^\s*SHOW\s+(DATABASES|TABLES)\s*$", re.I)
_DESC = re.compile(r"^\s*(?:DESC|DESCRIBE)\s+`?(\w+)`?(?:\.`?(\w+)`?)?\s*$", re.I)


def run_standard(ds: Datasource, sql: str, emit: Callable[[str], None]) -> None:
    if ds.is_sqlite:
        sql = _sqlite_equivalent(ds, sql, emit)
        if not sql:
            return
    try:
        with ds.engine.connect() as conn:
            # no_parameters: the text reaches the driver verbatim (a % or :x is not a bind).
            result = conn.execution_options(no_parameters=True, stream_results=True).exec_driver_sql(sql)
            if result.returns_rows:
                _print_rows(result, emit)
            else:
                n = result.rowcount
                emit("OK" if n < 0 else f"{n} rows affected" if n > 1 else f"{n} row affected")
            conn.commit()
    except sa.exc.DBAPIError as e:
        verb = "runQuery" if sql.lstrip()[:6].upper() in ("SELECT", "SHOW", "DESC", "EXPLAI", "WITH") else "runExec"
        raise StepError(f"{verb} failed: {ds.scrub(driver_message(e))}") from None


def _print_rows(result: sa.CursorResult, emit: Callable[[str], None]) -> None:
    cursor = result.cursor
    description = cursor.description or []
    names = [d[0] for d in description]
    kinds = [_kind(d[1]) for d in description]
    emit(head_line(names))
    while True:
        page = result.fetchmany(PAGE_SIZE)
        if not page:
            return
        for row in page:
            emit(row_line(tuple(row), kinds))


def _kind(type_code: object) -> str | None:
    if isinstance(type_code, int):
        return _MYSQL_KINDS.get(type_code)
    if isinstance(type_code, str):
        return kind_for_sql_type(type_code)
    return None  # SQLite reports no types: decide by the value


def _sqlite_equivalent(ds: Datasource, sql: str, emit: Callable[[str], None]) -> str:
    """SQLite has no CREATE DATABASE, SHOW or DESC: give them MySQL's meaning over attached files."""
    if m := _CREATE_DB.match(sql):
        from .datasource import sqlite_folder

        folder = sqlite_folder(ds.engine)
        exists = folder is not None and (folder / f"{m[2]}.db").exists()
        if exists and not m[1]:
            raise StepError(f"runExec failed: Can't create database '{m[2]}'; database exists (add IF NOT EXISTS)")
        ds.ensure_database(m[2])
        emit("1 row affected" if not exists else "0 row affected")
        return ""
    if m := _DROP_DB.match(sql):
        from .datasource import sqlite_folder

        folder = sqlite_folder(ds.engine)
        path = folder / f"{m[2]}.db" if folder else None
        if path is None or not path.exists():
            if not m[1]:
                raise StepError(f"runExec failed: Can't drop database '{m[2]}'; database doesn't exist")
            emit("0 row affected")
            return ""
        path.unlink()
        emit("0 row affected")
        return ""
    if m := _SHOW.match(sql):
        if m[1].upper() == "DATABASES":
            return "SELECT name AS `Database` FROM pragma_database_list WHERE name NOT IN ('main', 'temp') ORDER BY name"
        return "SELECT name AS Tables_in_main FROM sqlite_master WHERE type = 'table' ORDER BY name"
    if m := _DESC.match(sql):
        schema, table = (m[1], m[2]) if m[2] else ("main", m[1])
        return (
            f"SELECT name AS Field, type AS Type, CASE WHEN \"notnull\" THEN 'NO' ELSE 'YES' END AS \"Null\", "
            f"dflt_value AS \"Default\" FROM pragma_table_info('{table}', '{schema}')"
        )
    return sql
