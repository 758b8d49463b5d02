"""The WITH attributes each estimator takes, checked before any data is read.

Messages follow SQLFlow's (`unsupported attribute model.xyz`,
`attribute train.epoch must be of type int, but got float`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import AttributeCheckError


@dataclass(frozen=True)
class Attr:
    type: type | tuple[type, ...]
    default: Any = None
    check: tuple[Any, ...] | None = None  # allowed values
    minimum: float | None = None
    doc: str = ""


_TYPE_NAMES = {int: "int", float: "float", str: "string", bool: "bool", list: "list"}

TRAIN_COMMON = {
    "train.epoch": Attr(int, 1, minimum=1),
    "train.batch_size": Attr(int, -1),
    "train.verbose": Attr(int, 0, check=(0, 1, 2)),
    "train.max_steps": Attr(int, 0),
    "train.save_checkpoints_steps": Attr(int, 100),
    "train.log_every_n_iter": Attr(int, 10),
    "validation.select": Attr(str, ""),
    "validation.metrics": Attr(str, ""),
    "validation.steps": Attr(int, 1),
    "validation.start_delay_secs": Attr(int, 0),
    "validation.throttle_secs": Attr(int, 0),
}
_NN = {
    "model.hidden_units": Attr(list, None),
    "model.optimizer": Attr(str, "Adam", check=("Adam", "SGD", "Adagrad")),
    "optimizer.learning_rate": Attr(float, 0.01, minimum=0),
    "model.activation_fn": Attr(str, "relu", check=("relu", "tanh", "logistic", "identity")),
    "model.dropout": Attr(float, None),
    "model.batch_norm": Attr(bool, False),
    "model.l2": Attr(float, 0.0001, minimum=0),
}
_CLASSES = {"model.n_classes": Attr(int, 2, minimum=2), "model.label_vocabulary": Attr(list, None)}
_LINEAR = {"optimizer.learning_rate": Attr(float, 0.01, minimum=0), "model.l2": Attr(float, 0.0001, minimum=0)}
_TREES = {
    "model.n_trees": Attr(int, 100, minimum=1),
    "model.max_depth": Attr(int, 6, minimum=1),
    "model.learning_rate": Attr(float, 0.1, minimum=0),
    "model.n_batches_per_layer": Attr(int, 1),
    "model.l2_regularization": Attr(float, 0.0, minimum=0),
}
XGB_OBJECTIVES = (
    "binary:hinge", "binary:logistic", "binary:logitraw", "multi:softmax", "multi:softprob", "rank:map",
    "rank:ndcg", "rank:pairwise", "reg:gamma", "reg:linear", "reg:logistic", "reg:squarederror",
    "reg:squaredlogerror", "reg:tweedie", "survival:cox",
)
_XGB = {
    "objective": Attr(str, None, check=XGB_OBJECTIVES),
    "num_class": Attr(int, None, minimum=2),
    "eta": Attr(float, 0.3, minimum=0),
    "eval_metric": Attr(str, None),
    "max_depth": Attr(int, None, minimum=0),
    "min_child_weight": Attr(float, None, minimum=0),
    "subsample": Attr(float, None, minimum=0),
    "colsample_bytree": Attr(float, None, minimum=0),
    "colsample_bylevel": Attr(float, None, minimum=0),
    "gamma": Attr(float, None, minimum=0),
    "lambda": Attr(float, None, minimum=0),
    "alpha": Attr(float, None, minimum=0),
    "max_bin": Attr(int, None, minimum=2),
    "tree_method": Attr(str, None, check=("auto", "exact", "approx", "hist")),
    "scale_pos_weight": Attr(float, None),
    "base_score": Attr(float, None),
    "seed": Attr(int, None),
    "nthread": Attr(int, None),
    "rate_drop": Attr(float, None),
    "skip_drop": Attr(float, None),
    "train.num_boost_round": Attr(int, 10, minimum=1),
    "train.disk_cache": Attr(bool, False),
    "train.num_workers": Attr(int, 1, minimum=1),
}

#: Estimator name (case-insensitive) → (family, attributes).
ESTIMATORS: dict[str, tuple[str, dict[str, Attr]]] = {
    "dnnclassifier": ("nn_classifier", {**_NN, **_CLASSES}),
    "dnnregressor": ("nn_regressor", dict(_NN)),
    "linearclassifier": ("linear_classifier", {**_LINEAR, **_CLASSES}),
    "linearregressor": ("linear_regressor", dict(_LINEAR)),
    "boostedtreesclassifier": ("trees_classifier", {**_TREES, **_CLASSES}),
    "boostedtreesregressor": ("trees_regressor", dict(_TREES)),
    "kmeans": ("kmeans", {"model.n_clusters": Attr(int, 8, minimum=1), "model.max_iter": Attr(int, 300, minimum=1),
                          "model.seed": Attr(int, 0)}),
    "xgboost.gbtree": ("xgboost", _XGB),
    "xgboost.gblinear": ("xgboost", _XGB),
    "xgboost.dart": ("xgboost", _XGB),
}
SUPPORTED = "DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor, BoostedTreesClassifier, " \
            "BoostedTreesRegressor, KMeans, xgboost.gbtree, xgboost.gblinear, xgboost.dart"


def estimator_family(name: str) -> tuple[str, str, dict[str, Attr]]:
    """(canonical lower-case name, family, attributes); the part after the last / is the estimator."""
    short = name.rsplit("/", 1)[-1]
    key = short.lower()
    if key.startswith("sqlflow_models."):
        key = key.removeprefix("sqlflow_models.")
    if key not in ESTIMATORS:
        if key.startswith("xgboost."):
            raise AttributeCheckError(
                f"unsupported model name {short}, currently supports xgboost.gbtree, xgboost.gblinear, xgboost.dart"
            )
        raise AttributeCheckError(f"unsupported model {short}: this step runtime trains {SUPPORTED}")
    family, attrs = ESTIMATORS[key]
    return key, family, {**TRAIN_COMMON, **attrs}


def check(values: dict[str, Any], allowed: dict[str, Attr], ignore_prefixes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Attributes with defaults filled in; raises AttributeCheckError for unknown or ill-typed ones."""
    out = {k: a.default for k, a in allowed.items()}
    for key, value in values.items():
        if key.startswith(ignore_prefixes):
            continue
        a = allowed.get(key)
        if a is None:
            raise AttributeCheckError(f"unsupported attribute {key}")
        out[key] = coerce(key, value, a)
    return out


def coerce(key: str, value: Any, a: Attr) -> Any:
    types = a.type if isinstance(a.type, tuple) else (a.type,)
    v = value
    if float in types and isinstance(v, int) and not isinstance(v, bool):
        v = float(v)
    if not any(isinstance(v, t) and not (t is int and isinstance(v, bool)) for t in types):
        want = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
        got = _TYPE_NAMES.get(type(value), type(value).__name__)
        raise AttributeCheckError(f"attribute {key} must be of type {want}, but got {got}")
    if a.check is not None:
        if isinstance(v, str):
            match = [c for c in a.check if str(c).lower() == v.lower()]
            if not match:
                raise AttributeCheckError(f"attribute {key} error: expected value in {list(a.check)}, actual: {v}")
            v = match[0]
        elif v not in a.check:
            raise AttributeCheckError(f"attribute {key} error: expected value in {list(a.check)}, actual: {v}")
    if a.minimum is not None and isinstance(v, (int, float)) and v < a.minimum:
        raise AttributeCheckError(f"attribute {key} error: range check {a.minimum} <= {v} failed")
    if isinstance(v, list) and key == "model.hidden_units" and not all(isinstance(x, int) and x > 0 for x in v):
        raise AttributeCheckError(f"attribute {key} must be a list of positive ints, e.g. [10, 20], but got {v}")
    return v
