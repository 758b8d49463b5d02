"""Feature columns: COLUMN expressions (or derivation from the data) → a numeric matrix.

A feature is a JSON-safe dict, stored with the model so PREDICT encodes rows the same way.
Categorical features (CATEGORY_ID, CATEGORY_HASH, BUCKET, CROSS, string vocabularies) become
one-hot columns for neural and linear models (INDICATOR and EMBEDDING both mean one-hot here)
and a single integer column for tree models, which split on ids directly.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import numpy as np
import pandas as pd

from .ast import Expr
from .errors import StepError

_DENSE_CSV = re.compile(r"^\s*-?\d+(\.\d*)?([eE][-+]?\d+)?(\s*,\s*-?\d+(\.\d*)?([eE][-+]?\d+)?)+\s*$")
_NO_XGB = {"embedding", "cross"}


def resolve(columns: list[str], name: str, where: str = "column clause") -> list[str]:
    """A COLUMN name: a selected field (case-insensitive), else a regex ^name$ over the fields."""
    exact = [c for c in columns if c.lower() == name.lower()]
    if exact:
        return exact[:1]
    try:
        pattern = re.compile(f"^{name}$", re.I)
    except re.error:
        pattern = None
    matched = [c for c in columns if pattern is not None and pattern.match(c)]
    if not matched:
        raise StepError(f"'{name}' in '{where}' does not match any selected fields ({', '.join(columns)})")
    return matched


def from_expr(e: Expr, columns: list[str]) -> list[dict[str, Any]]:
    """One COLUMN item → features (a regex can name several columns)."""
    if e.kind == "identifier":
        if e.value == "*":
            return []
        return [{"kind": "numeric", "column": c} for c in resolve(columns, e.value)]
    if e.kind != "call":
        raise StepError(f"parse FeatureColumn failed: not supported expr: {e.text}")
    fn = str(e.value).upper()
    args = e.items

    def col(i: int) -> str:
        a = args[i] if i < len(args) else None
        if a is None or a.kind not in ("identifier", "call"):
            raise StepError(f"{fn}: argument {i + 1} must be a column name, got {a.text if a else 'nothing'} in {e.text}")
        if a.kind == "call":
            inner = from_expr(a, columns)
            if len(inner) != 1 or inner[0]["kind"] not in ("numeric", "dense"):
                raise StepError(f"{fn}: argument {i + 1} must be a column or DENSE(column), got {a.text}")
            return inner[0]["column"]
        return resolve(columns, a.value)[0]

    def integer(i: int, what: str) -> int:
        a = args[i] if i < len(args) else None
        if a is None or a.kind != "number" or not isinstance(a.value, int) or a.value <= 0:
            raise StepError(f"{fn}: {what} must be a positive integer, in {e.text}")
        return a.value

    if fn == "DENSE":
        shape = integer(1, "shape") if len(args) > 1 and args[1].kind == "number" else None
        return [{"kind": "dense", "column": col(0), "shape": shape}]
    if fn == "CATEGORY_ID":
        if args and args[0].kind == "call":
            raise StepError(f"CATEGORY_ID over {args[0].text} (SPARSE/DENSE input) is not supported: use CATEGORY_ID(column, bucket)")
        return [{"kind": "category_id", "column": col(0), "size": integer(1, "bucket size")}]
    if fn == "CATEGORY_HASH":
        return [{"kind": "category_hash", "column": col(0), "size": integer(1, "hash bucket size")}]
    if fn == "BUCKET":
        if len(args) < 2 or args[1].kind != "list" or not args[1].items:
            raise StepError(f"BUCKET: the second argument must be a list of boundaries, e.g. BUCKET(c, [1, 10]), in {e.text}")
        bounds = [float(b.value) for b in args[1].items if b.kind == "number"]
        if len(bounds) != len(args[1].items) or any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])):
            raise StepError(f"BUCKET: boundaries must be numbers in strictly ascending order, in {e.text}")
        return [{"kind": "bucket", "column": col(0), "bounds": bounds, "size": len(bounds) + 1}]
    if fn in ("INDICATOR", "EMBEDDING"):
        if not args:
            raise StepError(f"{fn} needs a categorical column, e.g. {fn}(CATEGORY_ID(c, 10))")
        inner = from_expr(args[0], columns) if args[0].kind == "call" else [{"kind": "category_id", "column": col(0), "size": None}]
        if len(inner) != 1 or inner[0]["kind"] not in ("category_id", "category_hash", "bucket", "cross"):
            raise StepError(f"{fn}: the argument must be CATEGORY_ID, CATEGORY_HASH, BUCKET or CROSS, in {e.text}")
        return [{**inner[0], "wrap": fn.lower()}]
    if fn == "CROSS":
        if not args or args[0].kind != "list" or len(args[0].items) < 2:
            raise StepError(f"CROSS: the first argument must be a list of at least two columns, in {e.text}")
        names = [resolve(columns, i.value)[0] for i in args[0].items if i.kind == "identifier"]
        if len(names) != len(args[0].items):
            raise StepError(f"CROSS: the list may only hold column names, in {e.text}")
        return [{"kind": "cross", "columns": names, "size": integer(1, "hash bucket size")}]
    if fn in ("NUMERIC", "SPARSE", "SEQ_CATEGORY_ID", "WEIGHTED_CATEGORY"):
        raise StepError(f"parse FeatureColumn failed: {fn} is not supported by this step runtime; see step/README.md")
    raise StepError(f"parse FeatureColumn failed: not supported expr: {fn}")


def derive(sample: pd.DataFrame, features: list[dict[str, Any]], label: str | None, family: str) -> list[dict[str, Any]]:
    """Every selected column except the label that COLUMN did not cover becomes a feature (SQLFlow's rule)."""
    if sample.empty:
        raise StepError("fillFieldDesc: empty dataset: the SELECT returned no rows to train on")
    covered = set()
    for f in features:
        covered.update(f.get("columns", [f.get("column")]))
    derived: list[dict[str, Any]] = []
    for c in sample.columns:
        if c == label or c in covered:
            continue
        derived.append(_derive_one(sample[c], c))
    ordered = [f for f in features if f["kind"] != "cross"] + derived
    # Features in SELECT order, multi-column ones (CROSS) last.
    position = {c: i for i, c in enumerate(sample.columns)}
    ordered.sort(key=lambda f: position.get(f.get("column", ""), len(position)))
    out = ordered + [f for f in features if f["kind"] == "cross"]
    if family == "xgboost":
        for f in out:
            if f.get("wrap") == "embedding" or f["kind"] in _NO_XGB:
                what = "EMBEDDING" if f.get("wrap") == "embedding" else f["kind"].upper()
                raise StepError(f"{what} is not supported in XGBoost models: use CATEGORY_ID, CATEGORY_HASH or BUCKET")
    for f in out:
        if f["kind"] == "category_id" and f.get("size") is None:
            col = sample[f["column"]]
            if not pd.api.types.is_integer_dtype(col.dropna()):
                raise StepError(f"INDICATOR({f['column']}): the column must hold integer ids, or use CATEGORY_HASH")
            f["size"] = int(col.max()) + 1
    if not out:
        raise StepError("no feature columns: the SELECT has no column besides the label")
    return out


def _derive_one(col: pd.Series, name: str) -> dict[str, Any]:
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return {"kind": "numeric", "column": name}
    first = col.dropna().astype(str)
    if first.empty:
        return {"kind": "numeric", "column": name}
    head = first.iloc[0]
    if _DENSE_CSV.match(head):
        return {"kind": "dense", "column": name, "shape": len(head.split(","))}
    if re.match(r"^\s*\d+:\S+(\s+\d+:\S+)*\s*$", head):
        raise StepError(f'should use "COLUMN SPARSE({name})" for the key-value format data; SPARSE is not supported by this step runtime')
    try:
        pd.to_numeric(first)
        return {"kind": "numeric", "column": name}
    except (ValueError, TypeError):
        pass
    vocab = sorted(set(first))
    return {"kind": "vocabulary", "column": name, "vocabulary": vocab, "size": len(vocab) + 1}


def _stable_hash(values: pd.Series, size: int) -> np.ndarray:
    # crc32, not hash(): Python's string hash changes per process, the model must not.
    return np.fromiter((zlib.crc32(str(v).encode()) % size for v in values), dtype=np.int64, count=len(values))


def _ids(f: dict[str, Any], df: pd.DataFrame) -> np.ndarray:
    kind, size = f["kind"], f["size"]
    if kind == "category_id":
        v = pd.to_numeric(df[f["column"]], errors="coerce").fillna(-1).astype(np.int64).to_numpy()
        return np.where((v >= 0) & (v < size), v, size)  # out-of-range ids share one extra slot
    if kind == "category_hash":
        return _stable_hash(df[f["column"]], size)
    if kind == "bucket":
        v = pd.to_numeric(df[f["column"]], errors="coerce").to_numpy(dtype=float)
        return np.searchsorted(np.asarray(f["bounds"]), v, side="right")
    if kind == "cross":
        joined = df[f["columns"]].astype(str).agg("\x1f".join, axis=1)
        return _stable_hash(joined, size)
    if kind == "vocabulary":
        index = {v: i for i, v in enumerate(f["vocabulary"])}
        return np.fromiter((index.get(str(v), len(index)) for v in df[f["column"]]), dtype=np.int64, count=len(df))
    raise AssertionError(kind)


def names(features: list[dict[str, Any]], onehot: bool) -> list[str]:
    out: list[str] = []
    for f in features:
        base = f.get("column") or "_x_".join(f["columns"])
        if f["kind"] == "numeric":
            out.append(base)
        elif f["kind"] == "dense":
            out.extend(f"{base}_{i}" for i in range(f["shape"]))
        elif onehot:
            width = f["size"] + (1 if f["kind"] in ("category_id",) else 0)
            out.extend(f"{base}_{i}" for i in range(width))
        else:
            out.append(base)
    return out


def transform(features: list[dict[str, Any]], df: pd.DataFrame, onehot: bool) -> np.ndarray:
    """Rows → float matrix, in feature order."""
    blocks: list[np.ndarray] = []
    n = len(df)
    for f in features:
        missing = [c for c in f.get("columns", [f.get("column")]) if c not in df.columns]
        if missing:
            raise StepError(f"the predict statement doesn't contain column {missing[0]}")
        if f["kind"] == "numeric":
            blocks.append(pd.to_numeric(df[f["column"]], errors="coerce").to_numpy(dtype=float).reshape(n, 1))
        elif f["kind"] == "dense":
            parts = df[f["column"]].astype(str).str.split(",", expand=True)
            if parts.shape[1] != f["shape"]:
                raise StepError(
                    f"column {f['column']} should be csv format dense tensor of {f['shape']} element(s), "
                    f"but got {parts.shape[1]} element(s)"
                )
            blocks.append(parts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float))
        else:
            ids = _ids(f, df)
            if onehot:
                width = f["size"] + (1 if f["kind"] == "category_id" else 0)
                m = np.zeros((n, width))
                m[np.arange(n), np.clip(ids, 0, width - 1)] = 1.0
                blocks.append(m)
            else:
                blocks.append(ids.astype(float).reshape(n, 1))
    return np.hstack(blocks) if blocks else np.zeros((n, 0))


def feature_columns(features: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for f in features:
        for c in f.get("columns", [f.get("column")]):
            if c not in cols:
                cols.append(c)
    return cols
