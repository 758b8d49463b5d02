"""TO TRAIN: check attributes, derive features from a sample, read, fit with progress, save."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from . import features as fc
from .ast import Statement
from .attributes import check, estimator_family
from .data import label_column, read
from .datasource import Datasource
from .errors import StepError
from .modelref import load_model
from .models import build, fit
from .storage import save

Emit = Callable[[str], None]


def execute_train(ds: Datasource, st: Statement, emit: Emit) -> None:
    assert st.into is not None
    name, family, allowed = estimator_family(st.estimator)
    attrs = check(st.attribute_values(), allowed)  # before any data is read
    if family != "kmeans" and st.label is None:
        raise StepError(f"TO TRAIN {st.estimator} needs LABEL <column>: only KMeans trains without a label")
    if len({g.target for g in st.columns}) > 1:
        raise StepError("COLUMN … FOR <target> groups are only used by DNNLinearCombined* models, which this step runtime does not train")
    sample = read(ds, st.select, limit=1000)
    label = label_column(sample, st.label.name) if st.label is not None else None
    selected = [c for c in sample.columns if c != label]
    explicit: list[dict[str, Any]] = []
    for g in st.columns:
        for e in g.columns:
            explicit.extend(fc.from_expr(e, selected))
    features = fc.derive(sample, explicit, label, family)
    warm = None
    if st.using:
        warm, warm_meta = load_model(ds, st.using, verb="load ")
        if warm.family != family:
            raise StepError(f"USING {st.using}: that model is a {warm_meta['estimator']}, not a {st.estimator}; warm start needs the same model")
        if warm_meta["features"] != features:
            raise StepError(f"USING {st.using}: its features differ from this SELECT's; warm start needs the same columns")
    df = read(ds, st.select)
    if df.empty:
        raise StepError(f"query {st.select} gives 0 row")
    onehot = family not in ("xgboost", "trees_classifier", "trees_regressor")
    x = fc.transform(features, df, onehot)
    classes = _classes(family, attrs, df[label]) if label is not None else None
    y = _encode_label(df[label], classes) if label is not None else None
    label_type = _label_type(df[label], classes) if label is not None else "INT"
    del df  # the model only needs the matrix: free the frame before fitting (it is the step's largest object)
    val = None
    if attrs.get("validation.select"):
        vdf = read(ds, attrs["validation.select"])
        if label is not None:
            vlabel = label_column(vdf, label)
            val = (fc.transform(features, vdf, onehot), _encode_label(vdf[vlabel], classes))
    model = build(family, name, attrs, None if classes is None else len(classes))
    if classes is not None:
        model.classes = classes
    if warm is not None and classes is not None and warm.classes != classes:
        model.classes = warm.classes
    emit(f"Start training {st.estimator} model...")
    result = fit(model, x, y, val, warm, emit)
    emit(f"Evaluation result: {result}")
    meta = {
        "original_sql": st.text.strip(),
        "select": st.select,
        "validation_select": attrs.get("validation.select") or "",
        "estimator": name,
        "class_name": st.estimator,
        "family": family,
        "attributes": model.attrs,
        "features": features,
        "feature_names": fc.names(features, onehot),
        "label": label,
        "label_type": label_type,
        "classes": _json_safe(model.classes),
        "evaluation": result,
    }
    save(ds, st.into, meta, model.to_bytes())
    emit(f"Done training. Model saved in {st.into}")


def _classes(family: str, attrs: dict[str, Any], y: pd.Series) -> list[Any] | None:
    if family in ("nn_regressor", "linear_regressor", "trees_regressor", "kmeans"):
        return None
    if family == "xgboost":
        obj = attrs.get("objective") or ""
        if not obj.startswith(("binary:", "multi:")):
            return None
    values = sorted(y.dropna().unique().tolist())
    n = attrs.get("model.n_classes") or attrs.get("num_class")
    if all(isinstance(v, (int, np.integer)) for v in values) and values and min(values) >= 0:
        top = max(int(max(values)) + 1, n or 0)
        if n is not None and max(values) >= n:
            raise StepError(f"the label holds class {max(values)}, but model.n_classes is {n}: set model.n_classes={int(max(values)) + 1}")
        return list(range(top))
    if n is not None and len(values) > n:
        raise StepError(f"the label has {len(values)} classes, but n_classes is {n}: raise it")
    return values


def _encode_label(y: pd.Series, classes: list[Any] | None) -> np.ndarray:
    if y.isna().any():
        raise StepError(f"the label column {y.name} holds NULLs: filter them out in the SELECT")
    if classes is None:
        return pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    index = {c: i for i, c in enumerate(classes)}
    unknown = [v for v in y.unique() if v not in index]
    if unknown:
        raise StepError(f"label value {unknown[0]!r} is not one of the model's classes {classes[:10]}")
    return y.map(index).to_numpy(dtype=int)


def _label_type(y: pd.Series, classes: list[Any] | None) -> str:
    if pd.api.types.is_integer_dtype(y):
        return "INT" if classes is not None else "DOUBLE"
    if pd.api.types.is_float_dtype(y):
        return "DOUBLE"
    return "VARCHAR(255)"


def _json_safe(v: Any) -> Any:
    if v is None:
        return None
    return [x.item() if hasattr(x, "item") else x for x in v]
