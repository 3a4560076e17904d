"""``course bench``: the book's training recipe against the course's fast one, same model, data and seed.

Three recipes, each trained in its own process (``python -m helpers.course.train``), so
that peak memory is measured per recipe:

- on a CPU: the book's, the fast one in fp32, and the fast one with bf16 (what the
  lessons run) when this CPU computes bf16 natively; without it the lessons' fast
  recipe is the fp32 one, and that column is left out;
- on a GPU: the book's, the fast one, and the fast one with ``torch.compile``.

The table goes to the terminal and, with the raw figures, to ``runs/<timestamp>/bench.md``
and ``bench.json``.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from helpers.course.config import runs_dir

ROWS = (("train examples/s", "train_examples_per_s"), ("eval examples/s", "eval_examples_per_s"),
        ("training time (s)", "train_s"), ("wall time (s)", "wall_s"), ("peak memory (MB)", "peak_mem_mb"),
        ("F1 (test)", "f1"))


def recipes_for(gpu: bool, cpu_bf16: bool) -> tuple[str, ...]:
    """The recipes ``course bench`` compares on this device."""
    if gpu:
        return ("book", "fast", "fast-compile")
    return ("book", "fast-fp32", "fast") if cpu_bf16 else ("book", "fast-fp32")


def cpu_support() -> str:
    """One line: this CPU's name and whether it computes bf16 natively."""
    from helpers.training import cpu_computes_bf16

    name = next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
                platform.processor() or platform.machine())
    native = cpu_computes_bf16()
    return (f"CPU: {name}; computes bf16 natively (oneDNN): {'yes' if native else 'no'}"
            + ("" if native else ", so the fast recipe trains in fp32 here"))


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def bench(model: str, examples: int | None, eval_examples: int | None, epochs: float, device: str,
          out_dir: Path | None = None) -> dict[str, Any]:
    """Train with each recipe; write and return the results (``out_dir``: where, default a new run folder)."""
    from helpers.environment import has_gpu
    from helpers.training import cpu_computes_bf16

    gpu = device == "cuda" or (device == "auto" and has_gpu())
    support = cpu_support()
    print(support, flush=True)
    out_dir = out_dir or runs_dir() / f"{datetime.now():%Y%m%d-%H%M%S}"
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    recipes = recipes_for(gpu, cpu_computes_bf16())
    for recipe in recipes:
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
    book = results["book"]
    summary = {
        **results, "recipes": list(recipes), "cpu": support,
        "ratio_train_throughput": {recipe: round(results[recipe]["train_examples_per_s"]
                                                 / book["train_examples_per_s"], 2) for recipe in recipes[1:]},
        "device": book["device"], "model": book["model"], "examples": book["examples"],
    }
    (out_dir / "bench.json").write_text(json.dumps(summary, indent=2) + "\n")
    table = markdown(summary)
    (out_dir / "bench.md").write_text(table)
    print(table)
    print(f"Written to {out_dir / 'bench.md'} and bench.json")
    return {**summary, "out_dir": str(out_dir)}


def markdown(summary: dict[str, Any]) -> str:
    """The benchmark as a markdown table: one row per measure, a column per recipe, then each one / book."""
    recipes = summary["recipes"]
    book, others = summary[recipes[0]], recipes[1:]
    columns = [f"{recipe} ({summary[recipe]['precision']})" for recipe in recipes] + [
        f"{recipe} / book" for recipe in others]
    lines = [f"# course bench: {summary['model']}, {summary['examples']:,} training examples, "
             f"{book['epochs']:g} epoch(s), {book['eval_examples']:,} test examples, {summary['device']}", "",
             summary["cpu"], "", "| measure | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for label, key in ROWS:
        values = [f"{summary[recipe][key]:g}" for recipe in recipes]
        ratios = ["-" if key == "f1" else f"{summary[recipe][key] / book[key]:.2f}x" for recipe in others]
        lines.append(f"| {label} | " + " | ".join(values + ratios) + " |")
    lines += [""] + [f"F1 difference ({recipe} - book): {summary[recipe]['f1'] - book['f1']:+.4f}."
                     for recipe in others]
    return "\n".join(lines) + "\n"
