"""The one error type of TO MAXIMIZE / TO MINIMIZE."""


class OptimizeError(ValueError):
    """A TO MAXIMIZE/MINIMIZE statement that cannot be solved as written.

    The message names the clause or attribute at fault and what to change.
    """
