"""Driver errors turned into one line: `Error <code>: <message>` like go-sql-driver, no SQL dump."""

from __future__ import annotations

import sqlalchemy.exc as sa_exc


def driver_message(e: BaseException) -> str:
    orig = getattr(e, "orig", None)
    if isinstance(e, sa_exc.DBAPIError) and orig is not None:
        args = getattr(orig, "args", ())
        if len(args) >= 2 and isinstance(args[0], int):
            return f"Error {args[0]}: {args[1]}"
        return str(orig)
    return str(e).split("\n(Background on this error")[0]
