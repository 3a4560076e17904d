"""``course grade``: run submitted notebooks with nbval and score their exercises.

Each submission is copied into a fresh temporary folder (the file itself is
never touched) and executed by ``pytest --nbval-lax`` in a subprocess, in
grading mode with the given profile. An exercise passes when its check cell
ran without error and :func:`helpers.checks.report` logged a pass for it.

This module is also the small pytest plugin (``-p helpers.grading``) that the
subprocess loads: it starts the kernel in the lesson folder and writes each
cell's outcome as a JSON line to ``$COURSE_GRADE_CELLS``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from helpers.checks import GRADE_LOG_ENV, GRADING_ENV
from helpers.exercises import check_cells
from helpers.paths import checkout_root
from helpers.profiles import PROFILE_ENV

CELLS_ENV = "COURSE_GRADE_CELLS"
KERNEL_CWD_ENV = "COURSE_GRADE_KERNEL_CWD"
REPORT_FIELDS = ("notebook", "exercise", "passed", "message", "notebook_error")


@dataclass
class ExerciseResult:
    """The outcome of one exercise."""

    exercise: str
    passed: bool
    message: str


@dataclass
class NotebookGrade:
    """The outcomes of one submission; ``error`` says why it could not run to the end."""

    notebook: Path
    results: list[ExerciseResult]
    passed: int
    total: int
    error: str | None = None


def grade(paths: list[Path], timeout: int = 600, profile: str = "smoke") -> list[NotebookGrade]:
    """Grade each submitted notebook (``timeout``: seconds per cell). Submissions are not modified."""
    missing = [str(path) for path in paths if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(f"No such notebook(s): {', '.join(missing)}")
    return [_grade_one(Path(path), timeout, profile) for path in paths]


def format_table(grades: list[NotebookGrade]) -> str:
    """A plain-text table per notebook: exercise | result | message, then the total."""
    blocks = []
    for notebook in grades:
        rows = [("exercise", "result", "message")]
        rows += [(r.exercise, "PASS" if r.passed else "FAIL", " ".join(r.message.split()))
                 for r in notebook.results]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        lines = [str(notebook.notebook)]
        lines += [f"  {a:<{widths[0]}} | {b:<{widths[1]}} | {c}".rstrip() for a, b, c in rows]
        lines.append(f"  total: {notebook.passed}/{notebook.total}")
        if notebook.error:
            lines.append(f"  error: {notebook.error}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def write_report(grades: list[NotebookGrade], path: Path) -> None:
    """Write one row per exercise (with its notebook) to a ``.json`` or ``.csv`` file."""
    rows = [{"notebook": str(notebook.notebook), "exercise": result.exercise, "passed": result.passed,
             "message": result.message, "notebook_error": notebook.error or ""}
            for notebook in grades for result in notebook.results]
    path = Path(path)
    if path.suffix == ".json":
        path.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf8")
    elif path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf8") as handle:
            writer = csv.DictWriter(handle, fieldnames=REPORT_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    else:
        raise ValueError(f"Cannot write a report to {path}: use a .json or .csv file name.")


def _grade_one(submission: Path, timeout: int, profile: str) -> NotebookGrade:
    """Run one submission in a temporary folder and turn its cell outcomes into a grade."""
    try:
        nb = nbformat.read(submission, as_version=4)
        checks = check_cells(nb)
    except (ValueError, nbformat.ValidationError) as error:
        return NotebookGrade(submission, [], 0, 0, f"not a gradable notebook: {error}")
    print(f"Grading {submission} (profile {profile}) ...", file=sys.stderr, flush=True)
    root = checkout_root() or Path.cwd()
    lesson_folder = root / "notebooks" if (root / "notebooks").is_dir() else root
    with tempfile.TemporaryDirectory(prefix="course-grade-") as folder:
        work = Path(folder)
        copy = work / submission.name
        shutil.copyfile(submission, copy)
        (work / "pytest.ini").write_text("[pytest]\n")
        cells_log, grade_log = work / "cells.jsonl", work / "grade_log.jsonl"
        env = {**os.environ, GRADING_ENV: "1", PROFILE_ENV: profile, GRADE_LOG_ENV: str(grade_log),
               CELLS_ENV: str(cells_log), KERNEL_CWD_ENV: str(lesson_folder),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
                   f"--nbval-cell-timeout={timeout}", "-p", "no:cacheprovider", "-p", __name__,
                   f"--rootdir={work}", "-c", str(work / "pytest.ini"), "-q", str(copy)]
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        cells = {entry["cell"]: entry for entry in _read_jsonl(cells_log)}
        reports = {entry["exercise"]: entry for entry in _read_jsonl(grade_log)}  # the last one counts
    results = [_result(name, cells.get(cell_num), reports.get(name)) for name, cell_num in checks]
    error = _notebook_error(cells, [cell.source for cell in nb.cells if cell.cell_type == "code"])
    if error is None and done.returncode not in (0, 1, 5):  # 5: no code cells
        error = f"pytest could not run the notebook (exit code {done.returncode}): {_tail(done.stdout + done.stderr)}"
    return NotebookGrade(submission, results, sum(r.passed for r in results), len(results), error)


def _result(exercise: str, cell: dict[str, Any] | None, report: dict[str, Any] | None) -> ExerciseResult:
    """One exercise's result from its check cell's outcome and its last logged report."""
    if cell is None or cell["outcome"] == "skipped":
        return ExerciseResult(exercise, False, "not run")
    if cell["outcome"] == "passed":
        if report is None:
            return ExerciseResult(exercise, False, "the check cell ran but reported no result (was it changed?)")
        return ExerciseResult(exercise, report["passed"], report["message"])
    raised = cell["exception"]
    if report is not None and (raised or "").startswith("ExerciseFailed:"):
        return ExerciseResult(exercise, False, report["message"])
    if raised and not cell["timed_out"]:
        return ExerciseResult(exercise, False, f"the check cell raised {raised}")
    return ExerciseResult(exercise, False, f"the check cell failed: {cell['failure']}")


def _notebook_error(cells: dict[int, dict[str, Any]], sources: list[str]) -> str | None:
    """Why the notebook could not run to the end (a timeout, a dead kernel), or None."""
    for number, cell in sorted(cells.items()):
        if cell["outcome"] == "failed" and (cell["timed_out"] or not cell["kernel_alive"]):
            first_line = next((line.strip() for line in sources[number].splitlines() if line.strip()), "")
            return f"code cell {number + 1} ({first_line[:60]!r}): {cell['failure']}"
    return None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a file (none if it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line.strip()]


def _tail(text: str, lines: int = 15) -> str:
    """The last lines of a command's output."""
    return "\n".join(text.strip().splitlines()[-lines:])


# --- pytest plugin, loaded by the grading subprocess with ``-p helpers.grading`` ---


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Move the kernel into the lesson folder (nbval starts it in the notebook copy's folder)."""
    yield
    kernel = getattr(item.parent, "kernel", None)
    folder = os.environ.get(KERNEL_CWD_ENV)
    if folder and kernel is not None and getattr(item, "cell_num", None) == 0:
        reply = kernel.execute_cell_input(f"__import__('os').chdir({folder!r})", allow_stdin=False)
        kernel.await_reply(reply, timeout=60)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Append each notebook cell's outcome to ``$COURSE_GRADE_CELLS`` as a JSON line."""
    report = yield
    log = os.environ.get(CELLS_ENV)
    if log and hasattr(item, "cell_num") and (call.when == "call" or (call.when == "setup" and report.failed)):
        kernel = getattr(item.parent, "kernel", None)
        errors = [out for out in getattr(item, "test_outputs", None) or [] if out.get("output_type") == "error"]
        entry = {
            "cell": item.cell_num,
            "outcome": report.outcome,
            "exception": f"{errors[-1]['ename']}: {errors[-1]['evalue']}" if errors else None,
            "failure": str(call.excinfo.value) if call.excinfo else None,
            "timed_out": bool(getattr(item.parent, "timed_out", False)),
            "kernel_alive": kernel is not None and kernel.is_alive(),
        }
        with open(log, "a", encoding="utf8") as handle:
            handle.write(json.dumps(entry) + "\n")
    return report
