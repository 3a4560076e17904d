"""Lesson 00, the course tour: its check, and the lesson graded three ways."""

import inspect

import pytest

from helpers.checks import course_tour as checks
from helpers.checks.core import ExerciseFailed


pytestmark = pytest.mark.usefixtures("offline_sources")  # no test reaches the network


@pytest.fixture
def share():
    """The share of positive labels in the course's training split."""
    from helpers import data

    labels = data.load_rotten_tomatoes()["train"]["label"]
    return sum(labels) / len(labels)


def test_positive_share(grading, share):
    checks.positive_share(share)
    with pytest.raises(ExerciseFailed, match="Replace the ..."):
        checks.positive_share(...)
    with pytest.raises(ExerciseFailed, match="percentage"):
        checks.positive_share(100 * share)
    with pytest.raises(ExerciseFailed, match="not the share"):
        checks.positive_share(share - 0.1)
    with pytest.raises(ExerciseFailed, match="Expected a number"):
        checks.positive_share(str(share))
    assert grading()[0] == {"exercise": "positive_share", "passed": True,
                            "message": f"{share:.1%} of the training examples are positive."}


def test_positive_share_counts_the_courses_labels_not_the_learners(grading, share):
    """Setting labels = [1] and positive_share = 1.0 no longer passes: the check takes no labels."""
    assert list(inspect.signature(checks.positive_share).parameters) == ["answer"]
    assert share < 0.9
    with pytest.raises(ExerciseFailed, match="not the share of positive labels in the training split"):
        checks.positive_share(1.0)


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    grades = graded_three_ways("00_course_tour", "00-11", "sum(labels) / len(labels)", "sum(labels)")
    (wrong,) = grades["one wrong"].results
    assert not wrong.passed and "is not the share of positive labels" in wrong.message
