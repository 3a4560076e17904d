"""Helpers for the course "Fine-Tuning Representation Models for Classification".

Importing the package is cheap (no torch, transformers or datasets); the
submodules load on first use, e.g. ``helpers.data.load_rotten_tomatoes()``.
"""

from __future__ import annotations

import importlib
from typing import Any

from helpers.environment import free_memory, setup
from helpers.runlog import record

__all__ = ["record", "setup", "free_memory"]

_SUBMODULES = {
    "alignment", "book", "cache", "checks", "cli", "data", "environment", "exercises",
    "freezing", "grading", "hub", "metrics", "models", "paths", "plots", "profiles",
    "runlog", "runner",
}


def __getattr__(name: str) -> Any:
    """Import a submodule the first time it is used (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"helpers.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
