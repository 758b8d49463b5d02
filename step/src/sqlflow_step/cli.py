"""`step -e "<program>"`: run SQLFlow statements the way SQLFlow's step binary did.

Output: `YYYY/MM/DD HH:MM:SS SQLFlow Step Execute:` and the program, then each statement's
lines, then `(N.NN sec)`. On failure: `message:<message:"runSQLProgram error: …" > ` and exit 1, with the
same message (plain) in the container's termination message file (termination.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime

from .encoding import message_line
from .errors import StatementSyntaxError, StepError, line_column
from .output import Emitter
from .termination import write_termination_message


def unescape(program: str) -> str:
    """SQLFlow turns the two-character sequences \\n, \\t and \\r into real characters first."""
    return program.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="step", description="Run SQLFlow statements against SQLFLOW_DATASOURCE.")
    parser.add_argument("-e", "--execute", required=True, help="the program: one or more ;-terminated statements")
    args = parser.parse_args(argv)
    emit = Emitter()
    emit(f"{datetime.now():%Y/%m/%d %H:%M:%S} SQLFlow Step Execute:\n{args.execute}")
    started = time.monotonic()
    code = run_program(unescape(args.execute), os.environ.get("SQLFLOW_DATASOURCE", ""), emit)
    if code == 0:
        emit(f"({time.monotonic() - started:.2f} sec)")
    return code


def run_program(program: str, datasource_url: str, emit: Emitter) -> int:
    """Runs the statements in order, stopping at the first error; 0 on success, 1 on failure."""
    from .datasource import Datasource, open_datasource
    from .dispatch import run_statement
    from .parse import parse_program

    ds: Datasource | None = None
    try:
        statements = parse_program(program)
    except StatementSyntaxError as e:
        return _fail(emit, f"syntax error at line {e.line}, column {e.column}: {e.reason}", None)
    if not statements:
        return _fail(emit, "the program has no statement: pass one or more ;-terminated statements with -e", None)
    try:
        ds = open_datasource(datasource_url)
    except StepError as e:
        return _fail(emit, f"create DB failed: {e}", None, prefix="")
    for st in statements:
        line, column = line_column(program, st.offset)
        where = f"statement {st.index + 1} of {len(statements)} (line {line}, column {column})"
        try:
            run_statement(ds, st, emit)
        except StepError as e:
            return _fail(emit, f"{where}: {e}", ds)
        except Exception as e:  # a bug, or a library failure we did not foresee: still one clear line
            return _fail(emit, f"{where}: {type(e).__name__}: {e}", ds)
    return 0


def _fail(emit: Emitter, text: str, ds: object | None, prefix: str = "runSQLProgram error: ") -> int:
    scrub = getattr(ds, "scrub", None)
    if scrub is not None:
        text = scrub(text)
    emit(message_line(prefix + text))
    write_termination_message(prefix + text)  # what the job's status shows (the kubelet reads it, Argo copies it)
    return 1


if __name__ == "__main__":
    sys.exit(main())
