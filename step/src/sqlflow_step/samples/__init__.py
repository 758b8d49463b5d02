"""Sample data for SQLFlow programs: ``iris.train``/``iris.test`` (classification),
``diabetes.train``/``diabetes.test`` (regression) and an empty ``sqlflow_models`` database.

Load them with ``python -m sqlflow_step.samples`` (datasource from ``SQLFLOW_DATASOURCE``, or
``--datasource URL``). The split is documented in :mod:`sqlflow_step.samples.datasets`.
"""

from .datasets import MODEL_DATABASE, SampleTable, all_tables, diabetes, iris, split
from .load import load_samples

__all__ = ["MODEL_DATABASE", "SampleTable", "all_tables", "diabetes", "iris", "load_samples", "split"]
