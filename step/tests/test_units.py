"""Units: datasource parsing (no credentials in messages), attribute checks, feature columns."""

import pandas as pd
import pytest

from sqlflow_step.attributes import check, estimator_family
from sqlflow_step.datasource import describe, open_datasource
from sqlflow_step.errors import StepError
from sqlflow_step.features import derive, transform
from sqlflow_step.parse import parse_program


def test_sqlflow_mysql_dsn() -> None:
    ds = open_datasource("mysql://root:s3cret@tcp(127.0.0.1:3307)/iris?maxAllowedPacket=0")
    assert ds.engine.url.port == 3307 and ds.database == "iris"
    assert "s3cret" not in ds.scrub("Access denied with s3cret")
    assert "s3cret" not in describe("mysql+pymysql://root:s3cret@h/db")


def test_unsupported_driver_hides_password() -> None:
    with pytest.raises(StepError) as e:
        open_datasource("postgresql://u:s3cret@h/db")
    assert "s3cret" not in str(e.value) and "doesn't support DB postgresql" in str(e.value)


def test_attribute_messages() -> None:
    _, _, allowed = estimator_family("DNNClassifier")
    with pytest.raises(StepError, match="unsupported attribute model.xyz"):
        check({"model.xyz": 1}, allowed)
    with pytest.raises(StepError, match="attribute train.epoch must be of type int, but got float"):
        check({"train.epoch": 1.5}, allowed)
    assert check({"optimizer.learning_rate": 1}, allowed)["optimizer.learning_rate"] == 1.0


def test_feature_columns_one_hot_and_ids() -> None:
    [st] = parse_program("SELECT * FROM t TO TRAIN DNNClassifier WITH model.n_classes=2 "
                         "COLUMN INDICATOR(CATEGORY_ID(c, 3)), BUCKET(a, [1, 2]) LABEL y INTO m")
    from sqlflow_step.features import from_expr

    df = pd.DataFrame({"a": [0.5, 1.5, 3.0], "c": [0, 2, 7], "s": ["x", "y", "x"], "y": [0, 1, 0]})
    feats = [f for e in st.columns[0].columns for f in from_expr(e, ["a", "c", "s"])]
    feats = derive(df, feats, "y", "nn_classifier")
    x = transform(feats, df, onehot=True)
    assert x.shape == (3, 3 + 4 + 3)  # bucket one-hot (3), category id 3 + overflow slot, vocabulary 2 + unknown
    ids = transform(feats, df, onehot=False)
    assert ids[:, 0].tolist() == [0, 1, 2] and ids[:, 1].tolist() == [0, 2, 3]
