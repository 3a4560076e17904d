"""`course grade` on the real lesson 01: full marks for the solution, nothing for the
unsolved lesson, and exactly one failure for a copy with one wrong answer."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01_supervised_classification.ipynb"


def wrong_copy(tmp_path: Path) -> Path:
    """The solution with F1 replaced by the accuracy formula."""
    nb = nbformat.read(ROOT / "solutions" / LESSON, as_version=4)
    cell = next(c for c in nb.cells if "f1_by_hand = 2 * precision" in c.source)
    cell.source = cell.source.replace("f1_by_hand = 2 * precision * recall / (precision + recall)",
                                      "f1_by_hand = (tp + tn) / (tp + tn + fp + fn)")
    path = tmp_path / "wrong_f1.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_grade_lesson_01(tmp_path):
    submissions = [ROOT / "solutions" / LESSON, ROOT / "notebooks" / LESSON, wrong_copy(tmp_path)]
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in submissions]
    report = tmp_path / "grades.json"
    done = subprocess.run([sys.executable, "-m", "helpers.cli", "grade", *map(str, submissions),
                           "--json", str(report)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "COURSE_PROFILE": ""}, timeout=1500)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = json.loads(report.read_text())
    outcome = {(Path(r["notebook"]).parent.name + "/" + Path(r["notebook"]).name, r["exercise"]): r["passed"]
               for r in rows}
    exercises = ["f1_by_hand", "per_class_f1", "pipeline"]
    assert [outcome[(f"solutions/{LESSON}", e)] for e in exercises] == [True, True, True]
    assert [outcome[(f"notebooks/{LESSON}", e)] for e in exercises] == [False, False, False]
    assert [outcome[(f"{tmp_path.name}/wrong_f1.ipynb", e)] for e in exercises] == [False, True, True]
    wrong_message = next(r["message"] for r in rows if r["notebook"].endswith("wrong_f1.ipynb")
                         and r["exercise"] == "f1_by_hand")
    assert "is the accuracy" in wrong_message
    assert "total: 3/3" in done.stdout and "total: 0/3" in done.stdout and "total: 2/3" in done.stdout
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in submissions] == before
