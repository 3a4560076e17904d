"""Checks for lesson 00, the course tour."""

from __future__ import annotations

from typing import Any

from helpers.checks.core import Verdict, close, exercise, is_unsolved
from helpers.checks.reference import dataset


@exercise
def positive_share(answer: Any) -> Verdict:
    """The share of training examples labelled positive (1), against the course's training split."""
    if is_unsolved(answer):
        return False, "Replace the ... with the share of labels equal to 1 (a number between 0 and 1)."
    if not isinstance(answer, (int, float)):
        return False, f"Expected a number between 0 and 1, got {type(answer).__name__}."
    labels = dataset("rotten_tomatoes")["train"]["label"]
    expected = sum(1 for y in labels if y == 1) / len(labels)
    if close(answer, expected * 100, 0.05):
        return False, "That looks like a percentage: give a share between 0 and 1."
    if not close(answer, expected):
        return False, (f"{answer:.4f} is not the share of positive labels in the training split; count the 1s "
                       "of train['label'] and divide by the number of labels.")
    return True, f"{expected:.1%} of the training examples are positive."
