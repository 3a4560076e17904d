"""``make test-gpu``: every lesson under nbval on a GPU kernel with the ``full`` profile.

Skipped where torch sees no GPU. ``COURSE_GPU_MODEL`` (``make test-gpu MODEL=...``)
overrides the ``model_id`` parameter of the lessons that have one, for a machine
that cannot hold the offline stand-in of bert-base-cased. Each lesson's wall time
and scores go to ``runs/<timestamp>-gpu/results.md``, as ``course run`` writes them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
import torch
from papermill.parameterize import parameterize_notebook

from helpers.course.config import PROFILE_ENV, RECORD_ENV, require_checkout, runs_dir
from helpers.course.lessons import LESSONS
from helpers.course.runner import results_markdown

ROOT = require_checkout()
MODEL_ENV = "COURSE_GPU_MODEL"
CELL_TIMEOUT = 3600

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason="no CUDA GPU here: make test-gpu runs every lesson with the full profile on a GPU"),
]


@pytest.fixture(scope="module")
def results() -> Any:
    """The lessons' records, written as results.md when the module is done."""
    collected: dict[str, Any] = {"created": datetime.now().isoformat(timespec="seconds"), "notebooks": {}}
    yield collected["notebooks"]
    out = runs_dir() / f"{datetime.now():%Y%m%d-%H%M%S}-gpu"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(collected, indent=2) + "\n")
    (out / "results.md").write_text(results_markdown(collected))
    print(f"\nGPU results: {out / 'results.md'}")


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_on_the_gpu(name: str, results: dict[str, Any], tmp_path: Path) -> None:
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    model = os.environ.get(MODEL_ENV)
    if model and "model_id" in LESSONS[name].profiles["full"]:
        nb = parameterize_notebook(nb, {"model_id": model})
    copy = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, copy)
    record = tmp_path / "record.json"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         f"--nbval-cell-timeout={CELL_TIMEOUT}", f"--rootdir={tmp_path}", str(copy)],
        capture_output=True, text=True, env={**os.environ, PROFILE_ENV: "full", RECORD_ENV: str(record)})
    entry = json.loads(record.read_text()) if record.exists() else {"scores": {}}
    entry["wall_s"] = round(time.perf_counter() - started, 1)
    if done.returncode != 0:
        entry["error"] = done.stdout.strip().splitlines()[-1]
    results[name] = entry
    assert done.returncode == 0, done.stdout[-5000:]
