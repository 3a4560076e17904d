"""Profiles: a lesson's sizes from the per-lesson table, resolved against its parameters cell.

``smoke`` runs in CI and grading (seconds per training), ``cpu`` suits a learner
without GPU (minutes, meaningful scores), ``full`` is the book's setup on a GPU.
``auto`` means ``$COURSE_PROFILE`` if set, else ``full`` with a GPU and ``cpu``
without. A parameter left at ``None`` takes the profile's value; any other value wins.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from helpers.course.config import PROFILE_ENV, runs_dir
from helpers.course.lessons import PROFILES, lesson
from helpers.course.runlog import note
from helpers.environment import has_gpu


def pick_profile(profile: str) -> str:
    """Turn ``auto`` into a concrete profile; reject unknown names."""
    if profile == "auto":
        profile = os.environ.get(PROFILE_ENV) or ("full" if has_gpu() else "cpu")
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: use one of {', '.join(PROFILES)} or 'auto'.")
    return profile


def resolve(name: str, profile: str = "auto", seed: int = 42,
            output_dir: str | None = None, **knobs: Any) -> SimpleNamespace:
    """Combine a lesson's profile table with its parameters cell and print the result.

    ``knobs`` are the lesson's other parameters; ``None`` means "the profile decides".
    Returns a namespace with every setting, plus ``profile``, ``seed`` and ``output_dir``.
    """
    chosen = pick_profile(profile)
    table = lesson(name).profiles[chosen]
    unknown = sorted(set(knobs) - set(table))
    if unknown:
        raise ValueError(f"{name} has no parameter(s) {unknown}; its parameters are {sorted(table)}.")
    settings: dict[str, Any] = {"profile": chosen, "seed": seed}
    origin = {"profile": "auto" if profile == "auto" else "parameter", "seed": "parameter"}
    for key, default in table.items():
        given = knobs.get(key)
        settings[key] = default if given is None else given
        origin[key] = "profile" if given is None else "parameter"
    note("profile", chosen)
    settings["output_dir"] = output_dir or str(runs_dir() / f"{name}-{chosen}")
    origin["output_dir"] = "profile" if output_dir is None else "parameter"
    width = max(map(len, settings))
    print(f"Settings for {name}:")
    for key, value in settings.items():
        shown = "all" if value is None else value
        print(f"  {key:<{width}}  {shown!s:<42} ({origin[key]})")
    return SimpleNamespace(**settings)
