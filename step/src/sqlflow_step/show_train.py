"""SHOW TRAIN m: a table (Model, Train Statement) with one row."""

from __future__ import annotations

from collections.abc import Callable

from .ast import Statement
from .datasource import Datasource
from .encoding import head_line, row_line
from .errors import StepError
from .storage import load


def execute_show_train(ds: Datasource, st: Statement, emit: Callable[[str], None]) -> None:
    try:
        meta, _ = load(ds, st.model)
    except StepError as e:
        emit(f"Load model meta {st.model} failed.")
        raise StepError(f"load {e}") from None
    emit(head_line(["Model", "Train Statement"]))
    emit(row_line([st.model, meta["original_sql"].strip()], ["StringValue", "StringValue"]))
