"""The termination message: what a failing step leaves for the kubelet (and so for the job's status)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlflow_step import termination
from sqlflow_step.cli import run_program


def test_failure_writes_the_message_to_the_configured_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "termination-log"
    monkeypatch.setenv(termination.ENV, str(path))
    lines: list[str] = []
    url = "mysql://root:s3cret@tcp(127.0.0.1:1)/?maxAllowedPacket=0"  # attributes are checked before any connection
    assert run_program("SELECT * FROM iris.nosuch TO TRAIN DNNClassifier WITH model.xyz = 1 LABEL class INTO m;", url, lines.append) == 1
    text = path.read_text()
    assert text == "runSQLProgram error: statement 1 of 1 (line 1, column 1): unsupported attribute model.xyz", text
    assert lines[-1].startswith('message:<message:"runSQLProgram error: statement 1 of 1')


def test_connection_failure_message_is_credential_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "termination-log"
    monkeypatch.setenv(termination.ENV, str(path))
    url = "mysql://root:s3cret@tcp(127.0.0.1:1)/?maxAllowedPacket=0"  # nothing listens on port 1
    assert run_program("SELECT 1;", url, [].append) == 1
    text = path.read_text()
    assert "statement 1 of 1" in text and "s3cret" not in text, text


def test_attribute_error_message_names_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, datasource: str) -> None:
    path = tmp_path / "termination-log"
    monkeypatch.setenv(termination.ENV, str(path))
    lines: list[str] = []
    assert run_program("SELECT 1;\nSELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.xyz = 1 LABEL class INTO m;",
                       datasource, lines.append) == 1
    assert path.read_text().startswith("runSQLProgram error: statement 2 of 2 (line 2, column 1): unsupported attribute model.xyz")


def test_success_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, datasource: str) -> None:
    path = tmp_path / "termination-log"
    monkeypatch.setenv(termination.ENV, str(path))
    assert run_program("SELECT 1;", datasource, [].append) == 0
    assert not path.exists()


def test_default_path_is_left_alone_when_it_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(termination.ENV, raising=False)
    monkeypatch.setattr(termination, "DEFAULT_PATH", str(tmp_path / "absent"))
    termination.write_termination_message("boom")
    assert not (tmp_path / "absent").exists()
    existing = tmp_path / "present"
    existing.write_text("")
    monkeypatch.setattr(termination, "DEFAULT_PATH", str(existing))
    termination.write_termination_message("boom")
    assert existing.read_text() == "boom"


def test_long_messages_fit_in_4_kib_on_a_character_boundary() -> None:
    data = termination.fit("é" * 5000)
    assert len(data) <= 4096
    assert data.decode().endswith("…")
    assert termination.fit("short") == b"short"
