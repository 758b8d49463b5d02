"""The errors a statement can fail with. Each message says what, where and what to do."""

from __future__ import annotations


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of `offset` in `text`."""
    offset = max(0, min(offset, len(text)))
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


class StepError(Exception):
    """A statement failed for a reason the user can fix; printed as SQLFlow's message line."""


class StatementSyntaxError(StepError):
    """Bad syntax, with the 1-based line and column in the whole program."""

    def __init__(self, text: str, offset: int, reason: str) -> None:
        self.line, self.column = line_column(text, offset)
        self.offset = offset
        self.reason = reason
        super().__init__(f"{self.line}:{self.column}: {reason}")


class AttributeCheckError(StepError):
    """A WITH attribute that is unknown or of the wrong type (checked before data is read)."""
