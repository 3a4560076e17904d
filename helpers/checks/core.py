"""What every exercise check shares: the verdict, placeholders, and the grading protocol.

A check is a function decorated with :func:`exercise`. Its name is the name of the
exercise (the ``exercise:<name>`` tag of its check cell) and it returns
``(passed, message)``; the decorator reports the verdict. Outside grading a
failure only prints, so a learner can run the whole lesson. Under ``course grade``
(``COURSE_GRADING=1``) every verdict is also published as a display message of type
:data:`VERDICT_MIME`, which the grader reads from the check cell's own output, and a
failure raises :class:`ExerciseFailed`, which fails the check cell.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from helpers.course.config import GRADING_ENV

Verdict = tuple[bool, str]
VERDICT_MIME = "application/vnd.fine-tuning-course.verdict+json"


class ExerciseFailed(AssertionError):
    """An exercise is unsolved or wrong (raised only in grading mode)."""


def grading_mode() -> bool:
    """True when notebooks are being graded."""
    return os.environ.get(GRADING_ENV, "") not in {"", "0", "false"}


def report(exercise: str, passed: bool, message: str) -> None:
    """Show the verdict on one exercise; in grading mode publish it for the grader, and raise if it failed."""
    line = ("PASS " if passed else "NOT YET ") + f"[{exercise}] {message}"
    if not grading_mode():
        print(line)
        return
    from IPython.display import display

    display({"text/plain": line, VERDICT_MIME: {"exercise": exercise, "passed": passed, "message": message}},
            raw=True)
    if not passed:
        raise ExerciseFailed(f"[{exercise}] {message}")


def exercise(check: Callable[..., Verdict] | None = None, *, points: int = 1) -> Any:
    """Make ``check`` (returning ``(passed, message)``) the check of the exercise of the same name.

    Use it as ``@exercise``, worth 1 point in the gradebook, or as ``@exercise(points=2)``.
    """
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        raise ValueError(f"An exercise is worth a whole number of points, 1 or more; got {points!r}.")
    if check is None:
        return functools.partial(exercise, points=points)

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> None:
        passed, message = check(*args, **kwargs)
        report(check.__name__, passed, message)

    run.is_exercise = True  # type: ignore[attr-defined]
    run.points = points  # type: ignore[attr-defined]
    return run


def exercise_names(module: ModuleType) -> list[str]:
    """The exercises a checks module defines, in the order it defines them."""
    return list(exercise_points(module))


def exercise_points(module: ModuleType) -> dict[str, int]:
    """The points of each exercise a checks module defines, in the order it defines them."""
    return {name: value.points for name, value in vars(module).items() if getattr(value, "is_exercise", False)}


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
