"""TO RUN: run a program from CMD with the statement's SELECT, INTO and image in its environment.

As in SQLFlow's ExecuteRun: CMD is required; `x.py` runs as `python -m x`, a name
without an extension runs as is, any other extension is refused; the child runs
without a shell in a fresh temporary directory; its stdout is streamed line by
line, its stderr is shown only when it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable

try:
    # The step runtime's base error: the CLI prints it as SQLFlow's message line.
    from .errors import StepError as _Base
except ImportError:  # only while this branch lacks step-core's errors module; drop after the merge
    _Base = RuntimeError


class ToRunError(_Base):
    """A TO RUN statement that could not run its program, or whose program failed."""


def execute_to_run(
    select: str,
    image: str,
    cmd: list[str],
    into: list[str],
    env: dict[str, str],
    emit: Callable[[str], None],
) -> None:
    """Run `cmd` for `SELECT … TO RUN image CMD … [INTO …]`.

    The child gets the step's own environment (so SQLFLOW_DATASOURCE and the other
    SQLFLOW_* variables), then `env` on top, then SQLFLOW_TO_RUN_SELECT/INTO/IMAGE.
    """
    if not cmd:
        raise ToRunError(f'Parameters shouldn\'t be empty: TO RUN {image} needs CMD "<program>"[, "<arg>"...]')
    argv = _argv(cmd)
    child_env = {**os.environ, **env}
    child_env["SQLFLOW_TO_RUN_SELECT"] = select.strip()
    child_env["SQLFLOW_TO_RUN_INTO"] = ",".join(into)
    child_env["SQLFLOW_TO_RUN_IMAGE"] = image
    # A Python child (the usual runnable) then writes each line as it prints it.
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    with (
        tempfile.TemporaryDirectory(prefix="sqlflow-to-run-") as cwd,
        tempfile.TemporaryFile() as stderr,
    ):
        try:
            child = subprocess.Popen(
                argv,
                cwd=cwd,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                # a file, not a pipe: an unread pipe would block a child that writes much to stderr
                stderr=stderr,
                text=True,
                errors="replace",
            )
        except FileNotFoundError:
            raise ToRunError(
                f"TO RUN: program {cmd[0]!r} of CMD was not found on PATH; install it in the step image "
                "or give its full path"
            ) from None
        except PermissionError:
            raise ToRunError(f"TO RUN: program {cmd[0]!r} of CMD is not executable; chmod +x it") from None
        assert child.stdout is not None
        with child:
            try:
                for line in child.stdout:
                    emit(line.rstrip("\r\n"))
            except BaseException:
                child.kill()  # the step is giving up; do not leave the program running
                raise
        code = child.wait()
        if code != 0:
            stderr.seek(0)
            for line in stderr.read().decode(errors="replace").splitlines():
                emit(line)
            how = f"exit status {code}" if code > 0 else f"killed by signal {-code}"
            # Only the program: its arguments are the user's and may carry secrets.
            raise ToRunError(f"TO RUN program {cmd[0]!r} of CMD failed: {how}; its stderr is above")


def _argv(cmd: list[str]) -> list[str]:
    program, args = cmd[0], list(cmd[1:])
    _, extension = os.path.splitext(os.path.basename(program))
    if extension == "":
        return [program, *args]
    if extension == ".py":
        # The step's own interpreter, so the runnable sees the same libraries as the step.
        module = program[: -len(".py")].replace("/", ".")
        return [sys.executable, "-m", module, *args]
    raise ToRunError(
        f"The other executable except Python program is not supported yet: CMD {program!r}; "
        "give a program on PATH without an extension, or a Python module as <name>.py"
    )
