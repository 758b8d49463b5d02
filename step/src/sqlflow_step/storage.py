"""Models stored in the database, under the INTO name, as SQLFlow's sqlfs did: a table
(id INT, block TEXT) of base64 blocks of at most 32 KiB raw bytes each.

Payload: `0x%08x` (length of the metadata JSON), the metadata JSON, then the model bytes —
XGBoost's own UBJSON for boosters, a pickle for scikit-learn models. Pickles are only safe to
load from a database you trust, as are SQLFlow's tarballs; they are tied to the scikit-learn
minor version, which the metadata records and loading checks.
"""

from __future__ import annotations

import base64
import json
import platform
from typing import Any

import sqlalchemy as sa

from .datasource import Datasource, quote_table, split_table
from .dberrors import driver_message
from .errors import StepError

BLOCK = 32 * 1024
FORMAT = 1  # bump when the payload layout changes


def versions() -> dict[str, str]:
    import numpy
    import sklearn
    import xgboost

    from . import __version__

    return {"python": platform.python_version(), "numpy": numpy.__version__, "scikit-learn": sklearn.__version__,
            "xgboost": xgboost.__version__, "sqlflow-step": __version__}


def save(ds: Datasource, name: str, meta: dict[str, Any], payload: bytes) -> None:
    meta = {**meta, "format": FORMAT, "versions": versions()}
    head = json.dumps(meta, sort_keys=True).encode()
    data = f"0x{len(head):08x}".encode() + head + payload
    db, _ = split_table(name)
    if db:
        ds.ensure_database(db)
    t = quote_table(ds, name)
    rows = [{"id": i, "block": base64.b64encode(data[o : o + BLOCK]).decode()} for i, o in enumerate(range(0, len(data), BLOCK))]
    text_type = "TEXT" if ds.is_sqlite else "MEDIUMTEXT"
    try:
        with ds.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {t}")
            conn.exec_driver_sql(f"CREATE TABLE {t} (id INT, block {text_type}, PRIMARY KEY (id))")
            conn.execute(sa.text(f"INSERT INTO {t} (id, block) VALUES (:id, :block)"), rows)
    except sa.exc.DBAPIError as e:
        raise StepError(f"saving model {name} failed: {ds.scrub(driver_message(e))}") from None


def load(ds: Datasource, name: str) -> tuple[dict[str, Any], bytes]:
    t = quote_table(ds, name)
    try:
        with ds.engine.connect() as conn:
            blocks = [r[0] for r in conn.exec_driver_sql(f"SELECT block FROM {t} ORDER BY id")]
    except sa.exc.DBAPIError as e:
        raise StepError(
            f"Can't open sqlfs {name}, open: {ds.scrub(driver_message(e))}: train it first with "
            f"SELECT … TO TRAIN … INTO {name}"
        ) from None
    data = b"".join(base64.b64decode(b) for b in blocks)
    try:
        n = int(data[:10], 16)
        meta = json.loads(data[10 : 10 + n])
    except (ValueError, json.JSONDecodeError):
        raise StepError(f"table {name} does not hold a model saved by this step runtime: retrain it with TO TRAIN … INTO {name}") from None
    if meta.get("format") != FORMAT:
        raise StepError(f"model {name} has storage format {meta.get('format')}; this step reads format {FORMAT}: retrain it")
    return meta, data[10 + n :]


def check_compatible(name: str, meta: dict[str, Any]) -> None:
    """Refuse models a different library version would misread."""
    saved = meta.get("versions", {})
    here = versions()
    lib = "xgboost" if meta.get("family") == "xgboost" else "scikit-learn"
    a, b = saved.get(lib, "?"), here[lib]
    same = a.split(".")[:2] == b.split(".")[:2] if lib == "scikit-learn" else int(a.split(".")[0]) <= int(b.split(".")[0])
    if not same:
        raise StepError(
            f"model {name} was trained with {lib} {a}, but this step runtime has {lib} {b}, which cannot read it: "
            f"retrain the model (TO TRAIN … INTO {name}) or run a step image with {lib} {a}"
        )
