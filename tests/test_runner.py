import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.course.runner import parse_value, results_markdown, run_notebooks

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text, value", [("7", 7), ("2e-5", 2e-5), ("None", None), ("True", True),
                                         ("bert-base-cased", "bert-base-cased")])
def test_parse_value_reads_types_like_papermill(text, value):
    assert parse_value(text) == value


def test_results_markdown_puts_book_figure_beside_ours():
    text = results_markdown({"created": "now", "notebooks": {"01_supervised_classification": {
        "profile": "cpu", "device": "cpu", "model": "m", "data_source": "offline", "wall_s": 300.0,
        "scores": {"test_f1": 0.8123, "test_accuracy": 0.8}}}})
    row = next(line for line in text.splitlines() if "test_f1" in line)
    assert "0.812" in row and "0.849" in row
    accuracy_row = next(line for line in text.splitlines() if "test_accuracy" in line)
    assert accuracy_row.rstrip(" |").endswith("-")


def tiny_notebook(path: Path, body: str) -> Path:
    nb = new_notebook(cells=[new_code_cell('profile = "auto"\nseed = 42', metadata={"tags": ["parameters"]}),
                             new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_run_collects_records_and_reports_failures(tmp_path):
    good = tiny_notebook(tmp_path / "01_good.ipynb",
                         "import helpers\nhelpers.record({'score': seed / 10}, profile=profile)")
    bad = tiny_notebook(tmp_path / "02_bad.ipynb", "raise RuntimeError('broken lesson')")
    results = run_notebooks([good, bad], profile="smoke", parameters={"seed": 7}, out_dir=tmp_path / "out")
    entry = results["notebooks"]["01_good"]
    assert entry["scores"] == {"score": 0.7} and entry["profile"] == "smoke" and entry["wall_s"] > 0
    assert "broken lesson" in results["notebooks"]["02_bad"]["error"]
    stored = json.loads((tmp_path / "out" / "results.json").read_text())
    assert stored["notebooks"]["01_good"]["scores"] == {"score": 0.7}
    assert (tmp_path / "out" / "01_good.ipynb").exists()
    failed_row = next(line for line in (tmp_path / "out" / "results.md").read_text().splitlines() if "02_bad" in line)
    assert "FAILED: " in failed_row and "broken lesson" in failed_row and failed_row.count("|") == 10


def test_missing_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such notebook"):
        run_notebooks([tmp_path / "nope.ipynb"], out_dir=tmp_path)


@pytest.mark.slow
def test_course_run_applies_parameters_to_lesson_01(tmp_path):
    """`course run ... -p seed 7 -p max_train_samples 300` changes what the run used, visibly."""
    done = subprocess.run(
        [sys.executable, "-m", "helpers.course.cli", "run", str(ROOT / "notebooks" / "01_supervised_classification.ipynb"),
         "--profile", "smoke", "-p", "seed", "7", "-p", "max_train_samples", "300"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COURSE_PROFILE": ""}, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out_dir = Path(done.stdout.split("Results: ")[-1].strip()).parent
    entry = json.loads((out_dir / "results.json").read_text())["notebooks"]["01_supervised_classification"]
    assert entry["profile"] == "smoke" and entry["train_examples"] == 300
    assert 0.0 <= entry["scores"]["test_f1"] <= 1.0 and "MiniLM" in entry["model"]
    executed = nbformat.read(out_dir / "01_supervised_classification.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert any("seed" in l and " 7 " in l and "(parameter)" in l for l in printed.splitlines())
    assert any("max_train_samples" in l and "300" in l and "(parameter)" in l for l in printed.splitlines())
    assert "train 300 | validation 256 | test 256 sentences" in printed
    assert "train 300 | validation 256 | test 256 sentences" in done.stdout  # streamed to the terminal while it ran
    assert "trained 19 steps in" in done.stdout
