"""Shared by the per-lesson test files: grading mode for calling checks, and a lesson graded three ways.

The three gradings are the only executions of a lesson in ``make test``: they also
prove that every cell of ``solutions/`` and ``notebooks/`` runs, and that a smoke
execution stays within its time limit.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from packaging.utils import canonicalize_name

from helpers.checks.core import VERDICT_MIME
from helpers.course.config import GRADING_ENV, require_checkout
from helpers.course.grading import NotebookGrade, grade
from helpers.course.lessons import lesson

ROOT = require_checkout()

# The cores are shared out among the pytest-xdist workers: each worker grades GRADING_JOBS
# notebooks at a time, and it and its kernels compute with its share of the cores
# (OMP_NUM_THREADS, read by torch when it loads and passed on by the grader). More kernels than
# cores would compete for them and make the timed executions below slow by chance.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
_CORES_PER_WORKER = max(1, (os.cpu_count() or 1) // _WORKERS)
GRADING_JOBS = min(2, _CORES_PER_WORKER)
if _WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(_CORES_PER_WORKER))

# The course's tooling: what `course` runs and grades with, and no lesson reaches.
TOOLING_MODULES = {"build", "cli", "engine", "gradebook", "grading", "home", "nbval_plugin", "runner"}


def imported_modules(source: str) -> set[str]:
    """The top-level modules a piece of Python source imports (IPython magics left out)."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def course_distributions(tooling: bool = True) -> set[str]:
    """The distributions (pip's normalised names) of every third-party module that ``helpers/`` and
    the solutions import; without the tooling's modules when ``tooling`` is False."""
    modules = set()
    for path in (ROOT / "helpers").rglob("*.py"):
        if tooling or not (path.parent.name == "course" and path.stem in TOOLING_MODULES):
            modules |= imported_modules(path.read_text())
    for path in (ROOT / "solutions").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                modules |= imported_modules(cell.source)
    third_party = modules - set(sys.stdlib_module_names) - {"helpers", "__future__"}
    distributions = importlib.metadata.packages_distributions()
    return {canonicalize_name(distributions[module][0]) for module in third_party}


SMOKE_LIMIT_S = 90  # the most one smoke execution of a lesson may take on the course's 2-core machine


def execution_problems(result: NotebookGrade, code_cells: int, limit_s: float = SMOKE_LIMIT_S) -> list[str]:
    """What was wrong with one graded execution of a lesson: a cell that did not run, a cell that
    raised (other than a check's verdict), a run over ``limit_s`` (a smoke execution's limit)."""
    problems = [] if result.error is None else [result.error]
    ran = [cell.cell for cell in result.cells]
    if ran != list(range(1, code_cells + 1)):
        problems.append(f"{code_cells} code cells, but these ran: {ran}")
    problems += result.cell_errors
    if result.seconds >= limit_s:
        problems.append(f"the execution took {result.seconds:.0f} s, over the {limit_s} s limit: "
                        "make the lesson's profile smaller in helpers/course/lessons.py")
    return problems


def grade_three_ways(name: str, folder: Path, cell_id: str, old: str, new: str) -> dict[str, NotebookGrade]:
    """Grade the solution, the unsolved lesson, and the solution with ``old`` replaced by ``new`` in one cell.

    Also checks that grading changed none of the three files, that every code cell of each ran
    (a check cell may only fail by its verdict), and that each execution took under ``SMOKE_LIMIT_S``.
    """
    solution = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    answer = next(cell for cell in solution.cells if cell.id == cell_id)
    assert old in answer.source, f"{old!r} is not in cell {cell_id} of {name}"
    answer.source = answer.source.replace(old, new)
    wrong = folder / f"{name}.ipynb"
    nbformat.write(solution, wrong)
    paths = {"solution": ROOT / "solutions" / f"{name}.ipynb", "unsolved": ROOT / "notebooks" / f"{name}.ipynb",
             "one wrong": wrong}
    before = {key: path.read_bytes() for key, path in paths.items()}
    grades = dict(zip(paths, grade(list(paths.values()), jobs=GRADING_JOBS)))
    assert {key: path.read_bytes() for key, path in paths.items()} == before
    exercises = lesson(name).exercises()
    for key, result in grades.items():
        code_cells = sum(cell.cell_type == "code" for cell in nbformat.read(paths[key], as_version=4).cells)
        print(f"{name}, {key}: executed in {result.seconds:.1f} s")
        assert execution_problems(result, code_cells) == [], f"{name}, {key}"
        assert [r.exercise for r in result.results] == exercises
    assert grades["solution"].full_marks, grades["solution"].results
    assert not any(r.passed for r in grades["unsolved"].results), grades["unsolved"].results
    return grades


@pytest.fixture
def graded_three_ways(tmp_path: Path) -> Callable[[str, str, str, str], dict[str, NotebookGrade]]:
    """``grade_three_ways`` with a temporary folder for the wrong copy."""
    return lambda name, cell_id, old, new: grade_three_ways(name, tmp_path, cell_id, old, new)


@pytest.fixture
def offline_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """The course's data and models from their offline copies, as under grading: no test reaches the network."""
    from helpers import data, models

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(data, "hub_online", lambda: False)
    monkeypatch.setattr(models, "hub_online", lambda: False)


@pytest.fixture
def grading(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[dict]]:
    """Grading mode, for calling checks directly; returns a function that lists the verdicts they published."""
    import IPython.display

    published: list[dict] = []
    monkeypatch.setenv(GRADING_ENV, "1")

    def display(data: dict, raw: bool) -> None:  # as a notebook shows it: its text; the grader reads the rest
        print(data["text/plain"])
        published.append(data[VERDICT_MIME])

    monkeypatch.setattr(IPython.display, "display", display)
    return lambda: list(published)
