"""What a notebook run used and scored, collected for the runner.

Loaders, :func:`helpers.models.resolve_model` and the profile settings call
:func:`note`; a lesson calls :func:`record` (``helpers.record``) once with its
scores. Under ``course run`` the record is written to the JSON file named by
``$COURSE_RECORD``; otherwise it is printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from helpers.course.config import RECORD_ENV

_notes: dict[str, Any] = {}


def note(key: str, value: Any) -> None:
    """Remember a fact about this run (e.g. ``data_source``, ``model``)."""
    _notes[key] = value


def notes() -> dict[str, Any]:
    """A copy of everything noted so far in this process."""
    return dict(_notes)


def record(scores: dict[str, float], **facts: Any) -> None:
    """Record a notebook's scores with the run's notes (printed; written to ``$COURSE_RECORD`` if set).

    ``facts`` (e.g. ``profile=...``) override notes of the same name.
    """
    bad = {k: v for k, v in scores.items() if not isinstance(v, (int, float))}
    if bad:
        raise TypeError(f"scores must be numbers; got {bad}. Pass e.g. float(metrics['eval_f1']).")
    entry = {**_notes, **facts, "scores": {k: round(float(v), 4) for k, v in scores.items()}}
    target = os.environ.get(RECORD_ENV)
    if target:
        Path(target).write_text(json.dumps(entry, indent=2))
    print("Recorded:", json.dumps(entry))
