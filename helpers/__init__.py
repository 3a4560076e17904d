"""Helpers for the course "Fine-Tuning Representation Models for Classification".

What the lessons use: :func:`setup` at the top of a lesson, :func:`record` at its
end, and the modules ``data``, ``models``, ``training``, ``classification``,
``token_classification``, ``question_answering``, ``language_modeling``, ``freezing``, ``plots``,
``records``, ``evaluation`` (scores with 95 % intervals and trivial baselines), ``quiz`` and
``quiz_questions`` (lesson 08's review quiz and its questions), ``environment`` and ``checks``
(one module of exercise checks per lesson).
``helpers.course`` is the course's tooling (the ``course`` command, profiles,
runner, grader, offline sources): no lesson imports it.

Importing the package is cheap (no torch, transformers or datasets); the
modules load on first use, e.g. ``helpers.data.load_rotten_tomatoes()``.
"""

from __future__ import annotations

import importlib
from typing import Any

from helpers.course.runlog import record
from helpers.environment import free_memory, setup

__all__ = ["record", "setup", "free_memory"]

_MODULES = {
    "checks", "classification", "data", "environment", "evaluation", "freezing", "language_modeling", "models",
    "plots", "question_answering", "quiz", "quiz_questions", "records", "token_classification", "training",
}


def __getattr__(name: str) -> Any:
    """Import a lesson-facing module the first time it is used (PEP 562)."""
    if name in _MODULES:
        return importlib.import_module(f"helpers.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
