"""One statement → the module that runs it. Imports are lazy: a standard SQL step never loads
scikit-learn, and TO MAXIMIZE / TO RUN work only where their modules are installed."""

from __future__ import annotations

import os
from collections.abc import Callable

from .ast import Statement
from .datasource import Datasource
from .errors import StepError

Emit = Callable[[str], None]


def run_statement(ds: Datasource, st: Statement, emit: Emit) -> None:
    kind = st.kind
    if kind in ("query", "ddl", "dml", "other"):
        from .standard import run_standard

        run_standard(ds, st.text, emit)
    elif kind == "train":
        from .train import execute_train

        execute_train(ds, st, emit)
    elif kind == "predict":
        from .predict import execute_predict

        execute_predict(ds, st, emit)
    elif kind == "evaluate":
        from .evaluate import execute_evaluate

        execute_evaluate(ds, st, emit)
    elif kind == "explain":
        from .explain import execute_explain

        execute_explain(ds, st, emit)
    elif kind == "showTrain":
        from .show_train import execute_show_train

        execute_show_train(ds, st, emit)
    elif kind in ("maximize", "minimize"):
        _optimize(ds, st, emit)
    elif kind == "run":
        _to_run(st, emit)
    else:  # the parser produces no other kinds
        raise StepError(f"statement kind {kind} is not supported by this step runtime")


def _optimize(ds: Datasource, st: Statement, emit: Emit) -> None:
    try:
        from .optimize import OptimizeSpec, execute_optimize
    except ImportError:
        raise StepError(
            f"TO {st.kind.upper()} is not available in this step runtime (module sqlflow_step.optimize is not installed)"
        ) from None
    assert st.objective is not None and st.into is not None
    spec = OptimizeSpec(
        direction=st.kind,
        objective=st.objective.text,
        constraints=[(c.expr.text, [c.group_by] if c.group_by else []) for c in st.constraints],
        attributes=st.attribute_values(),
        solver=st.using,
        into=st.into,
    )
    execute_optimize(spec, st.select, ds.engine, emit)


def _to_run(st: Statement, emit: Emit) -> None:
    try:
        from .to_run import execute_to_run
    except ImportError:
        raise StepError("TO RUN is not available in this step runtime (module sqlflow_step.to_run is not installed)") from None
    env = {k: v for k, v in os.environ.items() if k.startswith("SQLFLOW_")}
    execute_to_run(st.select.strip(), st.image, list(st.args), list(st.into_tables), env, emit)
