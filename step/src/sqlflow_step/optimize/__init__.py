"""TO MAXIMIZE / TO MINIMIZE: linear and integer programs over a SELECT, solved with HiGHS.

Public API:
- OptimizeSpec: the parsed statement (without its SELECT).
- execute_optimize(spec, select, engine, emit): read, solve, save the INTO table, print.
- solve(frame, spec) -> (result frame, objective): the pure part.
- OptimizeError: every error these raise about the statement or its data.
"""

from .errors import OptimizeError
from .execute import execute_optimize
from .solve import solve
from .spec import OptimizeSpec

__all__ = ["OptimizeError", "OptimizeSpec", "execute_optimize", "solve"]
