"""``course grade``: grade submitted lessons the way nbgrader's autograder does.

For each submission the grader
1. recognises its lesson: the lesson its metadata names (``course build`` writes
   it), else the lesson number its file name starts with; anything else is no
   lesson of this course and gets a clear error;
2. takes that lesson's own list of exercises (its checks module), so a missing or
   renamed check cell fails its exercise ("check cell missing"), and of two cells
   tagged for one exercise the last is its check cell;
3. puts every check cell, and the parameters cell, back as the course ships them
   in ``solutions/``, whatever the submission holds there;
4. runs the restored copy with nbval, in grading mode, with the ``smoke`` profile,
   under a per-cell and a whole-notebook time limit. nbval runs here; the kernel runs
   in a sandbox of its own (:mod:`helpers.course.sandbox`: the course read-only, a
   throwaway home and temp folder, no network, limits, and nothing it starts outlives
   it), so one submission can change neither the course nor another submission;
5. scores an exercise from its check cell alone: the cell must pass and the verdict
   the course's check published in that cell's own output must be a pass. Before each
   check cell the nbval plugin (:mod:`helpers.course.nbval_plugin`) makes the kernel
   load the checks afresh and puts IPython's hooks back, so learner code that
   replaced a check or a hook has no effect; the grader's record of each cell stays
   in the grader's process, out of the kernel's reach.

The submission file itself is only read. Learner code runs in the same kernel as
the checks, so code written to defeat them in its own kernel (patching Python's
import system, builtins or the libraries a check calls) can forge its own grade;
the README says so. Nothing it does reaches another submission.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from helpers.course.build import EXERCISE_TAG_PREFIX, PARAMETERS_TAG, cell_tags, clean, exercise_tags, lesson_of
from helpers.course import sandbox
from helpers.course.config import CACHE_ENV, GRADING_ENV, PROFILE_ENV, RUNS_ENV, SANDBOX_ENV, cache_dir, require_checkout
from helpers.course.lessons import LESSONS
from helpers.course.sandbox import Limits

REPORT_FIELDS = ("notebook", "exercise", "passed", "message", "notebook_error")
CHECK_CELL_MISSING = "check cell missing"
NOT_RUN = "not run"
MANY_VERDICTS = ("the check cell published more than one verdict, where its check publishes one: "
                 "other code in the kernel published the others")


@dataclass
class ExerciseResult:
    """The outcome of one exercise."""

    exercise: str
    passed: bool
    message: str


@dataclass
class CellOutcome:
    """How one code cell of the graded copy ended.

    ``cell`` counts code cells from 1, as the grader's messages do; ``outcome`` is
    passed, failed or skipped; ``exception`` is ``"Name: message"`` of the error
    the cell raised, if any; ``exercise`` names the exercise whose check cell it is;
    ``seconds`` is how long the cell ran.
    """

    cell: int
    outcome: str
    exception: str | None = None
    exercise: str | None = None
    seconds: float = 0.0


@dataclass
class NotebookGrade:
    """The outcomes of one submission; ``error`` says why it could not be graded or run to the end.

    ``cells`` has one entry per code cell that ran, and ``seconds`` is the wall time
    of the run (0 when the submission was refused before running).
    """

    notebook: Path
    results: list[ExerciseResult] = field(default_factory=list)
    error: str | None = None
    lesson: str | None = None
    cells: list[CellOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        """How many exercises passed."""
        return sum(result.passed for result in self.results)

    @property
    def total(self) -> int:
        """How many exercises the lesson has."""
        return len(self.results)

    @property
    def cell_errors(self) -> list[str]:
        """The code cells that did not run cleanly: every failed cell except a check cell that
        failed by its own verdict (``ExerciseFailed``), which is a graded answer, not an error."""
        return [f"code cell {cell.cell}: {cell.exception or cell.outcome}" for cell in self.cells
                if cell.outcome != "passed"
                and not (cell.exercise and (cell.exception or "").startswith("ExerciseFailed: "))]

    @property
    def full_marks(self) -> bool:
        """Every exercise passed and nothing went wrong."""
        return self.error is None and self.passed == self.total


def grade(paths: list[Path], cell_timeout: int = 600, notebook_timeout: int = 1800,
          profile: str = "smoke", jobs: int = 1, limits: Limits | None = Limits()) -> list[NotebookGrade]:
    """Grade each submitted notebook, ``jobs`` at a time; the files are only read.

    ``cell_timeout`` limits each cell, ``notebook_timeout`` the whole notebook (seconds).
    Each kernel runs in a sandbox with ``limits``; ``limits=None`` grades without one
    (``course grade --no-sandbox``), trusting every submission.
    With several jobs, each kernel gets its share of the CPU cores as compute threads
    (``OMP_NUM_THREADS``, unless already set): two kernels with a thread per core each
    would compete for the same cores.
    """
    missing = [str(path) for path in paths if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(f"No such notebook(s): {', '.join(missing)}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}.")
    if limits is not None and sandbox.unavailable():
        raise RuntimeError(f"Cannot sandbox the graded kernels: {sandbox.unavailable()}.")
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each grade runs in its own processes
        return list(pool.map(lambda path: _grade_safely(Path(path), cell_timeout, notebook_timeout, profile,
                                                        threads, limits), paths))


def identify(nb: NotebookNode, path: Path) -> str | None:
    """The lesson of a submission: the one its metadata names, else the one its file name's number names."""
    named = lesson_of(nb)
    if named in LESSONS:
        return named
    number = re.match(r"(\d\d)_", path.name)
    return next((name for name in LESSONS if number and name.startswith(number.group(0))), None)


def restore(submission: NotebookNode, shipped: NotebookNode) -> tuple[NotebookNode, dict[str, int]]:
    """A copy of ``submission`` with the shipped check cells and parameters cell put back.

    Returns the copy and, per exercise, the code-cell number (counted from 0, as
    nbval does) of its check cell: the last code cell tagged ``exercise:<name>``.
    """
    originals = {name: cell for cell in shipped.cells if cell.cell_type == "code" for name in exercise_tags(cell)}
    parameters = next((cell for cell in shipped.cells if PARAMETERS_TAG in cell_tags(cell)), None)
    nb = clean(submission)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    check_at = {name: number for number, cell in enumerate(code_cells)
                for name in exercise_tags(cell) if name in originals}  # the last one wins
    for name, number in check_at.items():
        code_cells[number].source = originals[name].source
        code_cells[number].metadata["tags"] = cell_tags(originals[name])
    for cell in code_cells:
        if parameters is not None and PARAMETERS_TAG in cell_tags(cell) and not exercise_tags(cell):
            cell.source = parameters.source
    return nb, check_at


def format_table(grades: list[NotebookGrade]) -> str:
    """A plain-text table per notebook: exercise | result | message, then the total."""
    blocks = []
    for notebook in grades:
        rows = [("exercise", "result", "message")]
        rows += [(r.exercise, "PASS" if r.passed else "FAIL", " ".join(r.message.split()))
                 for r in notebook.results]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        lines = [str(notebook.notebook) + (f" (lesson {notebook.lesson})" if notebook.lesson else "")]
        if notebook.results:
            lines += [f"  {a:<{widths[0]}} | {b:<{widths[1]}} | {c}".rstrip() for a, b, c in rows]
        lines.append(f"  total: {notebook.passed}/{notebook.total}")
        if notebook.error:
            lines.append(f"  error: {notebook.error}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a string starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return (what spreadsheets read as a formula) gets a leading ``'``."""
    return f"'{value}" if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def write_report(grades: list[NotebookGrade], path: Path) -> None:
    """Write one row per exercise (with its notebook) to a ``.json`` or ``.csv`` file.

    A submission that could not be graded at all gets one row with an empty exercise. In the
    CSV, text that a spreadsheet would run as a formula is made plain (:func:`spreadsheet_safe`).
    """
    rows = [{"notebook": str(notebook.notebook), "exercise": result.exercise, "passed": result.passed,
             "message": result.message, "notebook_error": notebook.error or ""}
            for notebook in grades
            for result in notebook.results or [ExerciseResult("", False, "")]]
    path = Path(path)
    if path.suffix == ".json":
        path.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf8")
    elif path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf8") as handle:
            writer = csv.DictWriter(handle, fieldnames=REPORT_FIELDS)
            writer.writeheader()
            writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()} for row in rows)
    else:
        raise ValueError(f"Cannot write a report to {path}: use a .json or .csv file name.")


def _grade_safely(submission: Path, *settings: Any) -> NotebookGrade:
    """:func:`_grade_one`, with anything that goes wrong in it made that submission's error, never the batch's."""
    try:
        return _grade_one(submission, *settings)
    except Exception as error:  # noqa: BLE001  (one submission must not stop the others)
        return NotebookGrade(submission, error=f"the grader could not grade it: {type(error).__name__}: {error}")


def _grade_one(submission: Path, cell_timeout: int, notebook_timeout: int, profile: str,
               threads: int, limits: Limits | None) -> NotebookGrade:
    """Recognise, restore, run and score one submission."""
    try:
        nb = nbformat.read(submission, as_version=4)
        cells = nb.cells  # a JSON file that is no notebook has none
    except Exception as error:  # any unreadable file gets a grade with the reason, not a crash
        return NotebookGrade(submission, error=f"not a notebook: {type(error).__name__}: {error}")
    if not cells:
        return NotebookGrade(submission, error="the notebook has no cells: nothing to grade")
    name = identify(nb, submission)
    if name is None:
        return NotebookGrade(submission, error=(
            "not a lesson of this course: its metadata names no lesson and its file name does not "
            f"start with a lesson number ({', '.join(n[:3] for n in LESSONS)}). Submit the lesson's "
            "notebook, e.g. 01_supervised_classification.ipynb."))
    shipped = nbformat.read(require_checkout() / "solutions" / f"{name}.ipynb", as_version=4)
    restored, check_at = restore(nb, shipped)
    where = "in a sandbox" if limits else "without a sandbox"
    print(f"Grading {submission} as lesson {name} (profile {profile}, {where}) ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    cells, error = _run(restored, name, cell_timeout, notebook_timeout, profile, threads, limits)
    seconds = time.perf_counter() - started
    results = [_result(exercise, check_at, cells) for exercise in LESSONS[name].exercises()]
    code = [cell.source for cell in restored.cells if cell.cell_type == "code"]
    exercise_at = {number: exercise for exercise, number in check_at.items()}
    outcomes = [CellOutcome(number + 1, cell["outcome"], cell["exception"], exercise_at.get(number), cell["seconds"])
                for number, cell in sorted(cells.items())]
    return NotebookGrade(submission, results, error or _notebook_error(cells, code), name, outcomes, seconds)


def _run(nb: NotebookNode, name: str, cell_timeout: int, notebook_timeout: int, profile: str,
         threads: int, limits: Limits | None) -> tuple[dict[int, dict[str, Any]], str | None]:
    """Execute ``nb`` with nbval, its kernel sandboxed unless ``limits`` is None; the cells' outcomes,
    and an error if the run broke. Every file of the run is in a temporary folder, removed after it."""
    root = require_checkout()
    # The kernel's sockets in a short path under /tmp: a Unix socket's path has at most 107 bytes.
    with tempfile.TemporaryDirectory(prefix="course-grade-") as folder, \
            tempfile.TemporaryDirectory(prefix="course-kernel-", dir="/tmp") as sockets_folder:
        lesson_dir, grader_dir, sockets = Path(folder) / "lesson", Path(folder) / "grader", Path(sockets_folder)
        for part in (lesson_dir, grader_dir):
            part.mkdir()
        copy = lesson_dir / f"{name}.ipynb"  # nbval starts the kernel in this folder
        nbformat.write(nb, copy)
        (grader_dir / "pytest.ini").write_text("[pytest]\n")
        cells_log = grader_dir / "cells.jsonl"
        kernel_env = {GRADING_ENV: "1", PROFILE_ENV: profile,
                      "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(threads)),
                      "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        if limits is None:
            env = {**os.environ, **kernel_env, RUNS_ENV: str(lesson_dir / "runs")}
        else:
            kernel_env |= {RUNS_ENV: str(sandbox.WORK / "runs"), CACHE_ENV: str(cache_dir()),
                           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
            argv = sandbox.kernel_argv(sockets, limits, kernel_env)
            env = {**os.environ, "PYTHONPATH": kernel_env["PYTHONPATH"],
                   SANDBOX_ENV: json.dumps({"argv": argv, "sockets": str(sockets)})}
        command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
                   f"--nbval-cell-timeout={cell_timeout}", "-p", "no:cacheprovider",
                   "-p", "helpers.course.nbval_plugin", f"--course-cells={cells_log}",
                   f"--course-env={json.dumps({GRADING_ENV: '1', PROFILE_ENV: profile})}", f"--rootdir={grader_dir}",
                   "-c", str(grader_dir / "pytest.ini"), "-q", str(copy)]
        process = subprocess.Popen(command, cwd=grader_dir, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = process.communicate(timeout=notebook_timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process.pid)
            process.communicate()
            output = None
        cells = {entry["cell"]: entry for entry in _read_jsonl(cells_log)}
    if output is None:
        stopped = max(cells, default=-1) + 2  # the code cell after the last one that finished, from 1
        return cells, (f"the notebook ran past its limit of {notebook_timeout} s for the whole "
                       f"notebook and was stopped in code cell {stopped}")
    if process.returncode not in (0, 1, 5):  # 5: no code cells
        return cells, f"pytest could not run the notebook (exit code {process.returncode}): {_tail(output)}"
    return cells, None


def _result(exercise: str, check_at: dict[str, int], cells: dict[int, dict[str, Any]]) -> ExerciseResult:
    """One exercise's result from its check cell's outcome and the verdicts it published.

    A check publishes one verdict; a cell with a malformed verdict, or with more than one,
    had something else in the kernel publishing, and fails.
    """
    if exercise not in check_at:
        return ExerciseResult(exercise, False, f"{CHECK_CELL_MISSING}: no code cell is tagged "
                              f"{EXERCISE_TAG_PREFIX}{exercise}")
    cell = cells.get(check_at[exercise])
    if cell is None or cell["outcome"] == "skipped":
        return ExerciseResult(exercise, False, NOT_RUN)
    if not cell["kernel_was_alive"]:
        return ExerciseResult(exercise, False, f"{NOT_RUN}: the kernel had stopped")
    malformed = [entry["message"] for entry in cell["verdicts"] if entry["exercise"] is None]
    if malformed:
        return ExerciseResult(exercise, False, f"the check cell published {malformed[0]}")
    if len(cell["verdicts"]) > 1:
        return ExerciseResult(exercise, False, MANY_VERDICTS)
    verdicts = [entry for entry in cell["verdicts"] if entry["exercise"] == exercise]
    if cell["outcome"] == "passed":
        if not verdicts:
            return ExerciseResult(exercise, False, "the check cell reported no result")
        return ExerciseResult(exercise, verdicts[-1]["passed"] is True, verdicts[-1]["message"])
    if verdicts and verdicts[-1]["passed"] is False:
        return ExerciseResult(exercise, False, verdicts[-1]["message"])
    if cell["exception"] and not cell["timed_out"]:
        return ExerciseResult(exercise, False, f"the check cell raised {cell['exception']}")
    return ExerciseResult(exercise, False, f"the check cell failed: {cell['failure']}")


def _notebook_error(cells: dict[int, dict[str, Any]], sources: list[str]) -> str | None:
    """Why the notebook could not run to the end (a cell timeout, a dead kernel), or None."""
    for number, cell in sorted(cells.items()):
        first_line = next((line.strip() for line in sources[number].splitlines() if line.strip()), "")
        where = f"code cell {number + 1} ({first_line[:60]!r})"
        if cell["kernel_was_alive"] and not cell["kernel_alive"] and not cell["timed_out"]:
            code = "" if cell["exit_code"] is None else f" with exit code {cell['exit_code']}"
            return f"the kernel died{code} in {where}"
        if cell["outcome"] == "failed" and cell["timed_out"]:
            return f"{where}: {cell['failure']}"
    return None


def _kill_tree(pid: int) -> None:
    """Kill a process and everything it started (the pytest run and its kernel)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        processes = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a file (none if it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line.strip()]


def _tail(text: str, lines: int = 15) -> str:
    """The last lines of a command's output."""
    return "\n".join(text.strip().splitlines()[-lines:])
