"""The one error type of TO MAXIMIZE / TO MINIMIZE."""

try:
    # The step runtime's base error: the CLI prints it as SQLFlow's message line.
    from ..errors import StepError as _Base
except ImportError:  # only while this branch lacks step-core's errors module; drop after the merge
    _Base = ValueError


class OptimizeError(_Base):
    """A TO MAXIMIZE/MINIMIZE statement that cannot be solved as written.

    The message names the clause or attribute at fault and what to change.
    """
