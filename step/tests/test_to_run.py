"""TO RUN with real child processes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from sqlflow_step.to_run import ToRunError, execute_to_run

SELECT = "  SELECT * FROM iris.train  "


def run(cmd, env=None, into=("iris.binned",), image="sqlflow/runnables:latest"):
    lines: list[str] = []
    execute_to_run(SELECT, image, list(cmd), list(into), dict(env or {}), lines.append)
    return lines


@pytest.fixture
def module_dir(tmp_path):
    """A folder on the child's PYTHONPATH for test runnables."""
    return tmp_path


def write_module(folder: Path, name: str, body: str) -> dict[str, str]:
    (folder / f"{name}.py").write_text(body)
    return {"PYTHONPATH": str(folder)}


def test_echo_like_sqlflows_workflow_test():
    assert run(["echo", "Hello World"]) == ["Hello World"]


def test_python_module_sees_select_into_image_and_inherited_sqlflow_env(module_dir, monkeypatch):
    monkeypatch.setenv("SQLFLOW_DATASOURCE", "sqlite:///some.db")
    env = write_module(
        module_dir,
        "show_env",
        "import os, sys\n"
        "for k in ('SQLFLOW_TO_RUN_SELECT', 'SQLFLOW_TO_RUN_INTO', 'SQLFLOW_TO_RUN_IMAGE', 'SQLFLOW_DATASOURCE'):\n"
        "    print(k + '=' + os.environ[k])\n"
        "print('args=' + ','.join(sys.argv[1:]))\n",
    )
    lines = run(["show_env.py", "--bins", "3"], env=env, into=["iris.a", "iris.b"])
    assert lines == [
        "SQLFLOW_TO_RUN_SELECT=SELECT * FROM iris.train",
        "SQLFLOW_TO_RUN_INTO=iris.a,iris.b",
        "SQLFLOW_TO_RUN_IMAGE=sqlflow/runnables:latest",
        "SQLFLOW_DATASOURCE=sqlite:///some.db",
        "args=--bins,3",
    ]


def test_env_argument_overrides_the_inherited_environment(monkeypatch):
    monkeypatch.setenv("SQLFLOW_DATASOURCE", "sqlite:///outer.db")
    lines = run(
        [sys.executable, "-c", "import os; print(os.environ['SQLFLOW_DATASOURCE'])"],
        env={"SQLFLOW_DATASOURCE": "sqlite:///inner.db"},
    )
    assert lines == ["sqlite:///inner.db"]


def test_no_into_gives_empty_variable():
    lines = run(
        [
            sys.executable,
            "-c",
            "import os; print(repr(os.environ['SQLFLOW_TO_RUN_INTO']))",
        ],
        into=[],
    )
    assert lines == ["''"]


def test_stdout_is_streamed_while_the_child_runs(tmp_path):
    # The child prints, then waits for a file that only our emit creates on seeing
    # that line; without streaming it would never find it and exit 7.
    flag = tmp_path / "seen"
    child = (
        "import os, sys, time\n"
        "print('first', flush=True)\n"
        f"flag = {str(flag)!r}\n"
        "for _ in range(6000):\n"
        "    if os.path.exists(flag):\n"
        "        print('second')\n"
        "        sys.exit(0)\n"
        "    time.sleep(0.01)\n"
        "sys.exit(7)\n"
    )
    seen: list[str] = []

    def emit(line: str) -> None:
        seen.append(line)
        if line == "first":
            flag.write_text("yes")

    execute_to_run(SELECT, "img", [sys.executable, "-c", child], [], {}, emit)
    assert seen == ["first", "second"]


def test_runs_in_a_fresh_temporary_directory():
    lines = run(
        [
            sys.executable,
            "-c",
            "import os; print(os.getcwd()); print(len(os.listdir('.')))",
        ]
    )
    cwd, entries = lines
    assert cwd != os.getcwd()
    assert os.path.basename(cwd).startswith("sqlflow-to-run-")
    assert entries == "0"
    assert not os.path.exists(cwd)


def test_arguments_reach_the_program_without_a_shell():
    assert run(["echo", "$HOME; echo injected", "*"]) == ["$HOME; echo injected *"]


def test_failure_prints_stderr_and_raises_with_exit_code():
    lines: list[str] = []
    code = "import sys; print('partial'); sys.stderr.write('boom: bad input\\n'); sys.exit(3)"
    with pytest.raises(ToRunError, match=r"of CMD failed: exit status 3; its stderr is above") as failure:
        execute_to_run(SELECT, "img", [sys.executable, "-c", code], [], {}, lines.append)
    assert lines == ["partial", "boom: bad input"]
    assert "import sys" not in str(failure.value)  # arguments stay out of the error


def test_stderr_of_a_successful_child_is_not_shown():
    assert run([sys.executable, "-c", "import sys; sys.stderr.write('noise\\n'); print('ok')"]) == ["ok"]


def test_large_stderr_does_not_block_the_child():
    code = "import sys; sys.stderr.write('x' * 1_000_000); print('done')"
    assert run([sys.executable, "-c", code]) == ["done"]


def test_empty_cmd_uses_sqlflows_wording():
    with pytest.raises(ToRunError, match=r"Parameters shouldn't be empty: TO RUN img needs CMD"):
        execute_to_run(SELECT, "img", [], [], {}, lambda line: None)


def test_other_extensions_are_refused():
    with pytest.raises(
        ToRunError,
        match=r"The other executable except Python program is not supported yet: CMD 'bin.sh'",
    ):
        execute_to_run(SELECT, "img", ["bin.sh"], [], {}, lambda line: None)


def test_missing_program_names_it():
    with pytest.raises(ToRunError, match=r"program 'no-such-program-x1' of CMD was not found on PATH"):
        execute_to_run(SELECT, "img", ["no-such-program-x1"], [], {}, lambda line: None)


def test_missing_python_module_fails_with_its_stderr():
    lines: list[str] = []
    with pytest.raises(ToRunError, match=r"exit status 1"):
        execute_to_run(SELECT, "img", ["no_such_module_x1.py"], [], {}, lines.append)
    assert any("No module named no_such_module_x1" in line for line in lines)


def test_killed_child_reports_the_signal():
    with pytest.raises(ToRunError, match=r"failed: killed by signal 9"):
        execute_to_run(
            SELECT,
            "img",
            [sys.executable, "-c", "import os; os.kill(os.getpid(), 9)"],
            [],
            {},
            lambda line: None,
        )
