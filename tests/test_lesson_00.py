"""Lesson 00, the course tour: its check, and the lesson graded three ways."""


import pytest

from helpers.checks import course_tour as checks
from helpers.checks.core import ExerciseFailed

LABELS = [1, 1, 1, 0, 0, 0, 1, 0]


def test_positive_share(grading):
    checks.positive_share(0.5, LABELS)
    with pytest.raises(ExerciseFailed, match="Replace the ..."):
        checks.positive_share(..., LABELS)
    with pytest.raises(ExerciseFailed, match="percentage"):
        checks.positive_share(50, LABELS)
    with pytest.raises(ExerciseFailed, match="not the share"):
        checks.positive_share(0.4, LABELS)
    with pytest.raises(ExerciseFailed, match="Expected a number"):
        checks.positive_share("0.5", LABELS)
    assert grading()[0] == {"exercise": "positive_share", "passed": True,
                            "message": "50.0% of the training examples are positive."}


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    grades = graded_three_ways("00_course_tour", "00-11", "sum(labels) / len(labels)", "sum(labels)")
    (wrong,) = grades["one wrong"].results
    assert not wrong.passed and "is not the share of positive labels" in wrong.message
