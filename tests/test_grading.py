"""Tests for helpers.grading: running submissions with nbval and reporting the results.

The grading tests execute tiny synthetic notebooks in a real kernel (a few
seconds each), never the course's ML notebooks.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from helpers.exercises import build_notebook
from helpers.grading import ExerciseResult, NotebookGrade, format_table, grade, write_report
from helpers.paths import checkout_root


def check_cell(name: str, condition: str, message: str) -> nbformat.NotebookNode:
    """A check cell that reports ``name`` through helpers.checks."""
    source = f"from helpers.checks import report\nreport({name!r}, {condition}, {message!r})"
    return v4.new_code_cell(source, metadata={"tags": ["check", f"exercise:{name}"]})


def solution_notebook() -> nbformat.NotebookNode:
    """A solution notebook with two exercises."""
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell("# Two exercises"),
        v4.new_code_cell("### BEGIN SOLUTION\n#STUB answer = ...\nanswer = 6 * 7\n### END SOLUTION",
                         metadata={"tags": ["solution"]}),
        check_cell("double", "answer == 42", "answer should be 42"),
        v4.new_code_cell("def half(x):\n    ### BEGIN SOLUTION\n    #STUB return ...\n    return x / 2\n"
                         "    ### END SOLUTION", metadata={"tags": ["solution"]}),
        check_cell("half", "half(8) == 4", "half(8) should be 4"),
    ]
    return nb


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The solution, the generated notebook, and a copy of the solution with one wrong answer."""
    folder = tmp_path_factory.mktemp("submissions")
    solution = solution_notebook()
    wrong = solution_notebook()
    wrong.cells[3].source = "def half(x):\n    return x / 3"
    paths = {"solution": folder / "solution.ipynb", "stub": folder / "stub.ipynb", "wrong": folder / "wrong half.ipynb"}
    for name, nb in {"solution": solution, "stub": build_notebook(solution), "wrong": wrong}.items():
        nbformat.write(nb, paths[name])
    return paths


@pytest.fixture(scope="module")
def graded(submissions: dict[str, Path]) -> dict[str, NotebookGrade]:
    """Each submission graded once, with the file's bytes and mtime before and after."""
    before = {name: (path.read_bytes(), path.stat().st_mtime_ns) for name, path in submissions.items()}
    grades = grade(list(submissions.values()), timeout=60)
    after = {name: (path.read_bytes(), path.stat().st_mtime_ns) for name, path in submissions.items()}
    assert after == before, "grading changed a submission"
    return dict(zip(submissions, grades))


@pytest.mark.slow
def test_solution_passes_everything(graded: dict[str, NotebookGrade], submissions: dict[str, Path]) -> None:
    result = graded["solution"]
    assert result.notebook == submissions["solution"]
    assert (result.passed, result.total, result.error) == (2, 2, None)
    assert result.results == [ExerciseResult("double", True, "answer should be 42"),
                              ExerciseResult("half", True, "half(8) should be 4")]


@pytest.mark.slow
def test_generated_notebook_fails_with_the_checks_messages(graded: dict[str, NotebookGrade]) -> None:
    result = graded["stub"]
    assert (result.passed, result.total, result.error) == (0, 2, None)
    assert result.results == [ExerciseResult("double", False, "answer should be 42"),
                              ExerciseResult("half", False, "half(8) should be 4")]


@pytest.mark.slow
def test_one_wrong_answer_fails_only_that_exercise(graded: dict[str, NotebookGrade]) -> None:
    result = graded["wrong"]
    assert (result.passed, result.total, result.error) == (1, 2, None)
    assert [(r.exercise, r.passed) for r in result.results] == [("double", True), ("half", False)]


@pytest.mark.slow
def test_reports_from_real_grades_parse(graded: dict[str, NotebookGrade], tmp_path: Path) -> None:
    write_report(list(graded.values()), tmp_path / "grades.json")
    write_report(list(graded.values()), tmp_path / "grades.csv")
    rows = json.loads((tmp_path / "grades.json").read_text())
    with (tmp_path / "grades.csv").open(newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert len(rows) == len(csv_rows) == 6
    assert sum(row["passed"] for row in rows) == 3
    assert [row["passed"] for row in csv_rows].count("True") == 3
    assert {row["notebook"] for row in csv_rows} == {str(grade.notebook) for grade in graded.values()}


@pytest.mark.slow
def test_grading_reports_errors_timeouts_and_edited_checks(tmp_path: Path) -> None:
    lesson_folder = checkout_root() / "notebooks"
    nb = v4.new_notebook()
    nb.cells = [
        check_cell("setup", f"__import__('os').getcwd() == {str(lesson_folder)!r} and "
                   "__import__('os').environ['COURSE_PROFILE'] == 'cpu'", "runs in notebooks/ with the profile"),
        v4.new_code_cell("values = undefined_name"),
        check_cell("values", "values == [1]", "values should be [1]"),
        v4.new_code_cell("print('check removed')", metadata={"tags": ["check", "exercise:edited"]}),
        v4.new_code_cell("import time\ntime.sleep(60)"),
        check_cell("late", "True", "ran after the timeout"),
    ]
    path = tmp_path / "troubled.ipynb"
    nbformat.write(nb, path)
    (result,) = grade([path], timeout=3, profile="cpu")
    messages = {r.exercise: (r.passed, r.message) for r in result.results}
    assert messages == {
        "setup": (True, "runs in notebooks/ with the profile"),
        "values": (False, "the check cell raised NameError: name 'values' is not defined"),
        "edited": (False, "the check cell ran but reported no result (was it changed?)"),
        "late": (True, "ran after the timeout"),
    }
    assert result.error == "code cell 5 ('import time'): Timeout of 3 seconds exceeded executing cell"


def test_missing_submission_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="absent.ipynb"):
        grade([tmp_path / "absent.ipynb"])


@pytest.mark.parametrize("content", ["not json", '{"nbformat": 4}'])
def test_unreadable_submission_is_an_error_not_a_crash(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    (result,) = grade([path])
    assert (result.results, result.passed, result.total) == ([], 0, 0)
    assert result.error.startswith("not a gradable notebook: ")


def test_submission_with_an_untagged_check_cell_is_an_error(tmp_path: Path) -> None:
    nb = solution_notebook()
    nb.cells[2].metadata["tags"] = ["check"]
    nbformat.write(nb, tmp_path / "untagged.ipynb")
    (result,) = grade([tmp_path / "untagged.ipynb"])
    assert "exactly one 'exercise:<name>' tag" in result.error


GRADES = [
    NotebookGrade(Path("a.ipynb"), [ExerciseResult("double", True, "answer should be 42"),
                                    ExerciseResult("half_of_it", False, "half(8) should\nbe 4")], 1, 2),
    NotebookGrade(Path("b.ipynb"), [ExerciseResult("x", False, "not run")], 0, 1, "code cell 2 ('x'): Timeout"),
]


def test_format_table() -> None:
    assert format_table(GRADES) == (
        "a.ipynb\n"
        "  exercise   | result | message\n"
        "  double     | PASS   | answer should be 42\n"
        "  half_of_it | FAIL   | half(8) should be 4\n"
        "  total: 1/2\n"
        "\n"
        "b.ipynb\n"
        "  exercise | result | message\n"
        "  x        | FAIL   | not run\n"
        "  total: 0/1\n"
        "  error: code cell 2 ('x'): Timeout"
    )


def test_write_report_json_and_csv(tmp_path: Path) -> None:
    write_report(GRADES, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == [
        {"notebook": "a.ipynb", "exercise": "double", "passed": True, "message": "answer should be 42",
         "notebook_error": ""},
        {"notebook": "a.ipynb", "exercise": "half_of_it", "passed": False, "message": "half(8) should\nbe 4",
         "notebook_error": ""},
        {"notebook": "b.ipynb", "exercise": "x", "passed": False, "message": "not run",
         "notebook_error": "code cell 2 ('x'): Timeout"},
    ]
    write_report(GRADES, tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["notebook"], row["exercise"], row["passed"]) for row in rows] == [
        ("a.ipynb", "double", "True"), ("a.ipynb", "half_of_it", "False"), ("b.ipynb", "x", "False")]
    assert rows[1]["message"] == "half(8) should\nbe 4"


def test_write_report_rejects_other_extensions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use a \.json or \.csv"):
        write_report(GRADES, tmp_path / "report.txt")
    assert not (tmp_path / "report.txt").exists()
