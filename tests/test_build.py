"""Tests for helpers.course.build: building learner notebooks and keeping them in sync."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from helpers.course.build import build_notebook, build_notebooks, clean, exercise_names, sync_problems
from helpers.course.home import home, stamp

ANSWER_CELL = """\
### BEGIN SOLUTION
#STUB answer = ...  # your formula here
answer = 6 * 7
### END SOLUTION"""

HALF_CELL = """\
import math

def half(x):
    ### BEGIN SOLUTION
    #STUB if x is None:
    #STUB     return ...
    #STUB
    if x is None:
        return math.nan
    return x / 2
    ### END SOLUTION

### BEGIN SOLUTION
#STUB doubled = ...
doubled = 2 * answer
### END SOLUTION
print(half(answer))"""


def check_cell(name: str, condition: str) -> nbformat.NotebookNode:
    """A check cell that reports ``name`` through helpers.checks."""
    source = f"from helpers.checks.core import report\nreport({name!r}, {condition}, '{name} is not right yet')"
    return v4.new_code_cell(source, metadata={"tags": ["check", f"exercise:{name}"]})


def solution_notebook() -> nbformat.NotebookNode:
    """A small solution notebook with two exercises."""
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell("# Tiny lesson\n\n[![Open In Colab](badge.svg)](old-link)\n\nCompute the answer."),
        v4.new_code_cell(ANSWER_CELL, metadata={"tags": ["solution"]}),
        check_cell("answer", "answer == 42"),
        v4.new_code_cell(HALF_CELL, metadata={"tags": ["solution"]}),
        check_cell("half", "half(8) == 4"),
        v4.new_code_cell("print('done')"),
        v4.new_code_cell("# the Colab install cell, written by course build", metadata={"tags": ["colab"]}),
    ]
    return nb


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    """A solutions/ folder with one solution, and an empty notebooks/ folder path."""
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(stamp(solution_notebook(), "01_tiny", home()), solutions / "01_tiny.ipynb")
    return solutions, notebooks


def test_build_replaces_each_block_by_its_stubs() -> None:
    source = solution_notebook()
    built = build_notebook(source)
    assert built.cells[1].source == "answer = ...  # your formula here"
    assert built.cells[3].source == (
        "import math\n\ndef half(x):\n    if x is None:\n        return ...\n\n\n"
        "doubled = ...\nprint(half(answer))"
    )
    for index in (0, 2, 4, 5):
        assert built.cells[index].source == source.cells[index].source
    assert [cell.id for cell in built.cells] == [cell.id for cell in source.cells]
    assert [cell.metadata for cell in built.cells] == [cell.metadata for cell in source.cells]
    assert source.cells[1].source == ANSWER_CELL  # the source is left alone


def test_built_stubs_still_run() -> None:
    namespace: dict = {}
    for cell in build_notebook(solution_notebook()).cells[1:4:2]:
        exec(cell.source, namespace)
    assert namespace["answer"] is ... and namespace["doubled"] is ...
    assert namespace["half"](None) is ...


def test_clean_strips_outputs_counts_and_widgets() -> None:
    nb = solution_notebook()
    nb.cells[5].outputs = [v4.new_output("stream", text="done\n")]
    nb.cells[5].execution_count = 3
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cleaned = clean(nb)
    assert cleaned.cells[5].outputs == [] and cleaned.cells[5].execution_count is None
    assert "widgets" not in cleaned.metadata
    assert nb.cells[5].execution_count == 3  # a copy: the input is unchanged
    assert "widgets" not in build_notebook(nb).metadata


@pytest.mark.parametrize(("source", "error"), [
    ("answer = 42", "no '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", "no '#STUB ' line"),
    ("### BEGIN SOLUTION\n#STUB answer = ...\nanswer = 42", "without '### END SOLUTION'"),
    ("answer = 42\n### END SOLUTION", "without '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n#STUB a = ...\n### END SOLUTION", "inside an open block"),
    ("if True:\n    ### BEGIN SOLUTION\n#STUB answer = ...\n    ### END SOLUTION", "indentation"),
    ("### BEGIN SOLUTION\n#STUBanswer = ...\n### END SOLUTION", "indentation"),
])
def test_malformed_solution_cell_raises(source: str, error: str) -> None:
    nb = solution_notebook()
    nb.cells[1].source = source
    with pytest.raises(ValueError, match=error) as raised:
        build_notebook(nb)
    assert f"cell 2 (id {nb.cells[1].id}" in str(raised.value)


def test_markers_in_an_untagged_cell_raise() -> None:
    nb = solution_notebook()
    nb.cells[1].metadata["tags"] = []
    with pytest.raises(ValueError, match="no 'solution' tag"):
        build_notebook(nb)


def test_build_rejects_two_check_cells_for_one_exercise() -> None:
    nb = solution_notebook()
    nb.cells[2].metadata["tags"] = ["check", "exercise:half"]
    with pytest.raises(ValueError, match="cell 5 .*'half' already has a check cell"):
        build_notebook(nb)


def test_build_notebooks_names_the_bad_file_and_writes_nothing(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    bad = solution_notebook()
    bad.cells[3].source = "def half(x):\n    return x / 2"
    nbformat.write(bad, solutions / "02_bad.ipynb")
    with pytest.raises(ValueError, match=r"02_bad\.ipynb: cell 4"):
        build_notebooks(solutions, notebooks)
    assert not notebooks.exists()


def test_build_notebooks_writes_clean_notebooks_jupyter_style(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    with_outputs = nbformat.read(solutions / "01_tiny.ipynb", as_version=4)
    with_outputs.cells[5].outputs = [v4.new_output("stream", text="done\n")]
    with_outputs.cells[5].execution_count = 1
    nbformat.write(with_outputs, solutions / "01_tiny.ipynb")

    assert build_notebooks(solutions, notebooks) == [notebooks / "01_tiny.ipynb"]

    text = (notebooks / "01_tiny.ipynb").read_text()
    assert text.startswith('{\n "cells": [\n  {\n') and text.endswith("}\n")
    built = nbformat.reads(text, as_version=4)
    assert built.cells[1].source == "answer = ...  # your formula here"
    stored_solution = json.loads((solutions / "01_tiny.ipynb").read_text())
    assert stored_solution["cells"][5]["outputs"] == [] and stored_solution["cells"][5]["execution_count"] is None
    assert "answer = 6 * 7\n" in stored_solution["cells"][1]["source"]


def test_build_notebooks_leaves_unchanged_files_alone(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    before = [(path.stat().st_mtime_ns, path.read_bytes()) for path in (solutions / "01_tiny.ipynb", notebooks / "01_tiny.ipynb")]
    build_notebooks(solutions, notebooks)
    after = [(path.stat().st_mtime_ns, path.read_bytes()) for path in (solutions / "01_tiny.ipynb", notebooks / "01_tiny.ipynb")]
    assert after == before


def test_exercise_names_in_order() -> None:
    assert exercise_names(solution_notebook()) == ["answer", "half"]


def test_exercise_names_reject_untagged_and_duplicate_checks() -> None:
    nb = solution_notebook()
    nb.cells[4].metadata["tags"] = ["check"]
    with pytest.raises(ValueError, match="exactly one 'exercise:<name>' tag"):
        exercise_names(nb)
    nb.cells[4].metadata["tags"] = ["check", "exercise:answer"]
    with pytest.raises(ValueError, match="'answer' already has a check cell"):
        exercise_names(nb)


def test_freshly_built_course_has_no_problems(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    assert sync_problems(solutions, notebooks) == []


def test_sync_reports_missing_and_orphan_notebooks(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    notebooks.mkdir()
    nbformat.write(v4.new_notebook(), notebooks / "09_orphan.ipynb")
    problems = sync_problems(solutions, notebooks)
    assert problems == [
        f"{notebooks / '09_orphan.ipynb'} has no solution {solutions / '09_orphan.ipynb'}: "
        "add the solution or delete the notebook.",
        f"{notebooks / '01_tiny.ipynb'} is missing: run `course build`.",
    ]


def test_sync_reports_an_edited_notebook(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    nb = nbformat.read(notebooks / "01_tiny.ipynb", as_version=4)
    nb.cells[5].source = "print('edited by hand')"
    nbformat.write(nb, notebooks / "01_tiny.ipynb")
    assert sync_problems(solutions, notebooks) == [
        f"{notebooks / '01_tiny.ipynb'} is out of sync with {solutions / '01_tiny.ipynb'}: run `course build`."
    ]


def test_sync_reports_a_changed_solution(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    nb = nbformat.read(solutions / "01_tiny.ipynb", as_version=4)
    nb.cells[-2].source = "print('revised')"
    nbformat.write(nb, solutions / "01_tiny.ipynb")
    assert [p for p in sync_problems(solutions, notebooks) if "out of sync" in p]


def test_sync_reports_outputs_and_widget_state(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    solution = nbformat.read(solutions / "01_tiny.ipynb", as_version=4)
    solution.cells[5].outputs = [v4.new_output("stream", text="done\n")]
    nbformat.write(solution, solutions / "01_tiny.ipynb")
    notebook = nbformat.read(notebooks / "01_tiny.ipynb", as_version=4)
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(notebook, notebooks / "01_tiny.ipynb")
    problems = sync_problems(solutions, notebooks)
    assert f"{solutions / '01_tiny.ipynb'} has outputs or execution counts: run `course build` to strip it." in problems
    assert f"{notebooks / '01_tiny.ipynb'} has widget state: run `course build` to strip it." in problems


def test_sync_finds_a_leaked_solution_line(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    nb = nbformat.read(notebooks / "01_tiny.ipynb", as_version=4)
    nb.cells[5].source = "print('done')\n    return x / 2"
    nbformat.write(nb, notebooks / "01_tiny.ipynb")
    leaks = [p for p in sync_problems(solutions, notebooks) if "leaks" in p]
    assert leaks == [f"{notebooks / '01_tiny.ipynb'} leaks a solution line of {solutions / '01_tiny.ipynb'}: 'return x / 2'"]


def test_sync_reports_a_malformed_solution(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    nb = solution_notebook()
    nb.cells[1].source = "answer = 42"
    nbformat.write(nb, solutions / "01_tiny.ipynb")
    (problem,) = sync_problems(solutions, notebooks)
    assert problem.startswith(f"{solutions / '01_tiny.ipynb'}: cell 2") and "BEGIN SOLUTION" in problem


def test_missing_solutions_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No solutions folder"):
        build_notebooks(tmp_path / "nowhere", tmp_path / "notebooks")


def test_repository_notebooks_are_in_sync_with_solutions() -> None:
    root = Path(__file__).resolve().parent.parent
    if not list((root / "solutions").glob("*.ipynb")):
        pytest.skip("solutions/ has no notebooks yet: nothing to compare")
    assert sync_problems() == []


def test_sync_checks_every_solution(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    shutil.copy(solutions / "01_tiny.ipynb", solutions / "02_twin.ipynb")
    build_notebooks(solutions, notebooks)
    (notebooks / "02_twin.ipynb").unlink()
    assert sync_problems(solutions, notebooks) == [f"{notebooks / '02_twin.ipynb'} is missing: run `course build`."]


def test_built_notebooks_name_their_lesson(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    build_notebooks(solutions, notebooks)
    for path in (solutions / "01_tiny.ipynb", notebooks / "01_tiny.ipynb"):
        assert nbformat.read(path, as_version=4).metadata["course"] == {"lesson": "01_tiny"}


def test_build_writes_badge_and_install_cell_from_pyproject(course: tuple[Path, Path]) -> None:
    solutions, notebooks = course
    nb = nbformat.read(solutions / "01_tiny.ipynb", as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace(f"blob/{home().tag}/", "blob/main/")
    nb.cells[-1].source = '%pip install -q "fine-tuning-course @ git+https://github.com/elsewhere/course"'
    nbformat.write(nb, solutions / "01_tiny.ipynb")
    assert sync_problems(solutions, notebooks)[0].endswith(
        "its badge, Colab cell or Colab metadata differ from pyproject.toml: run `course build`.")
    build_notebooks(solutions, notebooks)
    for path in (solutions / "01_tiny.ipynb", notebooks / "01_tiny.ipynb"):
        built = nbformat.read(path, as_version=4)
        assert home().badge("01_tiny") in built.cells[0].source
        assert built.cells[-1].source == home().install_cell()
        assert "accelerator" not in built.metadata  # not a lesson of the course's table
    assert sync_problems(solutions, notebooks) == []


def test_install_cell_is_python_that_installs_the_release() -> None:
    where = home()
    cell = where.install_cell()
    compile(cell, "install cell", "exec")
    assert f"{where.package} @ git+https://github.com/{where.repository}@v{where.version}" in cell
    assert where.badge("00_course_tour").endswith(f"/blob/v{where.version}/notebooks/00_course_tour.ipynb)")


def test_stamp_opens_training_lessons_on_a_gpu_and_needs_a_badge_and_install_cell() -> None:
    nb = solution_notebook()
    assert stamp(nb, "01_supervised_classification", home()).metadata["accelerator"] == "GPU"
    gpu = stamp(nb, "01_supervised_classification", home())
    assert "accelerator" not in stamp(gpu, "08_review_quiz", home()).metadata
    del nb.cells[-1]
    with pytest.raises(ValueError, match="needs one Markdown cell with the Open In Colab badge and one code cell "
                                         "tagged 'colab'; it has 1 and 0"):
        stamp(nb, "01_tiny", home())
