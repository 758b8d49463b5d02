"""What a TO MAXIMIZE/MINIMIZE statement asks for, and the checks on its WITH attributes.

The checks run before any data is read, so a typo in WITH fails fast.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .errors import OptimizeError


@dataclass
class OptimizeSpec:
    """One parsed `TO MAXIMIZE|MINIMIZE` statement (the SELECT travels separately)."""

    direction: str  # "maximize" or "minimize"
    objective: str  # expression text, e.g. "SUM((price - cost) * amount)"
    constraints: list[tuple[str, list[str]]]  # (expression text, GROUP BY columns)
    attributes: dict[str, object]  # the WITH clause
    solver: str | None  # the USING name, None when absent
    into: str  # the result table, possibly db.table


@dataclass(frozen=True)
class Domain:
    """A Pyomo domain as HiGHS sees it: integrality and bounds."""

    name: str
    integer: bool
    lower: float
    upper: float


# Pyomo's set names (SQLFlow passes var_type to getattr(pyomo.environ, ...)).
# Strict bounds (PositiveReals > 0) cannot be expressed in an LP; like Pyomo's
# solver interfaces we hand the solver the closed bound.
DOMAINS = {
    d.name.lower(): d
    for d in (
        Domain("Binary", True, 0, 1),
        Domain("Integers", True, -math.inf, math.inf),
        Domain("PositiveIntegers", True, 1, math.inf),
        Domain("NegativeIntegers", True, -math.inf, -1),
        Domain("NonPositiveIntegers", True, -math.inf, 0),
        Domain("NonNegativeIntegers", True, 0, math.inf),
        Domain("Reals", False, -math.inf, math.inf),
        Domain("PositiveReals", False, 0, math.inf),
        Domain("NegativeReals", False, -math.inf, 0),
        Domain("NonPositiveReals", False, -math.inf, 0),
        Domain("NonNegativeReals", False, 0, math.inf),
    )
}

# solver.<option> attributes that scipy.optimize.milp understands.
SOLVER_OPTIONS = {
    "time_limit": float,
    "mip_rel_gap": float,
    "presolve": bool,
    "node_limit": int,
}

# Accepted for compatibility with SQLFlow; they tune distributed runs and mean
# nothing to a single in-process solve.
_IGNORED_PREFIXES = ("data.", "worker.")

_VARIABLES = re.compile(r"^\s*(\w+)\s*(?:\(\s*(\w+(?:\s*,\s*\w+)*)\s*\))?\s*$")


@dataclass(frozen=True)
class Settings:
    """The WITH attributes, checked."""

    result_name: str  # res in variables="res(c1,...)"
    variables: list[str]  # c1, ... as written
    domain: Domain
    solver_options: dict[str, object] = field(default_factory=dict)


def check_attributes(spec: OptimizeSpec) -> Settings:
    attrs = {k.strip(): v for k, v in spec.attributes.items()}
    clause = f"TO {spec.direction.upper()}"
    if "variables" not in attrs:
        raise OptimizeError(
            "variables must be provided inside WITH statement of optimize clause: "
            f'add WITH variables="<result>(<column>, ...)" to {clause}, '
            'e.g. variables="amount(product)"'
        )
    if "var_type" not in attrs:
        raise OptimizeError(
            "var_type must be provided in optimize clause: "
            f'add var_type="<domain>" to the WITH of {clause}, one of {_domain_names()}'
        )
    result_name, variables = _parse_variables(attrs["variables"])
    domain = DOMAINS.get(str(attrs["var_type"]).strip().lower())
    if domain is None:
        raise OptimizeError(
            f"attribute var_type error: unknown domain {attrs['var_type']!r}; use one of {_domain_names()}"
        )
    options: dict[str, object] = {}
    for key, value in attrs.items():
        if key in ("variables", "var_type") or key.startswith(_IGNORED_PREFIXES):
            continue
        if key.startswith("solver."):
            name = key[len("solver.") :]
            kind = SOLVER_OPTIONS.get(name)
            if kind is None:
                raise OptimizeError(
                    f"unsupported attribute {key}: the HiGHS solver takes "
                    + ", ".join(f"solver.{n}" for n in SOLVER_OPTIONS)
                )
            options[name] = _convert(key, value, kind)
            continue
        raise OptimizeError(
            f"unsupported attribute {key} in {clause}: use variables, var_type, solver.<option>, data.* or worker.*"
        )
    return Settings(result_name, variables, domain, options)


def _parse_variables(value: object) -> tuple[str, list[str]]:
    text = str(value)
    m = _VARIABLES.match(text)
    if m is None:
        raise OptimizeError(
            f"attribute variables error: cannot read {text!r}; write "
            'variables="<result>(<column>[, <column>...])", e.g. variables="amount(plants, markets)"'
        )
    head, inner = m.group(1), m.group(2)
    if inner is None:
        return head, [head]
    columns = [c.strip() for c in inner.split(",")]
    lowered = [c.lower() for c in columns]
    if len(set(lowered)) != len(lowered):
        raise OptimizeError(f"attribute variables error: {text!r} names a column twice; list each once")
    if len(columns) > 1 and head.lower() in lowered:
        raise OptimizeError(
            f"attribute variables error: the result name {head!r} equals one of the columns {columns}; "
            "pick another result name"
        )
    return head, columns


def _convert(key: str, value: object, kind: type) -> object:
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "false"):
                return text == "true"
            raise ValueError(value)
        converted = kind(value)
    except (TypeError, ValueError):
        raise OptimizeError(f"attribute {key} must be of type {kind.__name__}, but got {value!r}") from None
    return converted


def _domain_names() -> str:
    return ", ".join(d.name for d in DOMAINS.values())
