-- The demo program (npm run demo): one step each, in order, on the sample data
-- (iris.train 120 rows, iris.test 30 rows; see step/src/sqlflow_step/samples/datasets.py).
SELECT * FROM iris.train LIMIT 5;
SELECT * FROM iris.train
TO TRAIN DNNClassifier
WITH model.n_classes = 3, model.hidden_units = [10, 20], train.epoch = 100
COLUMN sepal_length, sepal_width, petal_length, petal_width
LABEL class
INTO sqlflow_models.my_dnn_model;
SELECT * FROM iris.test
TO EVALUATE sqlflow_models.my_dnn_model
WITH validation.metrics = "Accuracy"
LABEL class
INTO iris.evaluate_result;
SELECT * FROM iris.evaluate_result;
SELECT * FROM iris.test
TO PREDICT iris.predict.class
USING sqlflow_models.my_dnn_model;
SELECT * FROM iris.predict;
