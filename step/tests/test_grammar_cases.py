"""The shared grammar cases (test/fixtures/grammar_cases.json), also run by src/sql/grammar_cases_test.ts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sqlflow_step.ast import Expr, Statement
from sqlflow_step.errors import StatementSyntaxError
from sqlflow_step.parse import parse_program

_FILE = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "grammar_cases.json"
_DATA = json.loads(_FILE.read_text(encoding="utf-8"))


def _value(e: Expr) -> Any:
    if e.kind in ("number", "string", "boolean", "identifier"):
        return e.value
    if e.kind == "list":
        return [_value(i) for i in e.items]
    return {"expr": e.text}


def _parts(st: Statement) -> dict[str, Any]:
    """The fields a case can check, named as in the JSON file (the TS AST's names)."""
    if st.kind in ("query", "ddl", "dml", "other"):
        return {"keyword": st.keyword}
    out: dict[str, Any] = {}
    for key in ("select", "estimator", "model", "using", "image"):
        if getattr(st, key):
            out[key] = getattr(st, key)
    if st.kind == "run":
        out["args"] = list(st.args)
        out["intoTables"] = list(st.into_tables)
    elif st.into is not None:
        out["into"] = st.into
    if st.kind != "showTrain":
        out["attributes"] = {a.name: _value(a.value) for a in st.attributes}
    if st.label is not None:
        out["label"], out["labelKind"] = st.label.name, st.label.kind
    if st.kind == "train":
        out["columns"] = [[c.text for c in g.columns] for g in st.columns]
        out["targets"] = [g.target for g in st.columns]
    if st.objective is not None:
        out["objective"] = st.objective.text
        out["constraints"] = [[c.expr.text, c.group_by] for c in st.constraints]
    return out


@pytest.mark.parametrize("case", _DATA["cases"], ids=lambda c: c["text"][:60])
def test_statement(case: dict[str, Any]) -> None:
    [st] = parse_program(case["text"])
    assert st.kind == case["kind"]
    got = _parts(st)
    for key, want in case["parts"].items():
        assert got.get(key) == want, key


@pytest.mark.parametrize("case", _DATA["errors"], ids=lambda c: c["text"][:60])
def test_error(case: dict[str, Any]) -> None:
    with pytest.raises(StatementSyntaxError) as err:
        parse_program(case["text"])
    assert case["contains"] in err.value.reason
    assert (err.value.line, err.value.column) == (case["line"], case["column"])
