"""``course grade`` over a class: the gradebook, feedback, re-runs, and grading on a Dask cluster.

The slow test grades one batch of lesson-00 submissions (solved, unsolved, garbage,
timed out, hostile) three ways: with ``--jobs 2`` (a local cluster ``course grade``
starts), again (nothing is graded twice), and on a separately started multi-process
cluster through its scheduler address, which must give the same gradebook.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from helpers.checks.core import exercise, exercise_points
from helpers.course import gradebook
from helpers.course.config import require_checkout
from helpers.course.gradebook import (
    Entry,
    feedback,
    find_submissions,
    grade_class,
    spreadsheet_safe,
    student_of,
    write_gradebook,
)
from helpers.course.grading import ERROR, GRADED, KERNEL_DIED, TIMEOUT, CellOutcome, ExerciseResult, NotebookGrade, Settings

ROOT = require_checkout()
TOUR = "00_course_tour"
ANSWER = "00-11"  # the answer cell of lesson 00
SOLVED = "50.0% of the training examples are positive."
UNSOLVED = "Replace the ... with the share of labels equal to 1 (a number between 0 and 1)."


def tour(folder: str, answer: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / folder / f"{TOUR}.ipynb", as_version=4)
    if answer is not None:
        next(cell for cell in nb.cells if cell.id == ANSWER).source = answer
    return nb


def batch(folder: Path, out: Path) -> Path:
    """Five students' lesson 00, one folder each. Eve's answer overwrites what it can of the
    gradebook's folder (its real path) and of alice's submission, then ends its own kernel."""
    eve = (f"import os, glob\nfor name in glob.glob({str(out)!r} + '/**', recursive=True) + "
           f"[{str(folder / 'alice' / f'{TOUR}.ipynb')!r}]:\n"
           "    try:\n        open(name, 'w').write('{}')\n    except OSError:\n        pass\n"
           "os._exit(3)")
    notebooks = {"alice": tour("solutions"), "bob": tour("notebooks"), "carol": "this is no notebook",
                 "dave": tour("solutions", "import time\ntime.sleep(600)"), "eve": tour("solutions", eve)}
    for student, content in notebooks.items():
        path = folder / student / f"{TOUR}.ipynb"
        path.parent.mkdir(parents=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            nbformat.write(content, path)
    return folder


def rows(out: Path) -> list[dict[str, str]]:
    with (out / "gradebook.csv").open(newline="", encoding="utf8") as handle:
        return list(csv.DictReader(handle))


EXPECTED = [  # student, status, points, max_points, the exercise's column
    ("alice", GRADED, "1", "1", "1"),
    ("bob", GRADED, "0", "1", "0"),
    ("carol", ERROR, "0", "1", "0"),  # no notebook, but its file name says lesson 00
    ("dave", TIMEOUT, "0", "1", "0"),
    ("eve", KERNEL_DIED, "0", "1", "0"),
]


@pytest.mark.slow
def test_a_class_is_graded_into_one_gradebook_once_and_alike_on_a_cluster(tmp_path: Path, monkeypatch) -> None:
    from distributed import LocalCluster

    jobs_out, cluster_out = tmp_path / "jobs", tmp_path / "cluster"
    submissions = batch(tmp_path / "submissions", jobs_out)
    before = {path: path.read_bytes() for path in submissions.rglob("*.ipynb")}
    settings = Settings(cell_timeout=20, notebook_timeout=120, executed=True)

    printed = io.StringIO()
    entries = grade_class([submissions], jobs_out, settings, jobs=2, progress=printed)
    assert [(r["student"], r["status"], r["points"], r["max_points"], r["00:positive_share"])
            for r in rows(jobs_out)] == EXPECTED
    assert {path: path.read_bytes() for path in submissions.rglob("*.ipynb")} == before
    assert [entry.reused for entry in entries] == [False] * 5
    lines = printed.getvalue().splitlines()
    assert lines[0] == "5 submissions: 5 to grade, 0 unchanged since they were graded."
    assert lines[-1].startswith("[5/5] ") and "3 not graded to the end so far · about 0 s left" in lines[-1]

    assert feedback_of(jobs_out, "alice").endswith(f"| positive_share | 1/1 | pass | {SOLVED} |\n")
    assert f"| positive_share | 0/1 | not yet | {UNSOLVED} |" in feedback_of(jobs_out, "bob")
    assert "- Status: error: not a notebook: " in feedback_of(jobs_out, "carol")
    assert "- Status: kernel died: the kernel died with exit code 3 in code cell 7" in feedback_of(jobs_out, "eve")
    executed = nbformat.read(jobs_out / "executed" / "alice" / f"{TOUR}.ipynb", as_version=4)
    assert SOLVED in json.dumps([cell.outputs for cell in executed.cells if cell.cell_type == "code"])

    # Again: nothing is graded, and the gradebook is the same.
    gradebook_csv = (jobs_out / "gradebook.csv").read_bytes()
    monkeypatch.setattr(gradebook, "grade", lambda *args, **kwargs: pytest.fail("graded again"))
    again = grade_class([submissions], jobs_out, settings, jobs=2, progress=io.StringIO())
    assert [entry.reused for entry in again] == [True] * 5
    assert (jobs_out / "gradebook.csv").read_bytes() == gradebook_csv
    monkeypatch.undo()

    # A multi-process cluster started apart, reached at its scheduler's address: the same gradebook.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=0,
                      dashboard_address=None) as cluster:
        grade_class([submissions], cluster_out, settings, scheduler=cluster.scheduler_address,
                    progress=io.StringIO())
    assert (cluster_out / "gradebook.csv").read_bytes() == gradebook_csv
    assert sorted(p.relative_to(cluster_out) for p in cluster_out.rglob("*")) == sorted(
        p.relative_to(jobs_out) for p in jobs_out.rglob("*"))


def feedback_of(out: Path, student: str) -> str:
    return (out / "feedback" / student / f"{TOUR}.md").read_text()


@pytest.mark.slow
def test_course_grade_writes_the_gradebook_and_says_how_it_went(tmp_path: Path) -> None:
    """Exit status 0 only when every exercise of every submission passed; 2 when it cannot grade."""
    solved, empty = tmp_path / "alice" / f"{TOUR}.ipynb", tmp_path / "bob" / f"{TOUR}.ipynb"
    for path, nb in ((solved, tour("solutions")), (empty, v4.new_notebook())):
        path.parent.mkdir()
        nbformat.write(nb, path)

    def course_grade(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / ".venv" / "bin" / "course"), "grade", *args], cwd=tmp_path,
                              capture_output=True, text=True)

    done = course_grade(str(solved))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["student  lesson          status  points",
                                            "alice    00_course_tour  graded  1/1"]
    done = course_grade(str(tmp_path))
    assert done.returncode == 1
    assert "2 submissions: 1 to grade, 1 unchanged since they were graded." in done.stderr
    assert done.stdout.splitlines()[1:3] == ["alice    00_course_tour  graded  1/1     (unchanged, not graded again)",
                                             "bob      00_course_tour  error   0/1"]
    assert "2 submissions: 1 graded, 1 error." in done.stdout
    assert [row["status"] for row in rows(tmp_path / "grades")] == [GRADED, ERROR]
    twice = course_grade(str(solved), str(empty), "--student-pattern", r"(?P<student>\d\d)_")
    assert twice.returncode == 2 and "are both 00's 00_course_tour" in twice.stderr


# --- pieces, without a kernel -------------------------------------------------------


def test_student_ids_come_from_the_path(tmp_path: Path) -> None:
    assert student_of(Path("/class/alice/00_course_tour.ipynb")) == "alice"
    assert student_of(Path("bob_00_course_tour.ipynb"), r"(?P<student>[^/_]+)_[^/]*$") == "bob"
    with pytest.raises(ValueError, match="--student-pattern"):
        student_of(Path("/class/alice/00.ipynb"), r"(?P<who>\w+)")
    for pattern in (r"(?P<student>\.\.)/", r"(?P<student>[^/]+/[^/]+)\.ipynb"):
        with pytest.raises(ValueError, match="not a plain name"):
            student_of(Path("/class/../x/00.ipynb"), pattern)


def test_find_submissions_skips_hidden_folders_and_says_what_is_missing(tmp_path: Path) -> None:
    for name in ("b/00_course_tour.ipynb", "a/00_course_tour.ipynb", "a/.ipynb_checkpoints/00-checkpoint.ipynb",
                 "a/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert find_submissions([tmp_path, tmp_path / "a" / "00_course_tour.ipynb"]) == [
        tmp_path / "a" / "00_course_tour.ipynb", tmp_path / "b" / "00_course_tour.ipynb"]
    with pytest.raises(FileNotFoundError, match="absent"):
        find_submissions([tmp_path / "absent"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="No notebooks"):
        find_submissions([tmp_path / "empty"])


LESSON_01 = "01_supervised_classification"


def entry(student: str, name: str, result: NotebookGrade | None) -> Entry:
    return Entry(student, Path(f"/class/{student}/{name}.ipynb"), name, "key", result)


def test_the_gradebook_has_a_row_per_submission_and_a_column_per_exercise(tmp_path: Path) -> None:
    ran = [CellOutcome(1, "passed")]
    entries = [
        entry("ann", LESSON_01, NotebookGrade(Path("x"), [ExerciseResult("f1_by_hand", True, "ok"),
                                                          ExerciseResult("per_class_f1", False, "=HYPERLINK(1)"),
                                                          ExerciseResult("pipeline", True, "ok")],
                                              lesson=LESSON_01, cells=ran)),
        entry("=cmd", TOUR, NotebookGrade(Path("y"), [ExerciseResult("positive_share", False, "not run")],
                                          "code cell 7 ('x'): Timeout", TOUR, ran, status=TIMEOUT)),
        entry("cy", "homework", NotebookGrade(Path("z"), error="not a notebook", status=ERROR)),
        entry("dee", TOUR, None),
    ]
    write_gradebook(entries, tmp_path / "gradebook.csv")
    got = rows(tmp_path)
    assert list(got[0]) == ["student", "lesson", "submission", "status", "points", "max_points",
                            "00:positive_share", "01:f1_by_hand", "01:per_class_f1", "01:pipeline", "error"]
    assert [list(row.values()) for row in got] == [
        ["ann", LESSON_01, f"/class/ann/{LESSON_01}.ipynb", GRADED, "2", "3", "", "1", "0", "1", ""],
        ["'=cmd", TOUR, f"/class/=cmd/{TOUR}.ipynb", TIMEOUT, "0", "1", "0", "", "", "", "code cell 7 ('x'): Timeout"],
        ["cy", "", "/class/cy/homework.ipynb", ERROR, "0", "", "", "", "", "", "not a notebook"],
        ["dee", TOUR, f"/class/dee/{TOUR}.ipynb", "not graded", "", "", "", "", "", "",
         "the batch stopped before it was graded"],
    ]
    assert spreadsheet_safe("-1") == "'-1" and spreadsheet_safe(3) == 3


def test_feedback_keeps_a_hint_on_one_line_and_in_its_column() -> None:
    hint = "a <script>x</script> | b\nc"
    text = feedback(entry("ann", TOUR, NotebookGrade(Path("x"), [ExerciseResult("positive_share", False, hint)],
                                                     lesson=TOUR)))
    assert text.splitlines() == [
        "# 00_course_tour: feedback for ann", "", f"- Submission: `{TOUR}.ipynb`", "- Status: graded",
        "- Score: 0/1 points", "", "| exercise | points | verdict | hint |", "|---|---|---|---|",
        "| positive_share | 0/1 | not yet | a &lt;script&gt;x&lt;/script&gt; \\| b c |"]


def test_an_exercise_may_be_worth_more_than_a_point() -> None:
    import types

    module = types.ModuleType("checks")
    module.one = exercise(lambda answer: (True, "ok"))
    module.three = exercise(points=3)(lambda answer: (True, "ok"))
    assert exercise_points(module) == {"one": 1, "three": 3}
    with pytest.raises(ValueError, match="whole number of points"):
        exercise(points=0)


def test_a_stored_grade_is_used_only_for_exactly_what_it_graded(tmp_path: Path) -> None:
    path = tmp_path / "ann" / f"{TOUR}.ipynb"
    path.parent.mkdir()
    nbformat.write(tour("solutions"), path)
    (first,) = gradebook._entries([path], gradebook.STUDENT_PATTERN, Settings())
    first.grade = NotebookGrade(path, [ExerciseResult("positive_share", True, SOLVED)], lesson=TOUR)
    gradebook._save(tmp_path / "out", first)
    assert gradebook._stored(tmp_path / "out", first) == first.grade
    (longer,) = gradebook._entries([path], gradebook.STUDENT_PATTERN, Settings(cell_timeout=5))
    assert gradebook._stored(tmp_path / "out", longer) is None
    path.write_text(path.read_text() + " ")
    (changed,) = gradebook._entries([path], gradebook.STUDENT_PATTERN, Settings())
    assert gradebook._stored(tmp_path / "out", changed) is None
    gradebook._results_file(tmp_path / "out", first).write_text("{ torn")
    assert gradebook._stored(tmp_path / "out", first) is None
