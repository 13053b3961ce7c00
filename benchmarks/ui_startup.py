"""``synthbench ui`` start-up: seconds from the command to the first answer of ``/health``, timed beside the bare
reference - ``mlflow ui`` with its defaults (four server workers, MLflow's job execution on) - on the same store, in
one run, alternating, each repeated; prints each time, the medians and their ratio.

Usage: python benchmarks/ui_startup.py [--repeats 3] [--tracking-uri sqlite:///mlflow.db]
(without --tracking-uri: a fresh store in a temporary folder holding one run)
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_until_health(cmd: list[str], port: int, env: dict[str, str], limit: float = 300.0) -> float:
    """Seconds from starting ``cmd`` to a 200 from ``/health`` on ``port``; the server is stopped afterwards."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        while time.monotonic() - t0 < limit:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode} before answering")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                    if answer.status == 200:
                        return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{' '.join(cmd)} did not answer within {limit:.0f} s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(1.0)  # let the process group's last workers exit before the next start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tracking-uri", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.tracking_uri
        if uri is None:
            from synthbench import keys, tracking

            uri = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
            tracking.import_runs(uri, "synthbench", [{
                "tags": {keys.TAG_TASK: "toy", keys.TAG_GENERATOR: "pca-gmm", keys.TAG_SEED: "0"},
                "metrics": {keys.utility("synthetic", "accuracy"): 0.9}}])
        exe = Path(sys.executable).parent
        # each command with its own default for MLflow's job execution
        env = {k: v for k, v in os.environ.items() if k != "MLFLOW_SERVER_ENABLE_JOB_EXECUTION"}
        times: dict[str, list[float]] = {"synthbench ui": [], "mlflow ui (defaults)": []}
        for repeat in range(args.repeats):
            for name in times:
                port = free_port()
                cmd = ([str(exe / "synthbench"), "ui", "--tracking-uri", uri, "--port", str(port)]
                       if name == "synthbench ui" else
                       [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--host", "127.0.0.1",
                        "--port", str(port)])
                seconds = time_until_health(cmd, port, env)
                times[name].append(seconds)
                print(f"repeat {repeat + 1}: {name}: {seconds:.1f} s", flush=True)
    ours, bare = (statistics.median(v) for v in times.values())
    print(f"store: {uri}")
    print(f"median until /health answers: synthbench ui {ours:.1f} s, mlflow ui (defaults) {bare:.1f} s; "
          f"ratio {ours / bare:.2f}")


if __name__ == "__main__":
    main()
