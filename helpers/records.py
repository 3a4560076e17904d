"""Scores that earlier lessons recorded, for a lesson that compares itself with another one.

``course run`` writes each run's scores to ``runs/<timestamp>/results.json``.
:func:`reference_score` finds the latest of them for a lesson (``smoke`` runs
excluded: they train too little to compare with), or else the book's figure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers.course.config import runs_dir
from helpers.course.lessons import lesson as lesson_entry


@dataclass(frozen=True)
class Reference:
    """A score to compare with, a sentence saying where it comes from, and its training examples if known."""

    value: float
    source: str
    train_examples: int | None = None


def _recorded_runs(folder: Path) -> list[dict]:
    runs = []
    for results in folder.glob("*/results.json"):
        try:
            runs.append(json.loads(results.read_text()))
        except (OSError, json.JSONDecodeError):
            continue  # a run that is still being written, or a damaged file: not a reference
    return sorted(runs, key=lambda run: run.get("created", ""))


def reference_score(lesson: str, score: str) -> Reference:
    """The latest ``score`` that ``lesson`` recorded under ``runs/`` with a profile other than
    ``smoke``; without one, the book's figure for it. Raises if neither exists."""
    entry = lesson_entry(lesson)
    for run in reversed(_recorded_runs(runs_dir())):
        found = run.get("notebooks", {}).get(lesson, {})
        if found.get("profile", "smoke") != "smoke" and score in found.get("scores", {}):
            examples = found.get("train_examples")
            trained_on = f", {examples:,} training examples" if isinstance(examples, int) else ""
            return Reference(found["scores"][score],
                             f"your {lesson} run of {run['created']} (profile {found['profile']}, "
                             f"{found.get('model', 'model not recorded')}{trained_on})",
                             examples if isinstance(examples, int) else None)
    if score in entry.book:
        figure = entry.book[score]
        return Reference(figure.value, f"the book's figure (no {lesson} run recorded in {runs_dir()}): "
                                       f"{figure.source}")
    raise ValueError(f"No recorded {score!r} for {lesson} in {runs_dir()} and no book figure for it: "
                     f"run `course run solutions/{lesson}.ipynb --profile cpu` first.")
