"""The sample tables: the documented split, and loading them into a real database (twice)."""

from __future__ import annotations

import sqlalchemy as sa

from sqlflow_step.samples import all_tables, diabetes, iris, load_samples
from sqlflow_step.datasource import open_datasource


def test_iris_split_is_every_fifth_row_stratified() -> None:
    train, test = iris()
    assert (train.qualified, len(train.frame), test.qualified, len(test.frame)) == ("iris.train", 120, "iris.test", 30)
    assert list(test.frame.columns) == ["sepal_length", "sepal_width", "petal_length", "petal_width", "class"]
    assert test.frame["class"].value_counts().to_dict() == {0: 10, 1: 10, 2: 10}
    assert train.frame["class"].value_counts().to_dict() == {0: 40, 1: 40, 2: 40}
    # scikit-learn's rows 0 and 4: the first train row and the first test row.
    assert train.frame.iloc[0].tolist() == [5.1, 3.5, 1.4, 0.2, 0]
    assert test.frame.iloc[0].tolist() == [5.0, 3.6, 1.4, 0.2, 0]


def test_diabetes_split() -> None:
    train, test = diabetes()
    assert (len(train.frame), len(test.frame)) == (354, 88)
    assert list(train.frame.columns)[-1] == "target"
    assert train.frame.iloc[0].tolist()[:3] == [59, 2, 32.1]


def test_load_on_sqlite_twice_gives_the_same_tables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ds = open_datasource(f"sqlite:///{tmp_path / 'main.db'}")
    lines: list[str] = []
    for _ in range(2):
        load_samples(ds, all_tables(), lines.append)
    with ds.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM iris.train")).scalar() == 120
        assert conn.execute(sa.text('SELECT AVG("class") FROM iris.test')).scalar() == 1.0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM diabetes.test")).scalar() == 88
    ds.engine.dispose()
    assert lines[:2] == ["samples: iris.train: 120 rows", "samples: iris.test: 30 rows"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["diabetes.db", "iris.db", "main.db", "sqlflow_models.db"]
