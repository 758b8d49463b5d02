"""Loading a stored model with its features, shared by PREDICT, EVALUATE and EXPLAIN."""

from __future__ import annotations

from typing import Any

from .datasource import Datasource
from .errors import StepError
from .models import Model
from .storage import check_compatible, load


def load_model(ds: Datasource, name: str, verb: str = "load ") -> tuple[Model, dict[str, Any]]:
    try:
        meta, payload = load(ds, name)
    except StepError as e:
        raise StepError(f"{verb}{e}") from None
    check_compatible(name, meta)
    m = Model(family=meta["family"], estimator_name=meta["estimator"], attrs=meta["attributes"],
              classes=meta.get("classes"))
    m.restore(payload)
    return m, meta
