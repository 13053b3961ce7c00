"""A report (``synthbench.report.Report``) as files: ``report.md``, ``leaderboard.csv`` (one row per board, row and
metric: mean, 95% CI, seeds), ``comparisons.csv`` (the paired tests), ``index.html`` (one self-contained page:
the tables, sortable, and the figures embedded; no server, no network) and ``figures/*.png``."""

from __future__ import annotations

import base64
import csv
import io
import math
import re
from pathlib import Path

from synthbench.report import Board, Column, Comparison, Report, Row

SECTIONS = (("utility", "Utility"), ("fidelity", "Fidelity"), ("privacy", "Privacy"), ("fairness", "Fairness"),
            ("cost", "Cost"))
TEMPLATE = "report.html.j2"


def decimals(v: float) -> int:
    """Decimals for a value of this size: 4 below 10, 2 below 1,000, none above."""
    a = abs(v)
    return 4 if a < 10 else (2 if a < 1000 else 0)


def number(v: float | None, places: int | None = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if places is None and v != 0 and abs(v) < 1e-3:
        return f"{v:.3g}"
    return f"{v:.{decimals(v) if places is None else places}f}"


def cell(row: Row, col: Column) -> str:
    """``mean ± half (n=k)`` (the half-width to the mean's decimals) with the reference in brackets; ``-`` where the
    row did not measure it."""
    s = row.summaries.get(col.key)
    if s is None:
        return "-"
    places = decimals(s.mean)
    text = number(s.mean, places) + (f" ± {number(s.half, places)}" if s.half is not None else "") + f" (n={s.n})"
    return text + (f" [{number(s.reference)}]" if s.reference is not None else "")


def verdict(c: Comparison | None) -> str:
    if c is None:
        return "-"
    if c.verdict == "itself":
        return "(this row)"
    if c.p is None:
        return c.verdict
    return (f"{c.verdict}: {c.diff:+.4f} [{number(c.low)}, {number(c.high)}], p={c.p:.3g}"
            f" (Holm {c.p_adjusted:.3g}), n={c.n}")


def status(row: Row) -> str:
    parts = [f"{len(row.finished)} finished"]
    parts += [f"{row.count(s)} {s.lower()}" for s in ("FAILED", "KILLED", "RUNNING") if row.count(s)]
    return ", ".join(parts)


def diagnosis(row: Row) -> str:
    return ", ".join(f"{k} x{v}" for k, v in row.diagnoses.items()) or "-"


def diagnosis_notes(board: Board) -> list[str]:
    """Beside a board's labels, what each label other than ``healthy`` means and what to try first - so a variant shown
    ``not_converged`` at the board's budget says why (``diagnosis.md`` in each run holds its own evidence)."""
    from synthbench.diagnostics import MEANINGS, REMEDIES

    seen: dict[str, list[str]] = {}
    for r in board.rows:
        for label, n in r.diagnoses.items():
            if label != "healthy":
                seen.setdefault(label, []).append(f"{r.label} x{n}")
    return [f"{label} ({', '.join(rows)}): {MEANINGS.get(label, 'a label of a plug-in diagnosis')}"
            + (f"; first remedy: {REMEDIES[label][0]}" if REMEDIES.get(label) else "")
            for label, rows in sorted(seen.items())]


def intro(board: Board) -> str:
    where = ("" if board.version is None else f", version {board.version}") + ("" if not board.data else f" (data {board.data})")
    floor = f"floor: **{board.floor}**" if board.floor else "no floor baseline in these runs"
    best = f"best: **{board.best}**" if board.best else "no generator finished with a TSTR"
    return (f"Task **{board.task}**{where}; headline: TSTR {board.headline} "
            f"({'lower' if board.lower_is_better else 'higher'} is better); {floor}; {best}.")


# -- Markdown ------------------------------------------------------------------------------------------------------
def _md(text: str) -> str:
    """A table cell's text with Markdown's table and emphasis characters escaped."""
    return re.sub(r"([|*<>_`\\])", r"\\\1", text)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    esc = [[_md(c) for c in r] for r in [header, *rows]]
    return ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in esc[1:]]


def markdown(report: Report, title: str = "synthbench report", command: str = "") -> str:
    lines = [f"# {title}", ""]
    if command:
        lines += [f"Made by `{command}`.", ""]
    lines += [EXPLAINER, ""]
    if not report.boards:
        return "\n".join(lines + [empty_text(report), ""])
    for board in report.boards:
        lines += [f"## {board.key}", "", intro(board), ""]
        main = board.section("utility")
        lines += _md_table(["generator", "seeds", *[c.label for c in main], "vs floor", "vs best", "diagnosis"],
                           [[r.label, status(r), *[cell(r, c) for c in main], verdict(r.vs_floor), verdict(r.vs_best),
                             diagnosis(r)] for r in board.rows])
        lines.append("")
        notes = diagnosis_notes(board)
        if notes:
            lines += ["Diagnoses on this board:", ""] + [f"- {_md(n)}" for n in notes] + [""]
        for section, name in SECTIONS[1:]:
            cols = board.section(section)
            if cols:
                lines += [f"### {name}", ""] + _md_table(["generator", *[c.label for c in cols]],
                                                         [[r.label, *[cell(r, c) for c in cols]] for r in board.rows]) + [""]
        if board.curves:
            lines += ["### Scarce data: gain over the real rows alone", ""]
            lines += _md_table(["generator", "regime", *[f"N={n}" for n in curve_sizes(board)]], curve_cells(board)) + [""]
        problems = [f"- {r.label}: {p}" for r in board.rows for p in r.problems]
        if problems:
            lines += ["### Runs that did not finish", ""] + problems + [""]
    return "\n".join(lines)


EXPLAINER = ("Each value is the mean over finished seeds ± the half-width of its 95% confidence interval (Student's t), "
             "with the number of seeds; [brackets]: the same metric on real data (fidelity: real vs real; fairness: the "
             "model trained on real data). 'vs floor' / 'vs best': the paired t-test of TSTR over the seeds both rows "
             "finished, as the mean difference [95% CI], p and its Holm adjustment within the board; 'tie' unless the "
             "adjusted p < 0.05 - rows within noise are tied, not ranked. Failed and killed runs are counted in 'seeds'.")


def empty_text(report: Report) -> str:
    asked = ", ".join(f"{k}={v}" for k, v in report.filters.items() if v not in (None, [], ())) or "no filter"
    return f"No runs to report ({asked}): the store holds no synthbench run that matches."


def curve_sizes(board: Board) -> list[int]:
    return sorted({p.n for c in board.curves for p in c.points})


def curve_cells(board: Board) -> list[list[str]]:
    """One line per curve: the mean gain ± CI at each size, the test's verdict and p."""
    out = []
    for c in board.curves:
        at = {p.n: p for p in c.points}
        cells = []
        for n in curve_sizes(board):
            p = at.get(n)
            if p is None:
                cells.append("-")
                continue
            places = 4
            text = f"{p.gain.mean:+.{places}f}" + (f" ± {p.gain.half:.{places}f}" if p.gain.half is not None else "")
            cells.append(text + f" (n={p.gain.n}, {p.verdict}"
                         + (f", p={p.p:.3g}, Holm {p.p_holm:.3g})" if p.p is not None else ")"))
        out.append([c.label, c.regime, *cells])
    return out


# -- CSV -------------------------------------------------------------------------------------------------------------
def leaderboard_rows(report: Report) -> list[dict]:
    out = []
    for b in report.boards:
        for r in b.rows:
            base = {"task": b.task, "task_version": b.version, "data": b.data, "train_size": b.train_size or "",
                    "row": r.label, "generator": r.generator,
                    "budget": r.budget, "finished": len(r.finished), "failed": r.count("FAILED"), "killed": r.count("KILLED"),
                    "running": r.count("RUNNING")}
            for c in b.columns:
                s = r.summaries.get(c.key)
                out.append({**base, "section": c.section, "metric": c.key, "n": s.n if s else 0,
                            "mean": s.mean if s else "", "ci_half_width": s.half if s and s.half is not None else "",
                            "ci_low": s.mean - s.half if s and s.half is not None else "",
                            "ci_high": s.mean + s.half if s and s.half is not None else "",
                            "reference_mean": s.reference if s and s.reference is not None else ""})
    return out


def comparison_rows(report: Report) -> list[dict]:
    out = []
    for b in report.boards:
        for r in b.rows:
            for kind, c in (("floor", r.vs_floor), ("best", r.vs_best)):
                if c is None or c.verdict == "itself":
                    continue
                out.append({"task": b.task, "task_version": b.version, "data": b.data, "train_size": b.train_size or "",
                            "row": r.label, "against": kind,
                            "against_row": c.against, "metric": b.tstr, "paired_seeds": c.n,
                            "mean_difference": "" if math.isnan(c.diff) else c.diff,
                            "ci_low": "" if c.low is None else c.low, "ci_high": "" if c.high is None else c.high,
                            "p": "" if c.p is None else c.p, "p_holm": "" if c.p_adjusted is None else c.p_adjusted,
                            "verdict": c.verdict})
    return out


def curve_rows(report: Report) -> list[dict]:
    return [{"task": b.task, "task_version": b.version, "data": b.data, "curve": c.label, "generator": c.generator,
             "regime": c.regime, "metric": b.headline, "n": p.n, "seeds": p.gain.n, "mean_gain": p.gain.mean,
             "ci_half_width": "" if p.gain.half is None else p.gain.half, "p": "" if p.p is None else p.p,
             "p_holm": "" if p.p_holm is None else p.p_holm, "verdict": p.verdict}
            for b in report.boards for c in b.curves for p in c.points]


CURVE_FIELDS = ["task", "task_version", "data", "curve", "generator", "regime", "metric", "n", "seeds", "mean_gain",
                "ci_half_width", "p", "p_holm", "verdict"]


def _csv(rows: list[dict], fields: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


# train_size: the board's --train-size (empty: the task's whole training split)
LEADERBOARD_FIELDS = ["task", "task_version", "data", "train_size", "row", "generator", "budget", "finished", "failed",
                      "killed", "running", "section", "metric", "n", "mean", "ci_half_width", "ci_low", "ci_high",
                      "reference_mean"]
COMPARISON_FIELDS = ["task", "task_version", "data", "train_size", "row", "against", "against_row", "metric",
                     "paired_seeds", "mean_difference", "ci_low", "ci_high", "p", "p_holm", "verdict"]


# -- HTML ------------------------------------------------------------------------------------------------------------
def _sort_value(row: Row, col: Column) -> str:
    s = row.summaries.get(col.key)
    return "" if s is None else repr(s.mean)


def _diff_sort(c: Comparison | None) -> str:
    return "" if c is None or math.isnan(c.diff) else repr(c.diff)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def html(report: Report, figures: dict, title: str = "synthbench report", command: str = "", links: dict | None = None,
         generated: str = "") -> str:
    """The page; ``figures``: board key -> ``[(name, title, png)]``; ``links``: board key -> MLflow UI link."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("synthbench", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    boards = []
    for b in report.boards:
        sections = []
        for section, name in SECTIONS:
            cols = b.section(section)
            if not cols and section != "utility":  # the utility table always: it holds the seeds and failures
                continue
            rows = []
            for r in b.rows:
                cells = [(cell(r, c), _sort_value(r, c)) for c in cols]
                if section == "utility":
                    cells += [(verdict(r.vs_floor), _diff_sort(r.vs_floor)), (verdict(r.vs_best), _diff_sort(r.vs_best)),
                              (diagnosis(r), diagnosis(r))]
                rows.append({"label": r.label, "status": status(r), "finished": len(r.finished), "cells": cells})
            header = [c.label for c in cols] + (["vs floor", "vs best", "diagnosis"] if section == "utility" else [])
            sections.append({"name": name, "header": header, "rows": rows})
        if b.curves:
            sizes = curve_sizes(b)
            rows = [{"label": cells[0], "status": cells[1], "finished": 1,
                     "cells": [(t, "" if t == "-" else t.split(" ")[0].lstrip("+")) for t in cells[2:]]}
                    for cells in curve_cells(b)]
            sections.append({"name": "Scarce data: gain over the real rows alone", "header": [f"N={n}" for n in sizes],
                             "rows": rows, "first": ["generator", "regime"]})
        boards.append({"name": b.key, "id": slug(b.key), "intro": intro(b).replace("**", ""),
                       "sections": sections, "problems": [f"{r.label}: {p}" for r in b.rows for p in r.problems],
                       "diagnoses": diagnosis_notes(b),
                       "figures": [{"name": n, "title": t, "id": slug(f"{b.key}-{n}"),
                                    "src": "data:image/png;base64," + base64.b64encode(data).decode()}
                                   for n, t, data in figures.get(b.key, [])],
                       "link": (links or {}).get(b.key)})
    return env.get_template(TEMPLATE).render(title=title, command=command, explainer=EXPLAINER, boards=boards,
                                             empty=empty_text(report) if not report.boards else "", runs=report.runs,
                                             generated=generated)


def write(report: Report, out: Path, figures: dict, *, title: str = "synthbench report", command: str = "",
          links: dict | None = None, generated: str = "") -> list[Path]:
    """Write the report's files under ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    for old in (out / "figures").glob("*.png"):  # an earlier report's figures are not this one's
        old.unlink()
    paths = {"report.md": markdown(report, title, command),
             "leaderboard.csv": _csv(leaderboard_rows(report), LEADERBOARD_FIELDS),
             "comparisons.csv": _csv(comparison_rows(report), COMPARISON_FIELDS),
             "curves.csv": _csv(curve_rows(report), CURVE_FIELDS),
             "index.html": html(report, figures, title, command, links, generated)}
    written = []
    for name, text in paths.items():
        (out / name).write_text(text)
        written.append(out / name)
    for board_key, figs in figures.items():
        for name, _, data in figs:
            path = out / "figures" / f"{slug(board_key)}-{name}.png"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    return written
