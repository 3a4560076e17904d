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

import dataclasses
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from helpers.course.build import EXERCISE_TAG_PREFIX, PARAMETERS_TAG, cell_tags, clean, exercise_tags, lesson_of
from helpers.course import sandbox
from helpers.course.config import (CACHE_ENV, GRADING_ENV, PROFILE_ENV, RUNS_ENV, SANDBOX_ENV, TINY_ENV, cache_dir,
                                  require_checkout)
from helpers.course.lessons import LESSONS
from helpers.course.sandbox import Limits

# A submission's status: it ran to the end, or why not.
GRADED, ERROR, TIMEOUT, KERNEL_DIED = "graded", "error", "timeout", "kernel died"
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

    ``status`` is :data:`GRADED` when it ran to the end, else :data:`ERROR`, :data:`TIMEOUT` or
    :data:`KERNEL_DIED`. ``cells`` has one entry per code cell that ran, and ``seconds`` is the wall
    time of the run (0 when the submission was refused before running). ``course`` is the
    fingerprint of the course that graded it (:func:`course_fingerprint`), and ``executed`` the
    executed notebook (nbformat JSON) when it was asked for.
    """

    notebook: Path
    results: list[ExerciseResult] = field(default_factory=list)
    error: str | None = None
    lesson: str | None = None
    cells: list[CellOutcome] = field(default_factory=list)
    seconds: float = 0.0
    status: str = GRADED
    course: str = ""
    executed: str | None = None

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

    def to_dict(self) -> dict[str, Any]:
        """The grade as JSON-ready data (:meth:`from_dict` reads it back)."""
        return {**dataclasses.asdict(self), "notebook": str(self.notebook)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NotebookGrade:
        """A grade from :meth:`to_dict`'s data."""
        return cls(**{**data, "notebook": Path(data["notebook"]),
                      "results": [ExerciseResult(**result) for result in data["results"]],
                      "cells": [CellOutcome(**cell) for cell in data["cells"]]})


@dataclass(frozen=True)
class Settings:
    """How each submission is graded: time limits (seconds), profile, sandbox limits (``None``:
    no sandbox), compute threads per kernel (``None``: the worker's ``OMP_NUM_THREADS``, else 1),
    and whether to return the executed notebook."""

    cell_timeout: int = 600
    notebook_timeout: int = 1800
    profile: str = "smoke"
    limits: Limits | None = Limits()
    threads: int | None = None
    executed: bool = False


def grade(paths: list[Path], cell_timeout: int = 600, notebook_timeout: int = 1800,
          profile: str = "smoke", jobs: int = 1, limits: Limits | None = Limits(), scheduler: str | None = None,
          executed: bool = False, on_done: Callable[[int, NotebookGrade], None] | None = None) -> list[NotebookGrade]:
    """Grade each submitted notebook and return the grades in the order of ``paths``; the files are only read.

    ``cell_timeout`` limits each cell, ``notebook_timeout`` the whole notebook (seconds).
    Each kernel runs in a sandbox with ``limits``; ``limits=None`` grades without one
    (``course grade --no-sandbox``), trusting every submission. One job grades here, one
    submission after the other; more jobs, or a Dask ``scheduler`` address, grade on Dask
    workers (:mod:`helpers.course.engine`). With several local jobs each kernel gets its share of
    the CPU cores as compute threads (``OMP_NUM_THREADS``, unless already set): two kernels with a
    thread per core each would compete for the same cores. ``on_done(index, grade)`` is called
    as each grade arrives, in the order they finish.
    """
    from helpers.course import engine

    missing = [str(path) for path in paths if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(f"No such notebook(s): {', '.join(missing)}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}.")
    if limits is not None and scheduler is None and sandbox.unavailable():
        raise RuntimeError(f"Cannot sandbox the graded kernels: {sandbox.unavailable()}.")
    threads = None if scheduler else int(os.environ.get("OMP_NUM_THREADS", max(1, (os.cpu_count() or 1) // jobs)))
    settings = Settings(cell_timeout, notebook_timeout, profile, limits, threads, executed)
    submissions = [(str(path), Path(path).read_bytes()) for path in paths]
    grades: list[NotebookGrade | None] = [None] * len(paths)
    for index, result in engine.grade_all(submissions, settings, jobs, scheduler):
        result = _same_course(result)
        grades[index] = result
        if on_done is not None:
            on_done(index, result)
    return grades  # type: ignore[return-value]  (every index arrived)


def grade_submission(name: str, content: bytes, settings: Settings) -> NotebookGrade:
    """Grade one submission, given as its file name and bytes, wherever this runs (here or on a
    Dask worker); anything that goes wrong becomes that submission's error, never the batch's."""
    try:
        result = _grade_one(Path(name), content, settings)
    except Exception as error:  # noqa: BLE001  (one submission must not stop the others)
        result = NotebookGrade(Path(name), error=f"the grader could not grade it: {type(error).__name__}: {error}",
                               status=ERROR)
    result.course = course_fingerprint()
    return result


@functools.cache
def course_fingerprint() -> str:
    """A hash of the course's code and lessons (``helpers/`` and ``solutions/``): two graders with the
    same fingerprint grade alike. A grade records the fingerprint of the course that gave it."""
    root = require_checkout()
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted([*(root / "helpers").rglob("*.py"), *(root / "solutions").glob("*.ipynb")]):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _same_course(result: NotebookGrade) -> NotebookGrade:
    """The grade, or an error when a worker graded it with a course other than this checkout's."""
    if result.course == course_fingerprint():
        return result
    return NotebookGrade(result.notebook, status=ERROR, course=result.course, error=(
        f"the worker that graded it has another version of the course (fingerprint {result.course}, "
        f"here {course_fingerprint()}): install this checkout on every worker and grade again"))


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


def _grade_one(submission: Path, content: bytes, settings: Settings) -> NotebookGrade:
    """Recognise, restore, run and score one submission."""
    try:
        nb = nbformat.reads(content.decode("utf8"), as_version=4)
        cells = nb.cells  # a JSON file that is no notebook has none
    except Exception as error:  # any unreadable file gets a grade with the reason, not a crash
        return NotebookGrade(submission, error=f"not a notebook: {type(error).__name__}: {error}", status=ERROR)
    if not cells:
        return NotebookGrade(submission, error="the notebook has no cells: nothing to grade", status=ERROR)
    name = identify(nb, submission)
    if name is None:
        return NotebookGrade(submission, status=ERROR, error=(
            "not a lesson of this course: its metadata names no lesson and its file name does not "
            f"start with a lesson number ({', '.join(n[:3] for n in LESSONS)}). Submit the lesson's "
            "notebook, e.g. 01_supervised_classification.ipynb."))
    shipped = nbformat.read(require_checkout() / "solutions" / f"{name}.ipynb", as_version=4)
    restored, check_at = restore(nb, shipped)
    where = "in a sandbox" if settings.limits else "without a sandbox"
    print(f"Grading {submission} as lesson {name} (profile {settings.profile}, {where}) ...",
          file=sys.stderr, flush=True)
    started = time.perf_counter()
    cells, outputs, (status, error) = _run(restored, name, settings)
    seconds = time.perf_counter() - started
    results = [_result(exercise, check_at, cells) for exercise in LESSONS[name].exercises()]
    code = [cell.source for cell in restored.cells if cell.cell_type == "code"]
    if error is None:
        status, error = _notebook_error(cells, code)
    exercise_at = {number: exercise for exercise, number in check_at.items()}
    outcomes = [CellOutcome(number + 1, cell["outcome"], cell["exception"], exercise_at.get(number), cell["seconds"])
                for number, cell in sorted(cells.items())]
    executed = _executed(restored, outputs) if settings.executed else None
    return NotebookGrade(submission, results, error, name, outcomes, seconds, status, executed=executed)


def _run(nb: NotebookNode, name: str, settings: Settings
         ) -> tuple[dict[int, dict[str, Any]], dict[int, list[Any]], tuple[str, str | None]]:
    """Execute ``nb`` with nbval, its kernel sandboxed unless ``settings.limits`` is None: the cells'
    outcomes, their outputs (when ``settings.executed``), and a status with an error if the run broke.
    Every file of the run is in a temporary folder, removed after it."""
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
        cells_log, outputs_log = grader_dir / "cells.jsonl", grader_dir / "outputs.jsonl"
        threads = settings.threads or int(os.environ.get("OMP_NUM_THREADS", 1))
        kernel_env = {GRADING_ENV: "1", PROFILE_ENV: settings.profile, "OMP_NUM_THREADS": str(threads),
                      "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        if TINY_ENV in os.environ:  # make test-full-shape: the profile's shape with tiny data, in the kernel too
            kernel_env[TINY_ENV] = os.environ[TINY_ENV]
        if settings.limits is None:
            env = {**os.environ, **kernel_env, RUNS_ENV: str(lesson_dir / "runs")}
        else:
            kernel_env |= {RUNS_ENV: str(sandbox.WORK / "runs"), CACHE_ENV: str(cache_dir()),
                           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
            argv = sandbox.kernel_argv(sockets, settings.limits, kernel_env)
            env = {**os.environ, "PYTHONPATH": kernel_env["PYTHONPATH"],
                   SANDBOX_ENV: json.dumps({"argv": argv, "sockets": str(sockets)})}
        command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
                   f"--nbval-cell-timeout={settings.cell_timeout}", "-p", "no:cacheprovider",
                   "-p", "helpers.course.nbval_plugin", f"--course-cells={cells_log}",
                   *([f"--course-outputs={outputs_log}"] if settings.executed else []),
                   f"--course-env={json.dumps({GRADING_ENV: '1', PROFILE_ENV: settings.profile})}",
                   f"--rootdir={grader_dir}", "-c", str(grader_dir / "pytest.ini"), "-q", str(copy)]
        process = subprocess.Popen(command, cwd=grader_dir, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = process.communicate(timeout=settings.notebook_timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process.pid)
            process.communicate()
            output = None
        cells = {entry["cell"]: entry for entry in _read_jsonl(cells_log)}
        outputs = {entry["cell"]: entry["outputs"] for entry in _read_jsonl(outputs_log)}
    if output is None:
        stopped = max(cells, default=-1) + 2  # the code cell after the last one that finished, from 1
        return cells, outputs, (TIMEOUT, f"the notebook ran past its limit of {settings.notebook_timeout} s "
                                         f"for the whole notebook and was stopped in code cell {stopped}")
    if process.returncode not in (0, 1, 5):  # 5: no code cells
        return cells, outputs, (ERROR, f"pytest could not run the notebook (exit code {process.returncode}): "
                                       f"{_tail(output)}")
    return cells, outputs, (GRADED, None)


def _executed(nb: NotebookNode, outputs: dict[int, list[Any]]) -> str:
    """The graded copy with each code cell's outputs, as nbformat JSON."""
    executed = nbformat.from_dict(nb)
    for number, cell in enumerate(cell for cell in executed.cells if cell.cell_type == "code"):
        cell.outputs = [nbformat.from_dict(output) for output in outputs.get(number, [])]
    return nbformat.writes(executed)


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


def _notebook_error(cells: dict[int, dict[str, Any]], sources: list[str]) -> tuple[str, str | None]:
    """The status of a run that pytest finished, and why the notebook could not run to the end
    (a cell timeout, a dead kernel) or None."""
    for number, cell in sorted(cells.items()):
        first_line = next((line.strip() for line in sources[number].splitlines() if line.strip()), "")
        where = f"code cell {number + 1} ({first_line[:60]!r})"
        if cell["kernel_was_alive"] and not cell["kernel_alive"] and not cell["timed_out"]:
            code = "" if cell["exit_code"] is None else f" with exit code {cell['exit_code']}"
            return KERNEL_DIED, f"the kernel died{code} in {where}"
        if cell["outcome"] == "failed" and cell["timed_out"]:
            return TIMEOUT, f"{where}: {cell['failure']}"
    return GRADED, None


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
