"""Every statement kind through run_program, on SQLite and on a real MariaDB."""

from __future__ import annotations

from sqlflow_step.cli import run_program


def run(url: str, program: str) -> tuple[int, list[str]]:
    lines: list[str] = []
    return run_program(program, url, lines.append), lines


def test_standard_sql(datasource: str) -> None:
    code, out = run(datasource, "SELECT * FROM iris.train LIMIT 5; CREATE TABLE iris.t (a INT); INSERT INTO iris.t VALUES (1), (2);")
    assert code == 0, out
    assert out[0].startswith('head:<column_names:"sepal_length" ')
    assert sum(1 for l in out if l.startswith("row:<")) == 5
    assert out[-1] == "2 rows affected"


def test_missing_table_names_statement(datasource: str) -> None:
    code, out = run(datasource, "SELECT 1;\nSELECT * FROM iris.nosuch")
    assert code == 1
    assert out[-1].startswith('message:<message:"runSQLProgram error: statement 2 of 2 (line 2, column 1): runQuery failed')
    assert "nosuch" in out[-1]


def test_train_evaluate_predict_explain_show(datasource: str) -> None:
    code, out = run(datasource, """
      SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3, model.hidden_units = [10, 20], train.epoch = 10
      COLUMN sepal_length, sepal_width, petal_length, petal_width LABEL class INTO sqlflow_models.my_dnn_model;
      SELECT * FROM iris.test TO EVALUATE sqlflow_models.my_dnn_model WITH validation.metrics = "Accuracy" LABEL class INTO iris.evaluate_result;
      SELECT * FROM iris.test TO PREDICT iris.predict.class USING sqlflow_models.my_dnn_model;
      SELECT * FROM iris.predict;
      SHOW TRAIN sqlflow_models.my_dnn_model;
      SELECT * FROM iris.train TO TRAIN xgboost.gbtree WITH objective = "multi:softprob", num_class = 3, train.num_boost_round = 5 LABEL class INTO sqlflow_models.x;
      SELECT * FROM iris.test TO EXPLAIN sqlflow_models.x INTO iris.explain_result;
      SELECT * FROM iris.train TO TRAIN KMeans WITH model.n_clusters = 3 INTO sqlflow_models.km;
    """)
    assert code == 0, out[-3:]
    assert sum(1 for l in out if l.startswith("Epoch ")) == 10
    evaluation = next(l for l in out if l.startswith("Evaluation result: {'loss'"))
    accuracy = float(evaluation.split("'Accuracy': ")[1].rstrip("}"))
    assert accuracy >= 0.9
    assert sum(1 for l in out if l.startswith("row:<")) == 30 + 1  # predictions, then SHOW TRAIN's row
    assert any(l.startswith("[4]\ttrain-mlogloss:") for l in out)


def test_attribute_errors_before_reading(datasource: str) -> None:
    code, out = run(datasource, "SELECT * FROM iris.nosuch TO TRAIN DNNClassifier WITH model.xyz = 1 LABEL class INTO m;")
    assert code == 1 and "unsupported attribute model.xyz" in out[-1]
    code, out = run(datasource, "SELECT * FROM iris.nosuch TO TRAIN DNNClassifier WITH train.epoch = 1.5 LABEL class INTO m;")
    assert code == 1 and "attribute train.epoch must be of type int, but got float" in out[-1]


def test_missing_model(datasource: str) -> None:
    code, out = run(datasource, "SELECT * FROM iris.test TO PREDICT iris.p.class USING sqlflow_models.nosuch;")
    assert code == 1 and "load Can't open sqlfs sqlflow_models.nosuch" in out[-1]
