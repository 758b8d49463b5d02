"""SQLFlow step runtime: runs `step -e "<statement>"` against a real database."""

__version__ = "0.1.0"
