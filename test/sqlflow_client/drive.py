"""Drives SQLFlow's unmodified PyPI client (sqlflow==0.15.0) for the proto.SQLFlow tests.

Usage: drive.py execute|magic  (the program on stdin; SQLFLOW_SERVER, SQLFLOW_USER_TOKEN, … from the environment).
Prints one JSON object per line: {"log": text, "t": arrival time} for every message the client logs, {"html": …}
for each HTML it displays, then
{"tables": [{"columns": [...], "rows": [[...]]}]} or {"error": code, "details": text} when the client raised.
"""
import json
import logging
import os
import sys
import time

import grpc

# Our JSON goes to the real stdout; whatever IPython prints goes to stderr.
_out = os.fdopen(os.dup(1), "w")
sys.stdout = sys.stderr


def emit(obj):
    _out.write(json.dumps(obj, default=str) + "\n")
    _out.flush()


def record_html(obj, *args, **kwargs):
    emit({"html": getattr(obj, "data", str(obj)), "t": time.time()})


class Arrivals(logging.Handler):
    def emit(self, record):
        emit({"log": record.getMessage(), "t": time.time()})


def tables_of(result):
    out = []
    if result is None:
        return out
    for i in range(result.length()):
        rows = result.get(i)
        if hasattr(rows, "column_names"):
            out.append({"columns": list(rows.column_names()), "rows": [list(r) for r in rows.rows()]})
    return out


def main():
    mode = sys.argv[1]
    program = sys.stdin.read()
    # The client renders every table through pandas (CompoundMessage.add_rows calls Rows.__str__), importing it at
    # the first one: seconds on a loaded machine, during which it sends no Fetch. A notebook has pandas loaded long
    # before; so does this driver, so what the tests time is the server, not that first import.
    import pandas
    repr(pandas.DataFrame([[1.0, "a"]], columns=["x", "y"]))
    import IPython.core.display
    IPython.core.display.display = record_html  # the client imports it from here for data:text/html, messages
    from sqlflow.client import _LOGGER, Client
    _LOGGER.handlers[:] = [Arrivals()]
    _LOGGER.propagate = False
    try:
        if mode == "execute":
            client = Client()
            fetch = client._stub.Fetch

            def counted(req, *a, **kw):
                emit({"fetch": time.time()})
                return fetch(req, *a, **kw)
            client._stub.Fetch = counted  # only to count the calls; requests and answers are untouched
            result = client.execute(program)
        else:
            from IPython.core.interactiveshell import InteractiveShell
            ip = InteractiveShell.instance()
            ip.run_line_magic("load_ext", "sqlflow.magic")
            result = ip.run_cell_magic("sqlflow", "", program)
        emit({"tables": tables_of(result)})
    except grpc.RpcError as e:
        emit({"error": e.code().name, "details": e.details()})


if __name__ == "__main__":
    main()
