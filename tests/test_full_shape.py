"""`make test-full-shape`: lessons 01-07 with the `full` profile's models, settings and branches, tiny data.

`full` is what every GPU learner runs (``profile="auto"`` picks it on any GPU), and no GPU is here:
``COURSE_TINY=1`` keeps the profile's shape (its models, or their offline stand-ins, its sweep
points and curve sizes, its sequence lengths) and cuts the data to a few batches
(``helpers.course.profiles.TINY_CAPS``). Each solution is graded so; a cell that raises fails its
lesson, as does a lesson that does not finish within ``LIMIT_S``. The checks' verdicts are printed,
not asserted: with tiny data a score may miss what a check asks of a real run.
"""

from __future__ import annotations

import nbformat
import pytest

from conftest import GRADING_JOBS, ROOT, execution_problems
from helpers.course.config import TINY_ENV
from helpers.course.grading import grade
from helpers.course.lessons import LESSONS

pytestmark = pytest.mark.full_shape

TRAINING_LESSONS = [name for name, lesson in LESSONS.items() if lesson.trains]
LIMIT_S = 840  # one lesson at this size, on the course's 2-core machine (lesson 03 took 703 s)
FIRST = "03_few_shot_setfit"  # the longest (its curve's 64 per class): started first, beside all the others


@pytest.fixture(scope="module")
def graded(monkeypatch_module: pytest.MonkeyPatch) -> dict:
    monkeypatch_module.setenv(TINY_ENV, "1")
    order = sorted(TRAINING_LESSONS, key=lambda name: name != FIRST)
    paths = [ROOT / "solutions" / f"{name}.ipynb" for name in order]
    # The course's own solutions, unsandboxed: the full profile's models need more memory and disk than
    # a graded submission's sandbox allows (lesson 07 trains mpnet on 384-token windows; lesson 04's
    # per-epoch checkpoint holds an optimizer state over 512 MiB).
    return dict(zip(order, grade(paths, cell_timeout=LIMIT_S, notebook_timeout=LIMIT_S, profile="full",
                                 jobs=GRADING_JOBS, limits=None)))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("name", TRAINING_LESSONS)
def test_full_shape_runs_every_cell(graded: dict, name: str) -> None:
    result = graded[name]
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(ROOT / "solutions" / f"{name}.ipynb", 4).cells)
    verdicts = ", ".join(f"{r.exercise} {'passed' if r.passed else 'failed'}" for r in result.results)
    slowest = sorted(result.cells, key=lambda cell: -cell.seconds)[:3]
    print(f"{name}: full shape in {result.seconds:.0f} s (slowest cells: "
          f"{', '.join(f'{cell.cell}: {cell.seconds:.0f} s' for cell in slowest)}); checks: {verdicts}")
    assert execution_problems(result, code_cells, limit_s=LIMIT_S) == []
