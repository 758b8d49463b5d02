"""TO TRAIN / TO PREDICT through `step -e` vs a hand-written pandas + XGBoost script, side by side in one run.

Starts its own MariaDB (Debian's mariadbd, own data folder, free loopback port), makes a table of N rows x 10
columns (9 DOUBLE features and an INT label y) with MariaDB's sequence engine, then per round runs, in alternating
order so load drifts favour neither:
  train:   step -e "SELECT * FROM bench.big TO TRAIN xgboost.gbtree … INTO bench.m"   vs  read_sql + xgb.train
  predict: step -e "SELECT * FROM bench.big TO PREDICT bench.out.y USING bench.m"  vs  read_sql + predict + to_sql
Each side is its own process; wall time, CPU time (user + sys) and peak RSS (ru_maxrss from wait4) are reported,
with the ratios step / baseline for wall time (goal <= 1.2), CPU time (the same work measured without the
waiting a loaded machine adds; no goal of its own) and peak memory (goal <= 2); medians over the rounds.

  python step/bench/train_bench.py            # N = 1,000,000, 3 rounds
  BENCH_ROWS=100000 BENCH_ROUNDS=1 python step/bench/train_bench.py
"""
from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BOOST_ROUNDS = 20
PARAMS = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3}

TRAIN_SQL = (f"SELECT * FROM bench.big TO TRAIN xgboost.gbtree WITH objective=\"{PARAMS['objective']}\", "
             f"max_depth={PARAMS['max_depth']}, eta={PARAMS['eta']}, train.num_boost_round={BOOST_ROUNDS} "
             "LABEL y INTO bench.m")
PREDICT_SQL = "SELECT * FROM bench.big TO PREDICT bench.out.y USING bench.m"

# The baseline a data engineer would write by hand: same read, same fit / same predict and write.
BASELINE = r'''
import sys, pandas as pd, sqlalchemy as sa, xgboost as xgb
url, mode, model_path, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3}
engine = sa.create_engine(url)
with engine.connect() as conn:
    df = pd.read_sql("SELECT * FROM bench.big", conn)
x = df.drop(columns=["y"])
if mode == "train":
    booster = xgb.train(params, xgb.DMatrix(x, label=df["y"]), num_boost_round=rounds)
    booster.save_model(model_path)
else:
    booster = xgb.Booster(); booster.load_model(model_path)
    out = x.copy(); out["y"] = (booster.predict(xgb.DMatrix(x)) > 0.5).astype("int64")
    out.to_sql("out_baseline", engine, schema="bench", if_exists="replace", index=False, chunksize=10000)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mariadb(base: Path) -> tuple[subprocess.Popen, int]:
    mariadbd = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    install = shutil.which("mariadb-install-db")
    if not os.path.exists(mariadbd) or install is None:
        sys.exit("train_bench: MariaDB is not installed: apt-get install mariadb-server")
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, f"--datadir={base}/data", "--auth-root-authentication-method=normal", "--skip-test-db",
                    *user], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([mariadbd, "--no-defaults", f"--datadir={base}/data", f"--socket={base}/m.sock",
                             f"--port={port}", "--skip-networking=0", "--bind-address=127.0.0.1",
                             f"--pid-file={base}/m.pid", "--innodb-buffer-pool-size=1G", *user],
                            stdout=subprocess.DEVNULL, stderr=open(base / "err.log", "w"))
    return proc, port


def wait_ready(url: str, proc: subprocess.Popen) -> None:
    engine = sa.create_engine(url)
    for _ in range(600):
        try:
            with engine.connect():
                return
        except sa.exc.OperationalError:
            if proc.poll() is not None:
                sys.exit("train_bench: mariadbd exited")
            time.sleep(0.1)
    sys.exit("train_bench: mariadbd did not answer")


def make_table(url: str) -> None:
    cols = ", ".join(f"RAND(seq * 10 + {i}) AS f{i}" for i in range(9))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS bench")
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench.big")
        conn.exec_driver_sql(
            "CREATE TABLE bench.big AS SELECT f0, f1, f2, f3, f4, f5, f6, f7, f8, "
            "IF(f0 + 2 * f1 - f2 + 0.5 * f3 * f4 > 1, 1, 0) AS y "
            f"FROM (SELECT {cols} FROM bench.seq_1_to_{ROWS}) s")


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS in MB and CPU seconds (user + sys) of one process (and nothing else)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"train_bench: {argv[:3]} failed:\n{err.decode(errors='replace')[-3000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    step = shutil.which("step", path=str(Path(sys.executable).parent)) or shutil.which("step")
    if step is None:
        sys.exit("train_bench: no `step` next to this Python or on PATH: run scripts/step-venv.sh and use its python")
    with tempfile.TemporaryDirectory(prefix="train-bench-") as tmp:
        base = Path(tmp)
        proc, port = start_mariadb(base)
        try:
            url = f"mysql+pymysql://root@127.0.0.1:{port}/"
            wait_ready(url, proc)
            t0 = time.perf_counter()
            make_table(url)
            print(f"table bench.big: {ROWS} rows x 10 columns in {time.perf_counter() - t0:.1f} s", flush=True)
            env = {**os.environ, "SQLFLOW_DATASOURCE": f"mysql://root:@tcp(127.0.0.1:{port})/?maxAllowedPacket=0"}
            script = base / "baseline.py"
            script.write_text(BASELINE)
            model = str(base / "model.json")
            results: dict[str, list[tuple[tuple[float, float, float], tuple[float, float, float]]]] = {"train": [], "predict": []}
            for r in range(ROUNDS):
                for kind, sql in (("train", TRAIN_SQL), ("predict", PREDICT_SQL)):
                    step_argv = [step, "-e", sql]
                    base_argv = [sys.executable, str(script), url, kind, model, str(BOOST_ROUNDS)]
                    if r % 2 == 0:
                        s, b = run(step_argv, env), run(base_argv, env)
                    else:
                        b, s = run(base_argv, env), run(step_argv, env)
                    results[kind].append((s, b))
                    print(f"round {r} {kind:7s}: step {s[0]:6.1f} s wall {s[2]:6.1f} s cpu {s[1]:6.0f} MB | "
                          f"script {b[0]:6.1f} s wall {b[2]:6.1f} s cpu {b[1]:6.0f} MB | step/script: wall "
                          f"{s[0] / b[0]:.2f}, cpu {s[2] / b[2]:.2f}, memory {s[1] / b[1]:.2f}", flush=True)
            for kind, rows in results.items():
                wall = statistics.median(s[0] / b[0] for s, b in rows)
                cpu = statistics.median(s[2] / b[2] for s, b in rows)
                mem = statistics.median(s[1] / b[1] for s, b in rows)
                print(f"{kind}: {len(rows)} rounds, median step/script wall time {wall:.2f} (goal <= 1.2), "
                      f"cpu time {cpu:.2f}, peak memory {mem:.2f} (goal <= 2)")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
