"""Profiles: a lesson's sizes from the per-lesson table, resolved against its parameters cell.

``smoke`` runs in CI and grading (seconds per training), ``cpu`` suits a learner
without GPU (minutes, meaningful scores), ``full`` is the book's setup on a GPU.
``auto`` means ``$COURSE_PROFILE`` if set, else ``full`` with a GPU and ``cpu``
without. A parameter left at ``None`` takes the profile's value; any other value wins.

With ``COURSE_TINY=1`` (``make test-full-shape``) a profile keeps its models, settings
and branches, but its data is cut to a few batches (:data:`TINY_CAPS`): the lesson runs
every line the profile reaches, in minutes on a CPU, with scores that mean nothing.
The shape stays: a sweep keeps its points and a learning curve its sizes.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from helpers.checks.core import grading_mode
from helpers.course.config import PROFILE_ENV, TINY_ENV, runs_dir
from helpers.course.lessons import PROFILES, lesson
from helpers.course.runlog import note
from helpers.environment import has_gpu


def pick_profile(profile: str) -> str:
    """Turn ``auto`` into a concrete profile; reject unknown names. Under ``course grade`` the
    grader's profile (``$COURSE_PROFILE``) is used, whatever the notebook asks."""
    if grading_mode():
        graded = os.environ.get(PROFILE_ENV) or "smoke"
        if profile not in ("auto", graded):
            print(f"Grading runs profile {graded!r}: the notebook's profile={profile!r} is not used.")
        profile = graded
    if profile == "auto":
        profile = os.environ.get(PROFILE_ENV) or ("full" if has_gpu() else "cpu")
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: use one of {', '.join(PROFILES)} or 'auto'.")
    return profile


# What COURSE_TINY=1 caps: the samples that set the number of steps, SetFit's pairs and epochs, the
# epochs of lesson 03's ordinary fine-tune and the steps of lesson 04's head-only training.
TINY_CAPS = {"max_train_samples": 32, "max_eval_samples": 32, "num_iterations": 1, "num_epochs": 1,
             "fine_tune_epochs": 1, "head_steps": 4}


def tiny() -> bool:
    """True when ``COURSE_TINY=1``: the profile's shape with tiny data."""
    return os.environ.get(TINY_ENV, "") == "1"


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
    shrink = tiny()
    if shrink:
        for key, cap in TINY_CAPS.items():
            if key in settings and knobs.get(key) is None:
                settings[key] = cap if settings[key] is None else min(settings[key], cap)
                origin[key] = "tiny"
    note("profile", f"{chosen} (tiny)" if shrink else chosen)
    settings["output_dir"] = output_dir or str(runs_dir() / f"{name}-{chosen}{'-tiny' if shrink else ''}")
    origin["output_dir"] = "profile" if output_dir is None else "parameter"
    width = max(map(len, settings))
    print(f"Settings for {name}:")
    for key, value in settings.items():
        shown = "all" if value is None else value
        print(f"  {key:<{width}}  {shown!s:<42} ({origin[key]})")
    return SimpleNamespace(**settings)
