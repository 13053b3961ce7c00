"""Thin the step curves of the committed board store (results/boards/mlflow.db) to at most 200 points each.

Runs before 2026-12-06 logged a GAN's training record after every pass over the data, and every epoch of an SDV
synthesizer: on 100 images that was ~19,000 `train/*` points per run, and the store grew to 101 MB (GitHub takes
no file over 100 MB). A run now logs at most `tracking.CURVE_POINTS` points per curve (`synthbench.tracking.thin`:
evenly spaced, the first and the last kept); this applies the same selection to the curves already in a store
(every step metric with more points: train/*, and system/* of long runs, which a run does not thin itself).
Final values (`latest_metrics`, what the reports read) are not touched; no report reads step curves but the
training figures' `probe/fid`, which has six points per run.

    python results/compact_board_store.py results/boards/mlflow.db

Refuses a store a sweep is writing to (a lock beside it that is held, or a RUNNING run). SQLite is used directly because
MLflow has no call that deletes points of a metric's history.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from synthbench.tracking import CURVE_POINTS, thin


def compact(path: Path, limit: int = CURVE_POINTS) -> dict:
    from filelock import FileLock, Timeout

    for lock in sorted(path.parent.glob(path.name + "*.lock")):  # a lock file stays after its sweep; held = running
        try:
            FileLock(str(lock), timeout=0).acquire().lock.release()
        except Timeout:
            raise SystemExit(f"{path}: {lock.name} is held - a sweep or run is writing to the store; stop it first") from None
    con = sqlite3.connect(path)
    try:
        running = con.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0]
        if running:
            raise SystemExit(f"{path}: {running} RUNNING run(s) - finish or close them first")
        before = con.execute("select count(*) from metrics").fetchone()[0]
        long = con.execute("select run_uuid, key from metrics group by run_uuid, key having count(*) > ?", (limit,)).fetchall()
        curves = 0
        for run_uuid, key in long:
            rows = [r[0] for r in con.execute("select rowid from metrics where run_uuid = ? and key = ? "
                                              "order by step, timestamp, value, rowid", (run_uuid, key))]
            keep = set(thin(rows, limit))
            con.executemany("delete from metrics where rowid = ?", [(r,) for r in rows if r not in keep])
            curves += 1
        con.commit()
        after = con.execute("select count(*) from metrics").fetchone()[0]
        ok = con.execute("pragma integrity_check").fetchone()[0]
    finally:
        con.close()
    size = path.stat().st_size
    con = sqlite3.connect(path)
    con.execute("vacuum")
    con.close()
    return {"curves_thinned": curves, "metric_rows_before": before, "metric_rows_after": after,
            "integrity": ok, "bytes_before_vacuum": size, "bytes_after": path.stat().st_size}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="an MLflow SQLite store (results/boards/mlflow.db)")
    parser.add_argument("--limit", type=int, default=CURVE_POINTS, help="points kept per curve (default %(default)s)")
    args = parser.parse_args(argv)
    if not args.store.is_file():
        raise SystemExit(f"no SQLite store at {args.store}")
    if args.limit < 2:
        raise SystemExit(f"--limit {args.limit}: keep 2 or more points per curve (the first and the last among them)")
    for k, v in compact(args.store, args.limit).items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
