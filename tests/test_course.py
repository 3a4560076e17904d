"""The course as a whole: every lesson in the per-lesson table, its notebooks and checks agree."""

from __future__ import annotations

import ast
import importlib
import subprocess
from types import ModuleType

import nbformat
import pytest

from helpers.checks import core
from helpers.course.build import PARAMETERS_TAG, cell_tags, exercise_names
from helpers.course.config import require_checkout
from helpers.course.lessons import LESSONS, PROFILES

ROOT = require_checkout()


def solution(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)


def test_every_solution_is_a_lesson_and_every_lesson_has_its_files():
    assert sorted(path.stem for path in (ROOT / "solutions").glob("*.ipynb")) == sorted(LESSONS)
    for name, lesson in LESSONS.items():
        assert (ROOT / "notebooks" / f"{name}.ipynb").is_file()
        assert isinstance(importlib.import_module(lesson.checks_module), ModuleType)


@pytest.mark.parametrize("name", LESSONS)
def test_every_exercise_tag_has_a_check_and_every_check_a_tag(name):
    assert exercise_names(solution(name)) == LESSONS[name].exercises()


@pytest.mark.parametrize("name", LESSONS)
def test_check_cells_import_their_lessons_checks_afresh(name):
    module = LESSONS[name].checks_module.rsplit(".", 1)[1]
    for cell in solution(name).cells:
        if "check" in cell_tags(cell):
            assert cell.source.startswith(f"from helpers.checks import {module} as checks\n"), cell.source


@pytest.mark.parametrize("name", LESSONS)
def test_profiles_share_their_parameters_with_the_parameters_cell(name):
    profiles = LESSONS[name].profiles
    assert tuple(profiles) == PROFILES
    assert len({tuple(sorted(table)) for table in profiles.values()}) == 1
    (cell,) = [c for c in solution(name).cells if PARAMETERS_TAG in cell_tags(c)]
    assigned = [node.targets[0].id for node in ast.parse(cell.source).body]
    assert {"profile", "seed"} <= set(assigned)
    assert set(assigned) - {"profile", "seed", "output_dir"} == set(profiles["smoke"])


def test_lessons_never_import_course_tooling():
    for path in [*(ROOT / "solutions").glob("*.ipynb"), *(ROOT / "notebooks").glob("*.ipynb")]:
        assert "helpers.course" not in path.read_text(), path


def test_book_figures_name_where_to_check_them():
    figures = [(score, figure) for lesson in LESSONS.values() for score, figure in lesson.book.items()]
    assert figures
    for score, figure in figures:
        assert 0 < figure.value < (1 if "f1" in score or "accuracy" in score else 100), (score, figure)
        assert "p. " in figure.source or "HandsOnLLM/Hands-On-Large-Language-Models" in figure.source


def test_no_file_cites_a_reference_outside_the_repository():
    outside = "REFERENCE" + ".md"  # the seeds' fact sheet, which is not part of this repository
    found = subprocess.run(["git", "grep", "-l", outside], cwd=ROOT, capture_output=True, text=True).stdout
    assert found == ""


# --- the checks' core ---------------------------------------------------------------


@core.exercise
def sample(answer: object) -> core.Verdict:
    """A check for these tests."""
    if core.is_unsolved(answer):
        return False, "Replace the ..."
    return (True, "right") if answer == 42 else (False, "not 42")


def test_outside_grading_a_failure_only_prints(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_GRADING", raising=False)
    sample(...)
    sample(42)
    assert capsys.readouterr().out == "NOT YET [sample] Replace the ...\nPASS [sample] right\n"


def test_in_grading_a_failure_raises_and_every_verdict_is_published(grading):
    sample(42)
    with pytest.raises(core.ExerciseFailed, match=r"\[sample\] not 42"):
        sample(41)
    assert grading() == [{"exercise": "sample", "passed": True, "message": "right"},
                         {"exercise": "sample", "passed": False, "message": "not 42"}]


def test_exercise_names_are_the_decorated_functions_in_order():
    module = ModuleType("lesson_checks")
    module.first, module.helper, module.second = core.exercise(lambda: (True, "")), len, sample
    assert core.exercise_names(module) == ["first", "second"]
