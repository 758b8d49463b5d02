"""The estimators behind SQLFlow's model names, scikit-learn style: configured by attributes,
fit with progress lines as they go, predict. `Model` is what gets stored."""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import StepError

Emit = Callable[[str], None]


@dataclass
class Model:
    family: str
    estimator_name: str
    attrs: dict[str, Any]
    classes: list[Any] | None = None  # label values, for classifiers
    scaler: Any = None
    estimator: Any = None  # sklearn estimator, or xgboost Booster
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_classifier(self) -> bool:
        return self.classes is not None

    @property
    def onehot(self) -> bool:
        return self.family not in ("xgboost", "trees_classifier", "trees_regressor")

    # ---- storage ----
    def to_bytes(self) -> bytes:
        if self.family == "xgboost":
            return bytes(self.estimator.save_raw("ubj"))
        return pickle.dumps({"scaler": self.scaler, "estimator": self.estimator})

    def restore(self, payload: bytes) -> None:
        if self.family == "xgboost":
            import xgboost as xgb

            self.estimator = xgb.Booster(model_file=bytearray(payload))
        else:
            d = pickle.load(io.BytesIO(payload))
            self.scaler, self.estimator = d["scaler"], d["estimator"]

    # ---- prediction ----
    def _x(self, x: np.ndarray) -> np.ndarray:
        x = np.nan_to_num(x) if self.family != "xgboost" else x
        return self.scaler.transform(x) if self.scaler is not None else x

    def predict_raw(self, x: np.ndarray) -> np.ndarray:
        """Class indexes for classifiers, values for regressors, cluster ids for KMeans."""
        if self.family == "xgboost":
            import xgboost as xgb

            out = self.estimator.predict(xgb.DMatrix(x))
            obj = self.attrs.get("objective") or ""
            if obj == "multi:softprob" or out.ndim == 2:
                return out.argmax(axis=1)
            if obj in ("binary:logistic",):
                return (out > 0.5).astype(int)
            if obj in ("multi:softmax", "binary:hinge"):
                return out.astype(int)
            return out
        out = self.estimator.predict(self._x(x))
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        raw = self.predict_raw(x)
        if self.classes is not None:
            idx = np.clip(np.asarray(raw).astype(int), 0, len(self.classes) - 1)
            return np.asarray(self.classes, dtype=object)[idx]
        return raw

    def predict_proba(self, x: np.ndarray) -> np.ndarray | None:
        if not self.is_classifier:
            return None
        if self.family == "xgboost":
            import xgboost as xgb

            p = self.estimator.predict(xgb.DMatrix(x))
            if p.ndim == 1:
                if (self.attrs.get("objective") or "") != "binary:logistic":
                    return None
                p = np.column_stack([1 - p, p])
            return p
        if hasattr(self.estimator, "predict_proba"):
            return self.estimator.predict_proba(self._x(x))
        return None


def build(family: str, name: str, attrs: dict[str, Any], n_classes: int | None) -> Model:
    return Model(family=family, estimator_name=name, attrs=attrs,
                 classes=None if n_classes is None else list(range(n_classes)))


def fit(model: Model, x: np.ndarray, y: np.ndarray | None, val: tuple[np.ndarray, np.ndarray] | None,
        warm: Model | None, emit: Emit) -> dict[str, dict[str, float]]:
    """Trains in place; returns {'train': metrics, 'validate': metrics}."""
    a = model.attrs
    f = model.family
    if f == "xgboost":
        return _fit_xgboost(model, x, y, val, warm, emit)
    from sklearn.preprocessing import StandardScaler

    x = np.nan_to_num(x)
    if f in ("nn_classifier", "nn_regressor", "linear_classifier", "linear_regressor", "kmeans"):
        model.scaler = warm.scaler if warm is not None else StandardScaler().fit(x)
    xs = model.scaler.transform(x) if model.scaler is not None else x
    vx = None if val is None else (model.scaler.transform(np.nan_to_num(val[0])) if model.scaler is not None else np.nan_to_num(val[0]))
    epochs = a.get("train.epoch") or 1
    if f == "kmeans":
        from sklearn.cluster import KMeans

        init = warm.estimator.cluster_centers_ if warm is not None else "k-means++"
        km = KMeans(n_clusters=a["model.n_clusters"], max_iter=a["model.max_iter"], n_init=1 if warm is not None else 10,
                    init=init, random_state=a["model.seed"])
        km.fit(xs)
        model.estimator = km
        emit(f"KMeans: {km.n_iter_} iterations, inertia {km.inertia_:.6g}")
        return {"train": {"inertia": float(km.inertia_)}}
    if f in ("trees_classifier", "trees_regressor"):
        if warm is not None:
            raise StepError("USING (warm start) is not supported for BoostedTrees models: train without USING")
        from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

        cls = GradientBoostingClassifier if f == "trees_classifier" else GradientBoostingRegressor
        est = cls(n_estimators=0 or 1, max_depth=a["model.max_depth"], learning_rate=a["model.learning_rate"],
                  warm_start=True, random_state=0)
        n = a["model.n_trees"]
        step = max(1, n // 10)
        for done in range(step, n + step, step):
            est.n_estimators = min(done, n)
            est.fit(xs, y)
            line = f"[{est.n_estimators}]\ttrain-loss:{est.train_score_[-1]:.6f}"
            if vx is not None:
                line += f"\tvalidate-{_metric_name(model)}:{_score(model, est, vx, val[1]):.6f}"
            emit(line)
        model.estimator = est
        return _final(model, est, xs, y, vx, None if val is None else val[1])
    # neural and linear models: one partial_fit pass per epoch, so progress shows as it goes
    est = warm.estimator if warm is not None else _new_incremental(model)
    batch = a.get("train.batch_size") or -1
    rng = np.random.default_rng(0)
    classes = np.arange(len(model.classes)) if model.classes is not None else None
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(xs))
        size = min(len(xs), 8) if batch <= 0 else batch  # mini-batches: full-batch epochs barely move a network
        for start in range(0, len(xs), size):
            idx = order[start : start + size]
            if classes is not None:
                est.partial_fit(xs[idx], y[idx], classes=classes)
            else:
                est.partial_fit(xs[idx], y[idx])
        line = f"Epoch {epoch}/{epochs}: train-{_metric_name(model)}:{_score(model, est, xs, y):.6f}"
        if vx is not None:
            line += f"\tvalidate-{_metric_name(model)}:{_score(model, est, vx, val[1]):.6f}"
        emit(line)
    model.estimator = est
    return _final(model, est, xs, y, vx, None if val is None else val[1])


def _new_incremental(model: Model) -> Any:
    a, f = model.attrs, model.family
    if f.startswith("nn_"):
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        hidden = a.get("model.hidden_units")
        if not hidden:
            raise StepError(f"{model.estimator_name} missing 1 required attribute: 'hidden_units' (add WITH model.hidden_units=[10, 10])")
        solver = {"adam": "adam", "sgd": "sgd", "adagrad": "adam"}[a["model.optimizer"].lower()]
        kw = dict(hidden_layer_sizes=tuple(hidden), activation=a["model.activation_fn"], solver=solver,
                  learning_rate_init=a["optimizer.learning_rate"], alpha=a["model.l2"], random_state=0)
        return (MLPClassifier if f == "nn_classifier" else MLPRegressor)(**kw)
    from sklearn.linear_model import SGDClassifier, SGDRegressor

    if f == "linear_classifier":
        return SGDClassifier(loss="log_loss", alpha=a["model.l2"], learning_rate="constant",
                             eta0=a["optimizer.learning_rate"], random_state=0)
    return SGDRegressor(alpha=a["model.l2"], learning_rate="constant", eta0=a["optimizer.learning_rate"], random_state=0)


def _metric_name(model: Model) -> str:
    return "accuracy" if model.is_classifier else "mse"


def _score(model: Model, est: Any, x: np.ndarray, y: np.ndarray) -> float:
    p = est.predict(x)
    if model.is_classifier:
        return float(np.mean(p == y))
    return float(np.mean((p - y) ** 2))


def _final(model: Model, est: Any, x: np.ndarray, y: np.ndarray, vx: np.ndarray | None, vy: np.ndarray | None) -> dict:
    out = {"train": {_metric_name(model): _score(model, est, x, y)}}
    if vx is not None and vy is not None:
        out["validate"] = {_metric_name(model): _score(model, est, vx, vy)}
    return out


_XGB_SKIP = ("train.", "validation.")


def _fit_xgboost(model: Model, x: np.ndarray, y: np.ndarray | None, val, warm: Model | None, emit: Emit) -> dict:
    import xgboost as xgb

    a = model.attrs
    params = {k: v for k, v in a.items() if v is not None and not k.startswith(_XGB_SKIP)}
    params["booster"] = model.estimator_name.split(".", 1)[1]
    if "objective" not in params:
        params["objective"] = "multi:softprob" if model.classes and len(model.classes) > 2 else \
            "binary:logistic" if model.classes else "reg:squarederror"
        a["objective"] = params["objective"]
    if params["objective"].startswith("multi:"):
        if model.classes is None:
            raise StepError(f"objective {params['objective']} needs a classification label: add LABEL <column>")
        params.setdefault("num_class", len(model.classes))
        if params["num_class"] < len(model.classes):
            raise StepError(f"attribute num_class is {params['num_class']}, but the label has {len(model.classes)} classes: set num_class={len(model.classes)}")
        model.classes = list(model.classes) + list(range(len(model.classes), params["num_class"]))
    elif not params["objective"].startswith(("binary:",)):
        model.classes = None if params["objective"].startswith(("reg:", "survival:", "rank:")) else model.classes
    dtrain = xgb.DMatrix(x, label=y)
    evals = [(dtrain, "train")]
    if val is not None:
        evals.append((xgb.DMatrix(val[0], label=val[1]), "validate"))
    history: dict = {}

    class _Progress(xgb.callback.TrainingCallback):
        def after_iteration(self, _model, epoch, evals_log):  # type: ignore[no-untyped-def]
            parts = [f"[{epoch}]"]
            for data, metrics in evals_log.items():
                for metric, values in metrics.items():
                    parts.append(f"{data}-{metric}:{values[-1]:.5f}")
            emit("\t".join(parts))
            return False

    emit("Start training XGBoost model...")
    booster = xgb.train(params, dtrain, num_boost_round=a["train.num_boost_round"], evals=evals, evals_result=history,
                        verbose_eval=False, callbacks=[_Progress()], xgb_model=warm.estimator if warm is not None else None)
    model.estimator = booster
    return {k: {m: float(v[-1]) for m, v in d.items()} for k, d in history.items()}
