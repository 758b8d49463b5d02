"""TO EVALUATE model LABEL c INTO t: one row (loss, <metric>…), as VARCHAR(255) like SQLFlow."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn import metrics as skm

from . import features as fc
from .ast import Statement
from .data import label_column, read
from .datasource import Datasource
from .errors import StepError
from .metrics import metric
from .modelref import load_model
from .result_table import insert, recreate
from .train import _encode_label


def execute_evaluate(ds: Datasource, st: Statement, emit: Callable[[str], None]) -> None:
    assert st.into is not None and st.label is not None
    attrs = st.attribute_values()
    unknown = [k for k in attrs if k != "validation.metrics"]
    if unknown:
        raise StepError(f"unsupported attribute {unknown[0]} (TO EVALUATE takes validation.metrics)")
    model, meta = load_model(ds, st.model)
    default = "Accuracy" if model.is_classifier else "MSE"
    names = [n.strip() for n in str(attrs.get("validation.metrics") or default).split(",") if n.strip()]
    fns = [metric(n) for n in names]  # unknown names fail before the data is read
    df = read(ds, st.select)
    if df.empty:
        raise StepError(f"query {st.select} gives 0 row: nothing to evaluate")
    label = label_column(df, st.label.name)
    x = fc.transform(meta["features"], df, model.onehot)
    y = _encode_label(df[label], model.classes)
    raw = np.asarray(model.predict_raw(x))
    proba = model.predict_proba(x)
    if model.is_classifier:
        loss = skm.log_loss(y, proba, labels=list(range(proba.shape[1]))) if proba is not None else 0.0
    else:
        loss = skm.mean_squared_error(y, raw)
    values = {"loss": float(loss)}
    for n, f in zip(names, fns):
        values[n] = float(f(y, raw, proba))
    recreate(ds, st.into, [(c, "VARCHAR(255)") for c in values])
    insert(ds, st.into, list(values), [{k: str(v) for k, v in values.items()}])
    emit(f"Evaluation result: {values}")
    emit(f"Saved in {st.into}.")
