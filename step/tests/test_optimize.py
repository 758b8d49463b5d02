"""TO MAXIMIZE / TO MINIMIZE against a real database (SQLite; MariaDB when the suite provides one).

Data and optima are SQLFlow's tutorial cases (doc/tutorial/optimization_guide.md).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from sqlflow_step.optimize import OptimizeError, OptimizeSpec, execute_optimize, solve

WOODCARVING_SELECT = "SELECT * FROM woodcarving"
WOODCARVING_OBJECTIVE = "SUM((price - materials_cost - other_cost) * amount)"
WOODCARVING_CONSTRAINTS = [
    ("SUM(finishing * amount) <= 100", []),
    ("SUM(carpentry * amount) <= 80", []),
    ("amount <= max_num", []),
]

TRANSPORT_SELECT = (
    "SELECT d.plant AS plants, d.market AS markets, d.distance AS distance, "
    "p.capacity AS capacity, m.demand AS demand "
    "FROM distances d JOIN plants p ON p.plant = d.plant JOIN markets m ON m.market = d.market"
)


def load_sample_tables(engine: sa.Engine) -> None:
    statements = [
        "DROP TABLE IF EXISTS woodcarving",
        (
            "CREATE TABLE woodcarving (product VARCHAR(255), price INT, materials_cost INT, "
            "other_cost INT, finishing INT, carpentry INT, max_num INT)"
        ),
        "INSERT INTO woodcarving VALUES ('soldier', 27, 10, 14, 2, 1, 40), ('train', 21, 9, 10, 1, 1, 10000)",
        "DROP TABLE IF EXISTS plants",
        "CREATE TABLE plants (plant VARCHAR(32), capacity INT)",
        "INSERT INTO plants VALUES ('plantA', 100), ('plantB', 90)",
        "DROP TABLE IF EXISTS markets",
        "CREATE TABLE markets (market VARCHAR(32), demand INT)",
        "INSERT INTO markets VALUES ('marketA', 130), ('marketB', 60)",
        "DROP TABLE IF EXISTS distances",
        "CREATE TABLE distances (plant VARCHAR(32), market VARCHAR(32), distance INT)",
        (
            "INSERT INTO distances VALUES ('plantA', 'marketA', 140), ('plantA', 'marketB', 210), "
            "('plantB', 'marketA', 300), ('plantB', 'marketB', 90)"
        ),
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'optimize.db'}")
    load_sample_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def mariadb_engine(mariadb_url):
    # conftest's server (SQLFlow's mysql:// form); the tables are unqualified, so they live in a database of their own.
    port = re.search(r"tcp\(127\.0\.0\.1:(\d+)\)", mariadb_url).group(1)
    admin = sa.create_engine(f"mysql+pymysql://root@127.0.0.1:{port}/")
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS optimize_test")
    admin.dispose()
    engine = sa.create_engine(f"mysql+pymysql://root@127.0.0.1:{port}/optimize_test")
    load_sample_tables(engine)
    yield engine
    engine.dispose()


ENGINES = ["sqlite_engine", "mariadb_engine"]


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.getfixturevalue(request.param)


def woodcarving(
    direction="maximize",
    objective=WOODCARVING_OBJECTIVE,
    constraints=None,
    **attributes,
):
    attrs = {"variables": "amount(product)", "var_type": "NonNegativeIntegers"}
    attrs.update(attributes)
    return OptimizeSpec(
        direction=direction,
        objective=objective,
        constraints=WOODCARVING_CONSTRAINTS if constraints is None else constraints,
        attributes=attrs,
        solver="glpk",
        into="woodcarving_result",
    )


def read_table(engine: sa.Engine, table: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table}")]


def column_types(engine: sa.Engine, table: str) -> dict[str, str]:
    return {c["name"]: str(c["type"]).upper() for c in sa.inspect(engine).get_columns(table)}


def test_woodcarving_gives_sqlflows_optimum_and_output(engine):
    lines: list[str] = []
    execute_optimize(woodcarving(), WOODCARVING_SELECT, engine, lines.append)

    assert (
        lines[0]
        == "Solver glpk is not available in this step runtime; solving with HiGHS (scipy.optimize.milp) instead."
    )
    assert lines[1:] == [
        "Solved result is:",
        "   product  amount",
        "0  soldier      20",
        "1    train      60",
        "Saved in woodcarving_result.",
        "Objective value is 180.0",
    ]
    assert sorted(read_table(engine, "woodcarving_result")) == [
        ("soldier", 20),
        ("train", 60),
    ]
    types = column_types(engine, "woodcarving_result")
    assert list(types) == ["product", "amount"]
    assert types["amount"] == "BIGINT"
    # the variable column keeps the type the database gives the SELECT
    assert types["product"] in ("TEXT", "VARCHAR(255)")


def test_transportation_gives_documented_shipments(engine):
    spec = OptimizeSpec(
        direction="minimize",
        objective="SUM(amount * distance)",
        constraints=[
            ("SUM(amount) <= capacity", ["plants"]),
            ("SUM(amount) >= demand", ["markets"]),
        ],
        attributes={
            "variables": "amount(plants,markets)",
            "var_type": "NonNegativeIntegers",
        },
        solver=None,
        into="shipment",
    )
    lines: list[str] = []
    execute_optimize(spec, TRANSPORT_SELECT, engine, lines.append)

    assert lines[0] == "Solved result is:"
    assert lines[-2:] == ["Saved in shipment.", "Objective value is 28400.0"]
    assert sorted(read_table(engine, "shipment")) == [
        ("plantA", "marketA", 100),
        ("plantA", "marketB", 0),
        ("plantB", "marketA", 30),
        ("plantB", "marketB", 60),
    ]


def test_transportation_test_variant_scales_objective_only(engine):
    with engine.connect() as conn:
        frame = pd.read_sql(TRANSPORT_SELECT, conn)
    spec = OptimizeSpec(
        "minimize",
        "SUM(amount * distance * 90 / 1000)",
        [
            ("SUM(amount) <= capacity", ["plants"]),
            ("SUM(amount) >= demand", ["markets"]),
        ],
        {"variables": "amount(plants,markets)", "var_type": "NonNegativeIntegers"},
        None,
        "shipment",
    )
    result, objective = solve(frame, spec)
    shipments = {(p, m): a for p, m, a in result.itertuples(index=False)}
    assert shipments == {
        ("plantA", "marketA"): 100,
        ("plantA", "marketB"): 0,
        ("plantB", "marketA"): 30,
        ("plantB", "marketB"): 60,
    }
    assert objective == pytest.approx(2556.0)


def test_binary_takes_both(engine):
    lines: list[str] = []
    # the direction as the statement spells it; var_type matched as Pyomo names it, any case
    execute_optimize(
        woodcarving(direction="MAXIMIZE", var_type="binary"),
        WOODCARVING_SELECT,
        engine,
        lines.append,
    )
    assert sorted(read_table(engine, "woodcarving_result")) == [
        ("soldier", 1),
        ("train", 1),
    ]
    assert lines[-1] == "Objective value is 5.0"


def test_minimize_without_constraints_on_positive_integers(engine):
    spec = woodcarving(direction="minimize", constraints=[], var_type="PositiveIntegers")
    lines: list[str] = []
    execute_optimize(spec, WOODCARVING_SELECT, engine, lines.append)
    assert sorted(read_table(engine, "woodcarving_result")) == [
        ("soldier", 1),
        ("train", 1),
    ]
    assert lines[-1] == "Objective value is 5.0"


def test_result_named_like_its_column_becomes_value_column(engine):
    spec = woodcarving(
        objective="SUM((price - materials_cost - other_cost) * product)",
        constraints=[
            ("SUM(finishing * product) <= 100", []),
            ("SUM(carpentry * product) <= 80", []),
            ("product <= max_num", []),
        ],
        variables="product(product)",
    )
    lines: list[str] = []
    execute_optimize(spec, WOODCARVING_SELECT, engine, lines.append)
    assert list(column_types(engine, "woodcarving_result")) == [
        "product",
        "product_value",
    ]
    assert sorted(read_table(engine, "woodcarving_result")) == [
        ("soldier", 20),
        ("train", 60),
    ]
    assert "   product  product_value" in lines


def test_reals_give_float_column_and_fractional_optimum(engine):
    spec = woodcarving(
        constraints=[
            ("SUM(finishing * amount) <= 101", []),
            ("SUM(carpentry * amount) <= 80", []),
        ],
        var_type="NonNegativeReals",
    )
    execute_optimize(spec, WOODCARVING_SELECT, engine, lambda line: None)
    assert column_types(engine, "woodcarving_result")["amount"] in (
        "FLOAT",
        "DOUBLE",
        "REAL",
    )
    rows = dict(read_table(engine, "woodcarving_result"))
    assert rows["soldier"] == pytest.approx(21.0)
    assert rows["train"] == pytest.approx(59.0)


def test_rerun_replaces_result_table(engine):
    execute_optimize(woodcarving(var_type="Binary"), WOODCARVING_SELECT, engine, lambda line: None)
    execute_optimize(woodcarving(), WOODCARVING_SELECT, engine, lambda line: None)
    assert sorted(read_table(engine, "woodcarving_result")) == [
        ("soldier", 20),
        ("train", 60),
    ]


def test_using_highs_prints_no_solver_note(engine):
    spec = woodcarving()
    spec.solver = "HiGHS"
    lines: list[str] = []
    execute_optimize(spec, WOODCARVING_SELECT, engine, lines.append)
    assert lines[0] == "Solved result is:"


def test_names_are_case_insensitive_and_select_may_end_with_semicolon(engine):
    spec = woodcarving(
        objective="sum((PRICE - Materials_Cost - other_cost) * Amount)",
        constraints=[
            ("Sum(FINISHING * amount) <= 100", []),
            ("sum(carpentry * AMOUNT) <= 80", []),
            ("AMOUNT <= MAX_NUM", []),
        ],
        variables="AMOUNT(Product)",
    )
    execute_optimize(spec, WOODCARVING_SELECT + ";", engine, lambda line: None)
    assert sorted(read_table(engine, "woodcarving_result")) == [
        ("soldier", 20),
        ("train", 60),
    ]


# -- errors -------------------------------------------------------------------


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product": ["soldier", "train"],
            "price": [27, 21],
            "materials_cost": [10, 9],
            "other_cost": [14, 10],
            "finishing": [2, 1],
            "carpentry": [1, 1],
            "max_num": [40, 10000],
        }
    )


def test_missing_variables_uses_sqlflows_wording(engine):
    spec = woodcarving()
    del spec.attributes["variables"]
    with pytest.raises(
        OptimizeError,
        match="variables must be provided inside WITH statement of optimize clause",
    ):
        execute_optimize(spec, "SELECT * FROM no_such_table", engine, lambda line: None)


def test_missing_var_type_uses_sqlflows_wording():
    spec = woodcarving()
    del spec.attributes["var_type"]
    with pytest.raises(
        OptimizeError,
        match=r"var_type must be provided in optimize clause.*NonNegativeIntegers",
    ):
        solve(frame(), spec)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            {"var_type": "Naturals"},
            r"attribute var_type error: unknown domain 'Naturals'",
        ),
        ({"variables": "amount(product"}, r"attribute variables error: cannot read"),
        ({"variables": "product(product, price)"}, r"equals one of the columns"),
        ({"variables": "price(product)"}, r"result name 'price' is also a column"),
        ({"variables": "amount(nosuch)"}, r"column 'nosuch' is not selected"),
        ({"model.n_classes": 3}, r"unsupported attribute model.n_classes"),
        (
            {"solver.tmlim": 3},
            r"unsupported attribute solver.tmlim: the HiGHS solver takes solver.time_limit",
        ),
        (
            {"solver.time_limit": "soon"},
            r"attribute solver.time_limit must be of type float",
        ),
    ],
)
def test_bad_attributes(attributes, message):
    with pytest.raises(OptimizeError, match=message):
        solve(frame(), woodcarving(**attributes))


@pytest.mark.parametrize(
    ("objective", "constraints", "message"),
    [
        (
            "SUM(amount * amount)",
            [],
            r"multiplies two terms that both hold the variable, which is not linear",
        ),
        ("SUM(amount) * SUM(price * amount)", [], r"not linear"),
        ("SUM(price / amount)", [], r"divides by a term that holds the variable"),
        (
            "price * SUM(amount)",
            [],
            r"uses column price outside SUM\(...\) without GROUP BY; move it into SUM",
        ),
        ("SUM(amount) + amount", [], r"uses the variable amount outside SUM"),
        ("SUM(amount)", [("SUM(amount) <= max_num", [])], r"add GROUP BY max_num"),
        (
            "SUM(amount)",
            [("amount <= max_num", ["product"])],
            r"GROUP BY must be used with aggregation function",
        ),
        (
            "SUM(amount)",
            [("SUM(amount) <= 3", ["colour"])],
            r"names 'colour', which is neither",
        ),
        (
            "SUM(amount * cost)",
            [],
            r"names 'cost', which is neither the result variable",
        ),
        ("SUM(amount * product)", [], r"column product, which is not numeric"),
        ("AVG(amount)", [], r"unsupported function AVG\(...\); only SUM"),
        ("SUM((amount)", [], r"cannot parse the objective .*missing '\)'"),
        ("SUM(amount) <= 3", [], r"holds a comparison; put comparisons in CONSTRAINT"),
        ("SUM(amount)", [("SUM(amount)", [])], r"needs a comparison"),
        ("SUM(amount)", [("0 <= SUM(amount) <= 3", [])], r"chained comparison"),
        ("SUM(amount / (price - 27 - 0 * max_num))", [], r"divides by zero"),
        ("SUM(amount) ^ 2", [], r"unexpected character '\^'"),
    ],
)
def test_bad_expressions(objective, constraints, message):
    with pytest.raises(OptimizeError, match=message):
        solve(frame(), woodcarving(objective=objective, constraints=constraints))


def test_infeasible_model_reports_termination_condition(engine):
    spec = woodcarving(var_type="Binary", constraints=[("SUM(amount) >= 3", [])])
    with pytest.raises(OptimizeError, match=r"Solve model error. Termination condition: infeasible"):
        execute_optimize(spec, WOODCARVING_SELECT, engine, lambda line: None)


def test_unbounded_model_reports_termination_condition():
    with pytest.raises(OptimizeError, match=r"Termination condition: unbounded\."):
        solve(frame(), woodcarving(constraints=[], var_type="Reals"))
    # on integers HiGHS's presolve cannot tell unbounded from infeasible, and says so
    with pytest.raises(OptimizeError, match=r"Termination condition: infeasibleOrUnbounded\."):
        solve(frame(), woodcarving(constraints=[], var_type="Integers"))


def test_empty_select_is_an_error(engine):
    with pytest.raises(OptimizeError, match="returned no rows"):
        execute_optimize(
            woodcarving(),
            "SELECT * FROM woodcarving WHERE price < 0",
            engine,
            lambda line: None,
        )


def test_decimal_columns_are_numbers():
    data = frame().astype({"price": object})
    data["price"] = [Decimal("27.0"), Decimal(21)]
    result, objective = solve(data, woodcarving())
    assert list(result["amount"]) == [20, 60]
    assert objective == 180.0


def test_bad_direction_is_an_error():
    with pytest.raises(
        OptimizeError,
        match="direction must be 'maximize' or 'minimize', not 'maximise'",
    ):
        solve(frame(), woodcarving(direction="maximise"))


def test_null_in_a_used_column_is_an_error():
    data = frame().astype({"price": "float"})
    data.loc[1, "price"] = None
    with pytest.raises(OptimizeError, match=r"column price, which is NULL in 1 row"):
        solve(data, woodcarving())


def test_qualified_into_and_percent_in_select(engine):
    # '%' and ':x' must reach the database verbatim, never as bind parameters.
    select = "SELECT * FROM woodcarving WHERE product LIKE '%' OR product = ':x'"
    schema = "main" if engine.dialect.name == "sqlite" else engine.url.database
    lines: list[str] = []
    execute_optimize(
        _with_into(woodcarving(), f"{schema}.wood_result"),
        select,
        engine,
        lines.append,
    )
    assert lines[-2] == f"Saved in {schema}.wood_result."
    assert sorted(read_table(engine, f"{schema}.wood_result")) == [
        ("soldier", 20),
        ("train", 60),
    ]


def _with_into(spec: OptimizeSpec, into: str) -> OptimizeSpec:
    spec.into = into
    return spec


def test_bad_into_name_is_an_error(engine):
    with pytest.raises(OptimizeError, match=r"INTO a.b.c: name the result table as table or db.table"):
        execute_optimize(
            _with_into(woodcarving(), "a.b.c"),
            WOODCARVING_SELECT,
            engine,
            lambda line: None,
        )


def test_long_results_print_truncated_like_pandas(engine):
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS toys")
        conn.exec_driver_sql("CREATE TABLE toys (toy VARCHAR(16), price INT)")
        conn.execute(
            sa.text("INSERT INTO toys VALUES (:toy, :price)"),
            [{"toy": f"t{i:03d}", "price": i % 7} for i in range(100)],
        )
    spec = OptimizeSpec(
        "maximize",
        "SUM(price * pick)",
        [("SUM(pick) <= 30", [])],
        {"variables": "pick(toy)", "var_type": "Binary"},
        None,
        "picked",
    )
    lines: list[str] = []
    execute_optimize(spec, "SELECT * FROM toys", engine, lines.append)
    table = lines[1 : lines.index("Saved in picked.")]
    # the head, 5 + 5 rows around a "..." line, a blank line and the dimensions
    assert len(table) == 14
    assert table[0].split() == ["toy", "pick"]
    assert table[6].split() == ["..", "...", "..."]
    assert table[-1] == "[100 rows x 2 columns]"
    assert lines[-1] == "Objective value is 162.0"  # the 14 sixes, 14 fives and 2 fours
    assert len(read_table(engine, "picked")) == 100
