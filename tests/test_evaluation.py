"""Bootstrap intervals checked against exact scores, scikit-learn and the effect of sample size."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.metrics import f1_score

from helpers.evaluation import (
    Interval, always_predict, bootstrap_interval, difference_interval, score_table, spread,
)


def _run(n: int, correct: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Balanced 0/1 labels and predictions right on the fraction ``correct`` of them."""
    labels = np.arange(n) % 2
    wrong = np.random.default_rng(seed).permutation(n)[: round(n * (1 - correct))]
    predictions = labels.copy()
    predictions[wrong] = 1 - predictions[wrong]
    return labels, predictions


def test_interval_prints_and_tells_what_it_excludes():
    interval = Interval(0.8554, 0.8341, 0.8759)
    assert str(interval) == "0.855 [0.834, 0.876]"
    assert interval.excludes(0.9) and interval.excludes(0.8)
    assert not interval.excludes(0.85) and not interval.excludes(0.8341)


def test_known_values():
    labels = [0, 1] * 50
    assert bootstrap_interval(labels, labels) == Interval(1, 1, 1)
    baseline = always_predict(1, labels)
    assert baseline == [1] * 100
    assert bootstrap_interval(labels, baseline).value == 2 / 3
    assert bootstrap_interval(labels, baseline, "accuracy").value == 1 / 2
    assert bootstrap_interval(labels, baseline, "precision").value == 1 / 2
    assert bootstrap_interval(labels, baseline, "recall") == Interval(1, 1, 1)


def test_interval_contains_the_value_and_narrows_with_more_examples():
    small, large = bootstrap_interval(*_run(200, 0.85)), bootstrap_interval(*_run(5_000, 0.85))
    for interval in small, large:
        assert interval.low < interval.value < interval.high
    assert large.high - large.low < (small.high - small.low) / 2


def test_seed_fixes_the_resamples():
    labels, predictions = _run(200, 0.85)
    first = bootstrap_interval(labels, predictions, seed=0)
    assert bootstrap_interval(labels, predictions, seed=0) == first
    other = bootstrap_interval(labels, predictions, seed=1)
    assert other.value == first.value and (other.low, other.high) != (first.low, first.high)


@pytest.mark.parametrize("classes, average", [(2, "binary"), (3, "macro")])
def test_named_f1_matches_scikit_learn_on_the_same_resamples(classes, average):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, classes, size=150)
    predictions = np.where(rng.random(150) < 0.7, labels, rng.integers(0, classes, size=150))

    def sklearn_f1(y_true, y_pred):
        return f1_score(y_true, y_pred, average=average, zero_division=0)

    named = bootstrap_interval(labels, predictions, "f1", resamples=200, seed=3)
    by_sklearn = bootstrap_interval(labels, predictions, sklearn_f1, resamples=200, seed=3)
    assert named.value == pytest.approx(sklearn_f1(labels, predictions), abs=1e-12)
    for mine, theirs in zip((named.value, named.low, named.high), (by_sklearn.value, by_sklearn.low, by_sklearn.high)):
        assert mine == pytest.approx(theirs, abs=1e-12)


def test_difference_of_identical_runs_is_zero_and_of_a_better_run_excludes_zero():
    labels, predictions = _run(500, 0.85)
    assert difference_interval(labels, predictions, predictions) == Interval(0, 0, 0)
    _, worse = _run(500, 0.70, seed=1)
    better = difference_interval(labels, predictions, worse)
    assert better.value > 0 and better.excludes(0)


def test_half_a_point_on_a_thousand_examples_is_noise():
    labels, a = _run(1_000, 0.85)
    b = a.copy()
    right, wrong = np.flatnonzero(a == labels), np.flatnonzero(a != labels)
    b[right[:55]] = 1 - b[right[:55]]  # b is wrong where a is right on 55 examples,
    b[wrong[:50]] = labels[wrong[:50]]  # and right where a is wrong on 50: 84.5 % against 85 %.
    difference = difference_interval(labels, a, b, "accuracy")
    assert difference.value == pytest.approx(0.005)
    assert not difference.excludes(0)


@pytest.mark.parametrize("call, message", [
    (lambda: bootstrap_interval([0, 1, 1], [0, 1]), "same examples, in the same order"),
    (lambda: difference_interval([0, 1], [0, 1], [1]), "1 predictions of b but 2 labels"),
    (lambda: bootstrap_interval([1], [1]), "at least 2 examples"),
    (lambda: bootstrap_interval([0, 1], [0, 1], resamples=10), "at least 100"),
    (lambda: bootstrap_interval([0, 1], [0, 1], confidence=95), "between 0 and 1"),
    (lambda: bootstrap_interval([0, 1], [0, 1], "f2"), "Unknown metric 'f2'.*'recall'"),
    (lambda: bootstrap_interval([0, 1], [[0.2, 0.8], [0.9, 0.1]]), r"argmax\(-1\)"),
    (lambda: score_table({}), "No runs given"),
    (lambda: score_table({"run": ([0, 1], [0, 1])}, metrics=("auc",)), r"Unknown metric\(s\) \['auc'\]"),
])
def test_bad_inputs_are_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_score_table_lists_each_run_then_the_baseline():
    table = score_table({"fine-tuned": _run(200, 0.9), "frozen": _run(200, 0.8)}, resamples=200)
    assert list(table.index) == ["fine-tuned", "frozen", "always positive (trivial baseline)"]
    assert list(table.columns) == ["F1", "F1 95% interval", "accuracy", "accuracy 95% interval"]
    assert table.loc["always positive (trivial baseline)", "F1"] == 0.6667
    assert table.loc["always positive (trivial baseline)", "accuracy"] == 0.5
    assert table["F1 95% interval"].str.fullmatch(r"\[\d\.\d{3}, \d\.\d{3}\]").all()
    alone = score_table({"fine-tuned": _run(200, 0.9)}, baseline_name=None, metrics=("recall",), resamples=200)
    assert list(alone.index) == ["fine-tuned"] and list(alone.columns) == ["recall", "recall 95% interval"]


def test_named_metric_is_fast():
    labels, predictions = _run(1_100, 0.85)
    start = time.perf_counter()
    bootstrap_interval(labels, predictions, resamples=1_000)
    assert time.perf_counter() - start < 0.5


def test_spread_gives_mean_sd_and_a_t_interval():
    result = spread([0.80, 0.82, 0.84])
    assert str(result) == "0.820 ± 0.020"
    assert result.n == 3 and result.mean == pytest.approx(0.82) and result.sd == pytest.approx(0.02)
    half = 4.302653 * 0.02 / np.sqrt(3)  # t(0.975, 2 degrees of freedom)
    assert (result.low, result.high) == pytest.approx((0.82 - half, 0.82 + half), abs=1e-6)
    assert result.excludes(0.7) and not result.excludes(0.81)
    assert spread([0.01, 0.02, 0.03, 0.02]).excludes(0)


@pytest.mark.parametrize("values", [[0.8], [], [[0.8, 0.9]]])
def test_spread_refuses_fewer_than_two_runs(values):
    with pytest.raises(ValueError, match="at least 2 runs"):
        spread(values)
