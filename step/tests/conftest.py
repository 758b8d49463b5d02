"""Real databases for the integration tests: SQLite in a tmp folder, and MariaDB — a local
`mariadbd` this fixture starts (own datadir, free loopback port, socket in tmp), or the server
at SQLFLOW_TEST_MARIADB_URL. No MariaDB installed is a failure, not a skip."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sklearn.datasets import load_iris


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def mariadb_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if os.environ.get("SQLFLOW_TEST_MARIADB_URL"):
        yield os.environ["SQLFLOW_TEST_MARIADB_URL"]
        return
    mariadbd = shutil.which("mariadbd") or ("/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None)
    install = shutil.which("mariadb-install-db")
    if mariadbd is None or install is None:
        pytest.fail("MariaDB is not installed: install Debian's mariadb-server (apt-get install mariadb-server) "
                    "or set SQLFLOW_TEST_MARIADB_URL to a server's SQLAlchemy URL", pytrace=False)
    base = tmp_path_factory.mktemp("mariadb")
    data, sock = base / "data", base / "mysqld.sock"
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db", *user],
                   check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([mariadbd, "--no-defaults", f"--datadir={data}", f"--socket={sock}", f"--port={port}",
                             "--skip-networking=0", "--bind-address=127.0.0.1", f"--pid-file={base}/m.pid", *user],
                            stdout=subprocess.DEVNULL, stderr=open(base / "err.log", "w"))
    url = f"mysql+pymysql://root@127.0.0.1:{port}/"
    engine = sa.create_engine(url)
    for _ in range(600):  # readiness by polling, not a timed assertion
        try:
            with engine.connect():
                break
        except sa.exc.OperationalError:
            if proc.poll() is not None:
                pytest.fail(f"mariadbd exited: {(base / 'err.log').read_text()[-2000:]}", pytrace=False)
            time.sleep(0.1)
    engine.dispose()
    yield f"mysql://root:@tcp(127.0.0.1:{port})/?maxAllowedPacket=0"
    proc.terminate()
    proc.wait()


def load_iris_tables(engine: sa.Engine, sqlite_folder: Path | None) -> None:
    """iris.train / iris.test from scikit-learn's bundled iris: every 5th row is test."""
    d = load_iris()
    rows = [dict(zip(["sepal_length", "sepal_width", "petal_length", "petal_width"], map(float, r)), **{"class": int(t)})
            for r, t in zip(d.data, d.target)]
    if sqlite_folder is not None:
        import sqlite3

        for db in ("iris", "sqlflow_models"):
            sqlite3.connect(sqlite_folder / f"{db}.db").close()
    with engine.begin() as conn:
        if sqlite_folder is None:
            conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS iris")
            conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS sqlflow_models")
    with engine.begin() as conn:
        for t in ("train", "test"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS iris.{t}")
            conn.exec_driver_sql(f"CREATE TABLE iris.{t} (sepal_length FLOAT, sepal_width FLOAT, petal_length FLOAT, petal_width FLOAT, class INT)")
        for i, r in enumerate(rows):
            t = "test" if i % 5 == 0 else "train"
            conn.execute(sa.text(f"INSERT INTO iris.{t} VALUES (:sepal_length, :sepal_width, :petal_length, :petal_width, :class)"), r)


@pytest.fixture(params=["sqlite", "mariadb"])
def datasource(request, tmp_path):  # type: ignore[no-untyped-def]
    from sqlflow_step.datasource import open_datasource

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/main.db"
        ds = open_datasource(url)
        load_iris_tables(ds.engine, tmp_path)
    else:
        url = request.getfixturevalue("mariadb_url")
        ds = open_datasource(url)
        load_iris_tables(ds.engine, None)
    return url
