module sqlflow-operator/testenv/node/pause

go 1.26.0
