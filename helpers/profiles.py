"""Profiles: one table of sizes per notebook, resolved against the parameters cell.

``smoke`` runs in CI (seconds per training), ``cpu`` suits a learner without GPU
(minutes, meaningful scores), ``full`` is the book's setup on a GPU. ``auto``
means ``$COURSE_PROFILE`` if set, else ``full`` with a GPU and ``cpu`` without.
A parameter left at ``None`` takes the profile's value; any other value wins.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from helpers.environment import has_gpu
from helpers.paths import runs_dir
from helpers.runlog import note

PROFILE_ENV = "COURSE_PROFILE"
PROFILES = ("smoke", "cpu", "full")

SMALL_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BOOK_MODEL = "bert-base-cased"

# Per notebook, per profile. ``None`` for a sample limit means "the whole split".
TABLES: dict[str, dict[str, dict[str, Any]]] = {
    "00_course_tour": {
        "smoke": {}, "cpu": {}, "full": {},
    },
    "01_supervised_classification": {
        "smoke": {"model_id": SMALL_MODEL, "max_train_samples": 256, "max_eval_samples": 256,
                  "num_train_epochs": 1, "learning_rate": 5e-5, "batch_size": 16},
        "cpu": {"model_id": BOOK_MODEL, "max_train_samples": 1500, "max_eval_samples": None,
                "num_train_epochs": 1, "learning_rate": 3e-5, "batch_size": 16},
        "full": {"model_id": BOOK_MODEL, "max_train_samples": None, "max_eval_samples": None,
                 "num_train_epochs": 1, "learning_rate": 2e-5, "batch_size": 16},
    },
}


def pick_profile(profile: str) -> str:
    """Turn ``auto`` into a concrete profile; reject unknown names."""
    if profile == "auto":
        profile = os.environ.get(PROFILE_ENV) or ("full" if has_gpu() else "cpu")
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: use one of {', '.join(PROFILES)} or 'auto'.")
    return profile


def resolve(notebook: str, profile: str = "auto", seed: int = 42,
            output_dir: str | None = None, **knobs: Any) -> SimpleNamespace:
    """Combine a notebook's profile table with its parameters cell and print the result.

    ``knobs`` are the notebook's other parameters; ``None`` means "the profile decides".
    Returns a namespace with every setting, plus ``profile``, ``seed`` and ``output_dir``.
    """
    if notebook not in TABLES:
        raise ValueError(f"No profile table for notebook {notebook!r}; known: {', '.join(TABLES)}.")
    chosen = pick_profile(profile)
    table = TABLES[notebook][chosen]
    unknown = sorted(set(knobs) - set(table))
    if unknown:
        raise ValueError(f"{notebook} has no parameter(s) {unknown}; its parameters are {sorted(table)}.")
    settings: dict[str, Any] = {"profile": chosen, "seed": seed}
    origin = {"profile": "auto" if profile == "auto" else "parameter", "seed": "parameter"}
    for name, default in table.items():
        given = knobs.get(name)
        settings[name] = default if given is None else given
        origin[name] = "profile" if given is None else "parameter"
    note("profile", chosen)
    settings["output_dir"] = output_dir or str(runs_dir() / f"{notebook}-{chosen}")
    origin["output_dir"] = "profile" if output_dir is None else "parameter"
    width = max(map(len, settings))
    print(f"Settings for {notebook}:")
    for name, value in settings.items():
        shown = "all" if value is None else value
        print(f"  {name:<{width}}  {shown!s:<42} ({origin[name]})")
    return SimpleNamespace(**settings)
