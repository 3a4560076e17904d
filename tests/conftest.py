"""Shared by the per-lesson test files: grading mode for calling checks, and a lesson graded three ways."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from helpers.course.config import GRADE_LOG_ENV, GRADING_ENV, require_checkout
from helpers.course.grading import NotebookGrade, grade
from helpers.course.lessons import lesson

ROOT = require_checkout()


def grade_three_ways(name: str, folder: Path, cell_id: str, old: str, new: str) -> dict[str, NotebookGrade]:
    """Grade the solution, the unsolved lesson, and the solution with ``old`` replaced by ``new`` in one cell.

    Also checks that grading changed none of the three files.
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
    grades = dict(zip(paths, grade(list(paths.values()), jobs=2)))
    assert {key: path.read_bytes() for key, path in paths.items()} == before
    exercises = lesson(name).exercises()
    for key, result in grades.items():
        assert result.error is None, f"{key}: {result.error}"
        assert [r.exercise for r in result.results] == exercises
    assert grades["solution"].full_marks, grades["solution"].results
    assert not any(r.passed for r in grades["unsolved"].results), grades["unsolved"].results
    return grades


@pytest.fixture
def graded_three_ways(tmp_path: Path) -> Callable[[str, str, str, str], dict[str, NotebookGrade]]:
    """``grade_three_ways`` with a temporary folder for the wrong copy."""
    return lambda name, cell_id, old, new: grade_three_ways(name, tmp_path, cell_id, old, new)


@pytest.fixture
def grading(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], list[dict]]:
    """Grading mode with a grade log, for calling checks directly; returns a function that reads the log."""
    log = tmp_path / "grades.jsonl"
    monkeypatch.setenv(GRADING_ENV, "1")
    monkeypatch.setenv(GRADE_LOG_ENV, str(log))
    return lambda: [json.loads(line) for line in log.read_text().splitlines()]
