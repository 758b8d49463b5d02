"""TO PREDICT db.table.column USING model: the input columns plus the predicted column, in
batches of 10000 rows read and written as they stream (never the whole input in memory)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import features as fc
from .ast import Statement
from .data import read_chunks
from .datasource import Datasource
from .errors import StepError
from .modelref import load_model
from .result_table import insert, recreate, sql_type

BATCH = 10000


def result_target(into: str) -> tuple[str, str]:
    parts = into.split(".")
    if len(parts) == 3:
        return f"{parts[0]}.{parts[1]}", parts[2]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise StepError(f"invalid result table format {into}, should be [db.table.class_col] or [table.class_col]")


def execute_predict(ds: Datasource, st: Statement, emit: Callable[[str], None]) -> None:
    assert st.into is not None and st.using is not None
    table, column = result_target(st.into)
    attrs = st.attribute_values()
    unknown = [k for k in attrs if not k.startswith("predict.")]
    if unknown:
        raise StepError(f"unsupported attribute {unknown[0]} (TO PREDICT takes predict.*)")
    model, meta = load_model(ds, st.using)
    features = meta["features"]
    onehot = model.onehot
    label = meta.get("label") or ""
    emit(f"Start predicting using {meta['class_name']} model...")
    created = False
    keep: list[str] = []
    total = 0
    for chunk in read_chunks(ds, st.select, BATCH):
        if not created:
            missing = [c for c in fc.feature_columns(features) if c not in chunk.columns]
            if missing:
                raise StepError(f"the predict statement doesn't contain column {missing[0]} (the model was trained on it)")
            keep = [c for c in chunk.columns if c.lower() not in (label.lower(), column.lower())]
            recreate(ds, table, [(c, sql_type(chunk[c].dtype)) for c in keep] + [(column, meta["label_type"])])
            created = True
        pred = model.predict(fc.transform(features, chunk, onehot))
        rows = []
        for rec, p in zip(chunk[keep].to_dict("records"), pred):
            rec = {k: _py(v) for k, v in rec.items()}
            rec[column] = _py(p)
            rows.append(rec)
        insert(ds, table, keep + [column], rows)
        total += len(rows)
    if not created:
        raise StepError(f"query {st.select} gives 0 row: nothing to predict")
    emit(f"Done predicting. Predict table: {table} ({total} rows)")


def _py(v: object) -> object:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v
