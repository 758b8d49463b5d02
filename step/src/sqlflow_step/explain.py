"""TO EXPLAIN: XGBoost's own SHAP values (pred_contribs) for boosters, permutation importance
otherwise. INTO a table, or a bar chart printed as a `data:text/html,` line as SQLFlow did."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import numpy as np

from . import features as fc
from .ast import Statement
from .data import label_column, read
from .datasource import Datasource
from .errors import StepError
from .modelref import load_model
from .result_table import insert, recreate
from .train import _encode_label

_EXPLAINERS = ("treeexplainer", "xgboostexplainer", "permutationimportance", "")


def execute_explain(ds: Datasource, st: Statement, emit: Callable[[str], None]) -> None:
    attrs = st.attribute_values()
    for k in attrs:
        if not (k.startswith("summary.") or k in ("label_col", "shap_summary.plot_type")):
            raise StepError(f"unsupported attribute {k} (TO EXPLAIN takes label_col and summary.*)")
    explainer = (st.using or "").lower()
    if explainer not in _EXPLAINERS:
        raise StepError(f"unsupported explainer {st.using}: use TreeExplainer, XGBoostExplainer or PermutationImportance")
    model, meta = load_model(ds, st.model)
    if explainer == "xgboostexplainer" and st.into is None:
        raise StepError("USING XGBoostExplainer needs INTO <table> for (feature, fscore, gain)")
    df = read(ds, st.select)
    if df.empty:
        raise StepError(f"query {st.select} gives 0 row: nothing to explain")
    names = meta["feature_names"]
    x = fc.transform(meta["features"], df, model.onehot)
    if model.family == "xgboost" and explainer == "xgboostexplainer":
        fscore = model.estimator.get_score(importance_type="weight")
        gain = model.estimator.get_score(importance_type="gain")
        keys = sorted(set(fscore) | set(gain))
        recreate(ds, st.into, [("feature", "VARCHAR(255)"), ("fscore", "DOUBLE"), ("gain", "DOUBLE")])
        rows = [{"feature": _name(k, names), "fscore": float(fscore.get(k, 0)), "gain": float(gain.get(k, 0))} for k in keys]
        insert(ds, st.into, ["feature", "fscore", "gain"], rows)
        emit(f"Saved in {st.into}.")
        return
    if model.family == "xgboost" and explainer != "permutationimportance":
        import xgboost as xgb

        contribs = model.estimator.predict(xgb.DMatrix(x), pred_contribs=True)
        if contribs.ndim == 3:  # multi-class: (rows, classes, features+1); sum magnitudes over classes
            contribs = np.abs(contribs).sum(axis=1)
        contribs = contribs[:, :-1]  # the last column is the bias
        if st.into is not None:
            recreate(ds, st.into, [(n, "DOUBLE") for n in names])
            insert(ds, st.into, names, [dict(zip(names, map(float, r))) for r in contribs])
            emit(f"Saved in {st.into}.")
            return
        importance = np.abs(contribs).mean(axis=0)
        _figure(names, importance, "mean(|SHAP value|)", emit)
        return
    # Not a booster: permutation importance against the true label.
    from sklearn.inspection import permutation_importance

    label_name = attrs.get("label_col") or meta.get("label")
    if not label_name:
        raise StepError("need to specify WITH label_col=<label column> to explain a model trained without a label")
    label = label_column(df, str(label_name))
    y = _encode_label(df[label], model.classes)

    class _Scorer:
        def fit(self, *_a):  # type: ignore[no-untyped-def]
            return self

        def predict(self, xx):  # type: ignore[no-untyped-def]
            return model.predict_raw(xx)

    scoring = "accuracy" if model.is_classifier else "neg_mean_squared_error"
    r = permutation_importance(_Scorer(), x, y, scoring=scoring, n_repeats=5, random_state=0)
    if st.into is not None:
        recreate(ds, st.into, [("feature", "VARCHAR(255)"), ("importance", "DOUBLE"), ("std", "DOUBLE")])
        rows = [{"feature": n, "importance": float(m), "std": float(s)} for n, m, s in zip(names, r.importances_mean, r.importances_std)]
        insert(ds, st.into, ["feature", "importance", "std"], rows)
        emit(f"Saved in {st.into}.")
        return
    _figure(names, r.importances_mean, "permutation importance", emit)


def _name(key: str, names: list[str]) -> str:
    if key.startswith("f") and key[1:].isdigit() and int(key[1:]) < len(names):
        return names[int(key[1:])]
    return key


def _figure(names: list[str], values: np.ndarray, xlabel: str, emit: Callable[[str], None]) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display in a step container
    import matplotlib.pyplot as plt

    order = np.argsort(values)
    fig, ax = plt.subplots(figsize=(6, max(2.0, 0.35 * len(names) + 1)))
    ax.barh([names[i] for i in order], values[order])
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    b64 = base64.b64encode(buf.getvalue()).decode()
    emit(f"data:text/html, <div align='center'><img src='data:image/png;base64,{b64}' /></div>")
    emit("")
    emit("To view the content, paste the above data url to a web browser.")
