"""Where a statement's lines go. Everything goes to stderr, as SQLFlow's Go `log` did, so one
stream keeps SQLFlow's order (Argo captures both streams; workflow steps ran `2>&1`)."""

from __future__ import annotations

import sys
from typing import TextIO


class Emitter:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __call__(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()  # progress lines must show while training runs
