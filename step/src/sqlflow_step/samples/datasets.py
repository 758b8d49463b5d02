"""The sample tables, built from the data sets scikit-learn bundles (no download).

The split is fixed and needs no random numbers: in scikit-learn's row order, every fifth row
(positions 4, 9, 14, … counting from 0) goes to ``test`` and the others to ``train``, both in
that order. scikit-learn lists iris by class (50 rows each), so the split is stratified: iris
gives 120 train rows (40 per class) and 30 test rows (10 per class); diabetes (442 rows) gives
354 train and 88 test rows.

This is not SQLFlow's own iris dump (110/10 rows in TensorFlow's shuffled order, with the three
UCI typos scikit-learn corrected): that one cannot be regenerated from a library, this one can.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

TEST_EVERY = 5
"""Every fifth row (position % TEST_EVERY == TEST_EVERY - 1) is a test row."""


@dataclass(frozen=True)
class SampleTable:
    database: str
    name: str
    columns: tuple[tuple[str, type[sa.types.TypeEngine]], ...]
    frame: pd.DataFrame

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) by row position, see the module's docstring."""
    is_test = (pd.RangeIndex(len(frame)) % TEST_EVERY) == TEST_EVERY - 1
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)


IRIS_COLUMNS: tuple[tuple[str, type[sa.types.TypeEngine]], ...] = (
    ("sepal_length", sa.Double),
    ("sepal_width", sa.Double),
    ("petal_length", sa.Double),
    ("petal_width", sa.Double),
    ("class", sa.Integer),
)

DIABETES_COLUMNS: tuple[tuple[str, type[sa.types.TypeEngine]], ...] = (
    ("age", sa.Integer),
    ("sex", sa.Integer),
    ("bmi", sa.Double),
    ("bp", sa.Double),
    ("s1", sa.Double),
    ("s2", sa.Double),
    ("s3", sa.Double),
    ("s4", sa.Double),
    ("s5", sa.Double),
    ("s6", sa.Double),
    ("target", sa.Double),
)


def iris() -> list[SampleTable]:
    """iris.train / iris.test: the four measurements in cm and ``class`` (0 setosa, 1 versicolor, 2 virginica)."""
    from sklearn.datasets import load_iris

    bunch = load_iris(as_frame=True)
    frame = bunch.frame
    frame.columns = [c for c, _ in IRIS_COLUMNS]
    frame["class"] = frame["class"].astype("int64")
    train, test = split(frame)
    return [SampleTable("iris", "train", IRIS_COLUMNS, train), SampleTable("iris", "test", IRIS_COLUMNS, test)]


def diabetes() -> list[SampleTable]:
    """diabetes.train / diabetes.test: scikit-learn's diabetes set unscaled (age in years, sex 1/2, …)
    and ``target``, a measure of disease progression one year after baseline (a regression label)."""
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(scaled=False, as_frame=True).frame
    frame.columns = [c for c, _ in DIABETES_COLUMNS]
    frame["age"] = frame["age"].astype("int64")
    frame["sex"] = frame["sex"].astype("int64")
    train, test = split(frame)
    return [SampleTable("diabetes", "train", DIABETES_COLUMNS, train), SampleTable("diabetes", "test", DIABETES_COLUMNS, test)]


MODEL_DATABASE = "sqlflow_models"
"""Where SQLFlow programs keep their models (``INTO sqlflow_models.m``); created empty."""


def all_tables() -> list[SampleTable]:
    return iris() + diabetes()
