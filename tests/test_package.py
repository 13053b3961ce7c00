"""The package as a whole: its import graph, and a built wheel installed into a new virtual environment."""

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "synthbench"


def _imports():
    """module -> [(imported module, imported names)] for every import statement in the package."""
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    found = {}
    for name, path in mods.items():
        out = []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                out += [(a.name, ()) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                    base = ".".join(pkg + ([node.module] if node.module else []))
                out.append((base, tuple(a.name for a in node.names)))
        found[name] = out
    return mods, found


def test_no_import_cycle_no_private_import_and_mlflow_only_in_tracking():
    mods, found = _imports()
    edges = {}
    problems = []
    for name, imports in found.items():
        deps = set()
        for base, names in imports:
            if base.split(".")[0] == "mlflow" and name != "synthbench.tracking":
                problems.append(f"{name} imports mlflow")
            if base in mods:
                deps.add(base)
                problems += [f"{name} imports private {base}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
            deps |= {f"{base}.{n}" for n in names if f"{base}.{n}" in mods}
        # a package and its own modules are one unit (an __init__ re-exporting its modules is no cycle)
        edges[name] = {d for d in deps if d != name and not d.startswith(name + ".") and not name.startswith(d + ".")
                       and d != "synthbench"}
    state = {}

    def visit(u, stack):
        state[u] = 1
        for v in sorted(edges.get(u, ())):
            if state.get(v) == 1:
                problems.append("import cycle: " + " -> ".join(stack[stack.index(v):] + [v]))
            elif not state.get(v):
                visit(v, stack + [v])
        state[u] = 2

    for m in sorted(edges):
        if not state.get(m):
            visit(m, [m])
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_a_built_wheel_installs_into_a_new_venv_and_runs_from_an_empty_folder(repo_root, tmp_path):
    """``pip wheel .`` from a clean copy of the sources, installed into a new virtual environment (its dependencies
    come from this one), then ``synthbench list`` and a quick run from an empty folder, data from --data-dir."""
    src = tmp_path / "src"
    files = subprocess.run(["git", "-C", str(repo_root), "ls-files", "--cached", "--others", "--exclude-standard"],
                           capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if (repo_root / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo_root / f, src / f)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("synthbench-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # dependencies: this environment's
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True, text=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["COLUMNS"] = "240"
    where = subprocess.run([str(py), "-c", "import synthbench; print(synthbench.__file__)"], capture_output=True, text=True,
                           cwd=empty, env=env)
    assert str(site) in where.stdout, where.stdout + where.stderr  # the wheel's copy, not the checkout
    exe = venv / "bin" / "synthbench"
    listing = subprocess.run([str(exe), "list"], capture_output=True, text=True, cwd=empty, env=env)
    assert listing.returncode == 0, listing.stderr
    for task in ("mnist", "fashion-mnist", "adult", "diamonds", "lending-club"):
        assert f" {task} " in listing.stdout, task
    data = repo_root.parent / "shared" / "datasets"
    data = data if (data / "mnist").is_dir() else repo_root / "datasets"
    run = subprocess.run([str(exe), "run", "--generator", "pca-gmm", "--task", "mnist", "--budget", "quick", "--data-dir",
                          str(data), "--no-system-metrics", "--no-save-synthetic"],
                         capture_output=True, text=True, cwd=empty, env={**env, "SYNTHBENCH_OFFLINE": "1"}, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "accuracy (synthetic)" in run.stdout and (empty / "mlflow.db").is_file()
