"""``course bench`` and the training script behind it: a tiny run, one process and two."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course.bench import bench, markdown, recipes_for
from helpers.course.train import recipe_settings
from helpers.training import cpu_computes_bf16

MEASURES = {"train_examples_per_s", "eval_examples_per_s", "wall_s", "peak_mem_mb", "f1"}


def test_recipes_differ_only_in_the_fast_settings(monkeypatch):
    monkeypatch.setattr("helpers.training.cpu_computes_bf16", lambda: True)
    book = recipe_settings("book", gpu=False)
    assert book == {"per_device_train_batch_size": 16, "per_device_eval_batch_size": 16, "weight_decay": 0.01}
    fp32 = {**book, "train_sampling_strategy": "group_by_length", "logging_nan_inf_filter": False}
    assert recipe_settings("fast-fp32", gpu=False) == fp32
    assert recipe_settings("fast", gpu=False) == {**fp32, "bf16": True, "use_cpu": True}
    assert recipe_settings("fast-compile", gpu=False) == {**fp32, "bf16": True, "use_cpu": True, "torch_compile": True}
    with pytest.raises(ValueError, match="Unknown recipe 'slow'"):
        recipe_settings("slow", gpu=False)


def test_each_device_compares_its_own_recipes():
    assert recipes_for(gpu=False, cpu_bf16=True) == ("book", "fast-fp32", "fast")
    assert recipes_for(gpu=False, cpu_bf16=False) == ("book", "fast-fp32")
    assert recipes_for(gpu=True, cpu_bf16=True) == ("book", "fast", "fast-compile")


def test_markdown_puts_each_ratio_beside_the_recipes():
    row = {"epochs": 1.0, "eval_examples": 100, "train_examples_per_s": 40.0, "eval_examples_per_s": 200.0,
           "train_s": 10.0, "wall_s": 20.0, "peak_mem_mb": 1000.0, "f1": 0.8, "precision": "fp32"}
    table = markdown({"recipes": ["book", "fast-fp32", "fast"], "book": row,
                      "fast-fp32": {**row, "train_examples_per_s": 60.0, "f1": 0.805},
                      "fast": {**row, "train_examples_per_s": 100.0, "precision": "bf16"},
                      "model": "m", "examples": 400, "device": "cpu", "cpu": "CPU: x; computes bf16 natively: yes"})
    assert "| measure | book (fp32) | fast-fp32 (fp32) | fast (bf16) | fast-fp32 / book | fast / book |" in table
    assert "| train examples/s | 40 | 60 | 100 | 1.50x | 2.50x |" in table
    assert "| F1 (test) | 0.8 | 0.805 | 0.8 | - | - |" in table
    assert "F1 difference (fast-fp32 - book): +0.0050." in table and "CPU: x; computes bf16 natively: yes" in table


@pytest.mark.slow
def test_tiny_bench_writes_every_recipe(tmp_path: Path):
    summary = bench("sentence-transformers/all-MiniLM-L6-v2", examples=48, eval_examples=32, epochs=1,
                    device="cpu", out_dir=tmp_path)
    stored = json.loads((tmp_path / "bench.json").read_text())
    assert stored["recipes"] == list(recipes_for(gpu=False, cpu_bf16=cpu_computes_bf16()))
    for recipe in stored["recipes"]:
        assert MEASURES <= set(stored[recipe]) and stored[recipe]["examples"] == 48
        assert stored[recipe]["train_examples_per_s"] > 0 and 0 <= stored[recipe]["f1"] <= 1
        assert stored[recipe]["precision"] == ("bf16" if recipe == "fast" else "fp32")
    assert stored["ratio_train_throughput"]["fast-fp32"] == round(
        stored["fast-fp32"]["train_examples_per_s"] / stored["book"]["train_examples_per_s"], 2)
    assert {"device", "model", "examples", "cpu"} <= set(stored) and summary["out_dir"] == str(tmp_path)
    assert "| train examples/s |" in (tmp_path / "bench.md").read_text()


@pytest.mark.slow
def test_two_processes_train_and_write_the_result_once(tmp_path: Path, tmp_path_factory):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    out = tmp_path / "result.json"
    logs = tmp_path_factory.mktemp("torchrun-logs")
    # Each rank's stderr goes to its own file: on one shared stream the two reports can interleave.
    done = subprocess.run(
        [torchrun, "--standalone", "--nproc_per_node=2", "--log-dir", str(logs), "--redirects", "2",
         "-m", "helpers.course.train", "--recipe", "fast",
         "--examples", "64", "--eval-examples", "32", "--device", "cpu", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    rank_logs = sorted(logs.rglob("stderr.log"))
    assert done.returncode == 0, done.stderr[-3000:] + "".join(log.read_text()[-2000:] for log in rank_logs)
    reports = [json.loads(line) for log in rank_logs for line in log.read_text().splitlines()
               if line.startswith('{"recipe"')]
    assert sorted(report["rank"] for report in reports) == [0, 1]
    assert all(report["processes"] == 2 for report in reports)
    assert json.loads(out.read_text())["processes"] == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["result.json", "trainer-fast"]
