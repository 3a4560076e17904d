"""What the checks compare with: the lesson's own settings and data, never the learner's variables."""

from types import SimpleNamespace

import nbformat
import pytest

from helpers.checks import reference
from helpers.course.build import PARAMETERS_TAG, cell_tags
from helpers.course.config import PROFILE_ENV, TINY_ENV, require_checkout
from helpers.course.lessons import LESSONS
from helpers.course.profiles import resolve

FORGED = SimpleNamespace(profile="full", seed=7, max_train_samples=1, max_eval_samples=3, model_id="my/model")


def shipped_parameters(name: str) -> dict:
    """The values the parameters cell of solutions/ assigns: what the grader restores."""
    nb = nbformat.read(require_checkout() / "solutions" / f"{name}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if PARAMETERS_TAG in cell_tags(c)]
    values: dict = {}
    exec(cell.source, {}, values)
    return values


@pytest.mark.parametrize("name", LESSONS)
def test_under_grading_the_settings_are_those_of_the_shipped_parameters_cell(name, grading, monkeypatch):
    """What the lesson's setup() makes of the restored parameters cell, whatever settings the learner passes."""
    monkeypatch.setenv(PROFILE_ENV, "smoke")
    monkeypatch.delenv(TINY_ENV, raising=False)
    expected = resolve(name, **shipped_parameters(name))
    assert reference.lesson_settings(name, FORGED) == expected
    assert expected.profile == "smoke"


def test_outside_grading_the_learners_settings_are_used(monkeypatch):
    monkeypatch.delenv("COURSE_GRADING", raising=False)
    assert reference.lesson_settings("01_supervised_classification", FORGED) is FORGED


def test_quietly_keeps_the_result_and_drops_the_printing(capsys):
    assert reference.quietly(lambda x: print("loading") or x + 1, 41) == 42
    assert capsys.readouterr().out == ""


def test_count_mismatch_says_what_the_lesson_has():
    message = reference.count_mismatch("y_pred", 3, 256, "test sentences", SimpleNamespace(profile="smoke", seed=42))
    assert message == ("y_pred has 3 entries, but the lesson has 256 test sentences (profile 'smoke', seed 42): "
                       "run the lesson from the top with its own settings.")
