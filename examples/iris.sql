-- The demo program: standard SQL and SQLFlow's extended statements, one step each, in order.
CREATE DATABASE IF NOT EXISTS sqlflow_models;
SELECT * FROM iris.train LIMIT 5;
SELECT * FROM iris.train
TO TRAIN DNNClassifier
WITH model.n_classes = 3, model.hidden_units = [10, 20], train.epoch = 10
COLUMN sepal_length, sepal_width, petal_length, petal_width
LABEL class
INTO sqlflow_models.my_dnn_model;
SELECT * FROM iris.test
TO EVALUATE sqlflow_models.my_dnn_model
WITH validation.metrics = "Accuracy"
LABEL class
INTO iris.evaluate_result;
SELECT * FROM iris.test
TO PREDICT iris.predict.class
USING sqlflow_models.my_dnn_model;
SELECT * FROM iris.predict LIMIT 5;
