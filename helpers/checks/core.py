"""What every exercise check shares: the verdict, placeholders, and the grading protocol.

A check is a function decorated with :func:`exercise`. Its name is the name of the
exercise (the ``exercise:<name>`` tag of its check cell) and it returns
``(passed, message)``; the decorator reports the verdict. Outside grading a
failure only prints, so a learner can run the whole lesson. Under ``course grade``
(``COURSE_GRADING=1``) a failure raises :class:`ExerciseFailed`, which fails the
check cell, and every verdict is appended as a JSON line to ``$COURSE_GRADE_LOG``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from helpers.course.config import GRADE_LOG_ENV, GRADING_ENV

Verdict = tuple[bool, str]


class ExerciseFailed(AssertionError):
    """An exercise is unsolved or wrong (raised only in grading mode)."""


def grading_mode() -> bool:
    """True when notebooks are being graded."""
    return os.environ.get(GRADING_ENV, "") not in {"", "0", "false"}


def report(exercise: str, passed: bool, message: str) -> None:
    """Print and log the verdict on one exercise; raise in grading mode if it failed."""
    print(("PASS " if passed else "NOT YET ") + f"[{exercise}] {message}")
    log = os.environ.get(GRADE_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf8") as handle:
            handle.write(json.dumps({"exercise": exercise, "passed": passed, "message": message}) + "\n")
    if not passed and grading_mode():
        raise ExerciseFailed(f"[{exercise}] {message}")


def exercise(check: Callable[..., Verdict]) -> Callable[..., None]:
    """Make ``check`` (returning ``(passed, message)``) the check of the exercise of the same name."""

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> None:
        passed, message = check(*args, **kwargs)
        report(check.__name__, passed, message)

    run.is_exercise = True  # type: ignore[attr-defined]
    return run


def exercise_names(module: ModuleType) -> list[str]:
    """The exercises a checks module defines, in the order it defines them."""
    return [name for name, value in vars(module).items() if getattr(value, "is_exercise", False)]


def is_unsolved(answer: Any) -> bool:
    """True for the placeholders an exercise stub leaves: ``...`` or ``None``."""
    return answer is ... or answer is None


def close(a: float, b: float, tol: float = 1e-4) -> bool:
    """True when two numbers agree within ``tol``."""
    return abs(float(a) - float(b)) <= tol


def calls_during(function: Callable[..., Any], args: tuple, watched: dict[str, Callable[..., Any]]) -> tuple[Any, list[str]]:
    """Call ``function(*args)``; return its result and the names of the ``watched`` functions it ran.

    For checks whose exercise a library already solves in one call: the check can
    refuse an answer that only calls it, however it was imported.
    """
    codes = {watched_function.__code__: name for name, watched_function in watched.items()}
    seen: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            seen.append(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = function(*args)
    finally:
        sys.setprofile(previous)
    return result, seen
