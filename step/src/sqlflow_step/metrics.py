"""Metric names of validation.metrics: SQLFlow's TF names, short names and sklearn.metrics names."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn import metrics as skm

from .errors import StepError


def _auc(y, pred, proba):  # type: ignore[no-untyped-def]
    if proba is None:
        raise StepError("AUC needs class probabilities, which this model does not give")
    if proba.shape[1] == 2:
        return skm.roc_auc_score(y, proba[:, 1])
    return skm.roc_auc_score(y, proba, multi_class="ovr", labels=list(range(proba.shape[1])))


def _avg(f):  # type: ignore[no-untyped-def]
    def m(y, pred, _proba):  # type: ignore[no-untyped-def]
        return f(y, pred, average="binary" if len(set(np.unique(y)) | set(np.unique(pred))) <= 2 else "macro", zero_division=0)

    return m


_TABLE: dict[str, Callable] = {
    "accuracy": lambda y, p, _: skm.accuracy_score(y, p),
    "precision": _avg(skm.precision_score),
    "recall": _avg(skm.recall_score),
    "f1": _avg(skm.f1_score),
    "auc": _auc,
    "mse": lambda y, p, _: skm.mean_squared_error(y, p),
    "meansquarederror": lambda y, p, _: skm.mean_squared_error(y, p),
    "rootmeansquarederror": lambda y, p, _: float(np.sqrt(skm.mean_squared_error(y, p))),
    "mae": lambda y, p, _: skm.mean_absolute_error(y, p),
    "meanabsoluteerror": lambda y, p, _: skm.mean_absolute_error(y, p),
    "meanabsolutepercentageerror": lambda y, p, _: 100 * skm.mean_absolute_percentage_error(y, p),
    "r2": lambda y, p, _: skm.r2_score(y, p),
    "accuracy_score": lambda y, p, _: skm.accuracy_score(y, p),
    "balanced_accuracy_score": lambda y, p, _: skm.balanced_accuracy_score(y, p),
    "cohen_kappa_score": lambda y, p, _: skm.cohen_kappa_score(y, p),
    "explained_variance_score": lambda y, p, _: skm.explained_variance_score(y, p),
    "f1_score": _avg(skm.f1_score),
    "precision_score": _avg(skm.precision_score),
    "recall_score": _avg(skm.recall_score),
    "hamming_loss": lambda y, p, _: skm.hamming_loss(y, p),
    "zero_one_loss": lambda y, p, _: skm.zero_one_loss(y, p),
    "mean_absolute_error": lambda y, p, _: skm.mean_absolute_error(y, p),
    "mean_squared_error": lambda y, p, _: skm.mean_squared_error(y, p),
    "mean_squared_log_error": lambda y, p, _: skm.mean_squared_log_error(y, p),
    "median_absolute_error": lambda y, p, _: skm.median_absolute_error(y, p),
    "r2_score": lambda y, p, _: skm.r2_score(y, p),
    "roc_auc_score": _auc,
    "log_loss": lambda y, _p, proba: skm.log_loss(y, proba, labels=list(range(proba.shape[1]))),
}


def metric(name: str) -> Callable:
    f = _TABLE.get(name.strip().lower())
    if f is None:
        raise StepError(f"unsupported metric: {name}; use one of Accuracy, Precision, Recall, F1, AUC, MSE, MAE, R2 or a sklearn.metrics name")
    return f
