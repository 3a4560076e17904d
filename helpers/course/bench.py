"""``course bench``: the book's training recipe against the course's fast one, same model, data and seed.

Each recipe trains in its own process (``python -m helpers.course.train``), so that
peak memory is measured per recipe. The table goes to the terminal and, with the
raw figures, to ``runs/<timestamp>/bench.md`` and ``bench.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from helpers.course.config import runs_dir

RECIPES = ("book", "fast")
ROWS = (("train examples/s", "train_examples_per_s"), ("eval examples/s", "eval_examples_per_s"),
        ("training time (s)", "train_s"), ("wall time (s)", "wall_s"), ("peak memory (MB)", "peak_mem_mb"),
        ("F1 (test)", "f1"))


def bench(model: str, examples: int | None, eval_examples: int | None, epochs: float, device: str,
          out_dir: Path | None = None) -> dict[str, Any]:
    """Train with each recipe; write and return the results (``out_dir``: where, default a new run folder)."""
    out_dir = out_dir or runs_dir() / f"{datetime.now():%Y%m%d-%H%M%S}"
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for recipe in RECIPES:
        print(f"Training with the {recipe} recipe ...", flush=True)
        command = [sys.executable, "-m", "helpers.course.train", "--recipe", recipe, "--model", model,
                   "--epochs", str(epochs), "--device", device, "--out", str(out_dir / f"{recipe}.json")]
        command += ["--examples", str(examples)] if examples else []
        command += ["--eval-examples", str(eval_examples)] if eval_examples else []
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"The {recipe} run failed:\n{done.stderr[-3000:]}")
        results[recipe] = {**json.loads((out_dir / f"{recipe}.json").read_text()),
                           "wall_s": round(time.perf_counter() - started, 1)}
    book, fast = results["book"], results["fast"]
    summary = {
        **results,
        "ratio_train_throughput": round(fast["train_examples_per_s"] / book["train_examples_per_s"], 2),
        "device": book["device"], "model": book["model"], "examples": book["examples"],
    }
    (out_dir / "bench.json").write_text(json.dumps(summary, indent=2) + "\n")
    table = markdown(summary)
    (out_dir / "bench.md").write_text(table)
    print(table)
    print(f"Written to {out_dir / 'bench.md'} and bench.json")
    return {**summary, "out_dir": str(out_dir)}


def markdown(summary: dict[str, Any]) -> str:
    """The benchmark as a markdown table: one row per measure, one column per recipe, and fast/book."""
    book, fast = summary["book"], summary["fast"]
    lines = [f"# course bench: {summary['model']}, {summary['examples']:,} training examples, "
             f"{book['epochs']:g} epoch(s), {book['eval_examples']:,} test examples, {summary['device']}", "",
             "| measure | book recipe | fast recipe | fast / book |", "|---|---|---|---|"]
    for label, key in ROWS:
        ratio = "-" if key == "f1" else f"{fast[key] / book[key]:.2f}x"
        lines.append(f"| {label} | {book[key]:g} | {fast[key]:g} | {ratio} |")
    lines += ["", f"F1 difference (fast - book): {fast['f1'] - book['f1']:+.4f}."]
    return "\n".join(lines) + "\n"
