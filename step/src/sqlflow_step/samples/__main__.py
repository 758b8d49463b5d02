"""``python -m sqlflow_step.samples [--datasource URL]``: loads the sample tables.

The datasource is ``SQLFLOW_DATASOURCE`` unless ``--datasource`` is given (an argument is visible
to every user of the machine in the process list, so prefer the variable for a URL with a password).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..datasource import DatasourceError, describe, open_datasource
from .datasets import all_tables
from .load import load_samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sqlflow_step.samples", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasource", help="datasource URL (default: $SQLFLOW_DATASOURCE)")
    args = parser.parse_args(argv)
    url = args.datasource or os.environ.get("SQLFLOW_DATASOURCE", "")
    if not url:
        print("samples: no datasource: set SQLFLOW_DATASOURCE or pass --datasource URL", file=sys.stderr)
        return 2
    try:
        ds = open_datasource(url)
    except DatasourceError as e:
        print(f"samples: {e}", file=sys.stderr)
        return 2
    try:
        load_samples(ds, all_tables())
    except Exception as e:  # noqa: BLE001  one line with the password scrubbed, never a traceback
        first = str(e).splitlines()[0] if str(e) else ""
        print(f"samples: loading into {describe(url)} failed: {type(e).__name__}: {ds.scrub(first)}", file=sys.stderr)
        return 1
    finally:
        ds.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
