"""Scores with 95 % intervals, and the trivial baseline to compare them with.

A score on one test set is an estimate: another test set of the same size would
give a slightly different number. The bootstrap measures how much, by scoring
many resamples of the test examples (drawn with replacement).

- :func:`bootstrap_interval`: a score and its interval.
- :func:`difference_interval`: whether two runs on the same test set can be told apart.
- :func:`always_predict` and :func:`score_table`: runs side by side with a trivial baseline.
- :func:`spread`: one score over several seeds or samples, as mean ± standard deviation.

F1, precision and recall follow :mod:`helpers.classification`: those of class 1
when the labels are 0/1, otherwise macro averages over the classes that occur in
the labels or the predictions. A zero denominator gives 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

Metric = str | Callable[[np.ndarray, np.ndarray], float]
NAMED_METRICS = ("f1", "accuracy", "precision", "recall")
COLUMN_LABELS = {"f1": "F1", "accuracy": "accuracy", "precision": "precision", "recall": "recall"}


@dataclass(frozen=True)
class Interval:
    """A score (``value``) and the bounds of its bootstrap interval."""

    value: float
    low: float
    high: float
    confidence: float = 0.95

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def excludes(self, x: float) -> bool:
        """Whether ``x`` lies outside the interval, e.g. ``excludes(0)`` for a difference."""
        return not self.low <= x <= self.high


@dataclass(frozen=True)
class Spread:
    """A score over ``n`` runs: mean, sample standard deviation, and a t interval of the mean."""

    mean: float
    sd: float
    n: int
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.mean:.3f} ± {self.sd:.3f}"

    def excludes(self, x: float) -> bool:
        """Whether ``x`` lies outside the 95 % interval of the mean, e.g. ``excludes(0)`` for differences."""
        return not self.low <= x <= self.high


def spread(values: Sequence[float], confidence: float = 0.95) -> Spread:
    """Mean ± standard deviation of one score over several runs (seeds, samples), with a t interval.

    Pass per-run differences (a - b, run by run) to compare two settings that share their seeds.
    """
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or len(array) < 2:
        raise ValueError(f"Expected one score per run, at least 2 runs; got shape {array.shape}: "
                         "repeat the run with other seeds or samples first.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence} must lie between 0 and 1, e.g. 0.95 for a 95% interval.")
    from scipy import stats

    mean, sd = float(array.mean()), float(array.std(ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, len(array) - 1)) * sd / np.sqrt(len(array))
    return Spread(mean, sd, len(array), mean - half, mean + half)


def _labels(values: Sequence, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(
            f"Expected one class id per example for the {what}, got an array of shape {array.shape}: "
            "pass class ids (e.g. logits.argmax(-1)), not logits or probabilities."
        )
    return array


def _check_inputs(y_true: Sequence, predictions: dict[str, Sequence], metric: Metric, resamples: int,
                  confidence: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """The labels and each set of predictions as arrays, after checking every argument."""
    labels = _labels(y_true, "labels")
    arrays = [_labels(values, what) for what, values in predictions.items()]
    for what, array in zip(predictions, arrays):
        if len(array) != len(labels):
            raise ValueError(
                f"Received {len(array)} {what} but {len(labels)} labels: predictions and labels "
                "must come from the same examples, in the same order."
            )
    if len(labels) < 2:
        raise ValueError(f"Received {len(labels)} example(s): a bootstrap needs at least 2 examples.")
    if resamples < 100:
        raise ValueError(f"resamples={resamples} is too few for stable bounds: use at least 100 (1000 is usual).")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence} must lie between 0 and 1, e.g. 0.95 for a 95% interval.")
    if isinstance(metric, str) and metric not in NAMED_METRICS:
        raise ValueError(
            f"Unknown metric {metric!r}: use one of {', '.join(map(repr, NAMED_METRICS))}, "
            "or pass a function metric(y_true, y_pred) -> float."
        )
    return labels, arrays


def _confusions(true_codes: np.ndarray, pred_codes: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """One k x k confusion matrix (true, predicted) per row of example indices."""
    cells = np.arange(len(rows))[:, None] * (k * k) + true_codes[rows] * k + pred_codes[rows]
    return np.bincount(cells.ravel(), minlength=len(rows) * k * k).reshape(len(rows), k, k)


def _named_scores(confusions: np.ndarray, metric: str, binary: bool) -> np.ndarray:
    """The metric of each confusion matrix."""
    tp = np.diagonal(confusions, axis1=1, axis2=2)
    if metric == "accuracy":
        return tp.sum(axis=1) / confusions.sum(axis=(1, 2))
    fp, fn = confusions.sum(axis=1) - tp, confusions.sum(axis=2) - tp
    numerator, denominator = {
        "f1": (2 * tp, 2 * tp + fp + fn), "precision": (tp, tp + fp), "recall": (tp, tp + fn)
    }[metric]
    per_class = np.divide(numerator, denominator, out=np.zeros(tp.shape), where=denominator > 0)
    if binary:
        return per_class[:, 1]
    present = tp + fp + fn > 0
    return (per_class * present).sum(axis=1) / present.sum(axis=1)


def _scores(labels: np.ndarray, predictions: list[np.ndarray], metric: Metric,
            rows: np.ndarray) -> list[np.ndarray]:
    """For each set of predictions, the metric on each row of example indices."""
    if callable(metric):
        return [np.array([float(metric(labels[r], array[r])) for r in rows]) for array in predictions]
    every = np.concatenate([labels, *predictions])
    binary = set(np.unique(every).tolist()) <= {0, 1}
    classes = np.array([0, 1]) if binary else np.unique(every)
    true_codes = np.searchsorted(classes, labels)
    return [_named_scores(_confusions(true_codes, np.searchsorted(classes, array), rows, len(classes)),
                          metric, binary)
            for array in predictions]


def _bootstrap(labels: np.ndarray, predictions: list[np.ndarray], combine: Callable[..., np.ndarray],
               metric: Metric, resamples: int, confidence: float, seed: int) -> Interval:
    """Percentile bootstrap of ``combine(*scores)`` over the examples."""
    n = len(labels)
    every_example = np.arange(n)[None, :]
    resampled = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    value = combine(*_scores(labels, predictions, metric, every_example))[0]
    statistics = combine(*_scores(labels, predictions, metric, resampled))
    tail = (1 - confidence) / 2
    low, high = np.quantile(statistics, [tail, 1 - tail])
    return Interval(float(value), float(low), float(high), confidence)


def bootstrap_interval(y_true: Sequence[int], y_pred: Sequence[int], metric: Metric = "f1",
                       resamples: int = 1000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """The metric on all examples, with a percentile bootstrap interval.

    ``metric`` is ``"f1"``, ``"accuracy"``, ``"precision"``, ``"recall"`` or a
    function ``metric(y_true, y_pred) -> float`` (scikit-learn's argument order).
    """
    labels, arrays = _check_inputs(y_true, {"predictions": y_pred}, metric, resamples, confidence)
    return _bootstrap(labels, arrays, lambda scores: scores, metric, resamples, confidence, seed)


def difference_interval(y_true: Sequence[int], y_pred_a: Sequence[int], y_pred_b: Sequence[int],
                        metric: Metric = "f1", resamples: int = 1000, confidence: float = 0.95,
                        seed: int = 0) -> Interval:
    """metric(a) - metric(b), both scored on the same resamples (a paired bootstrap).

    If the interval contains 0, this test set cannot tell the two runs apart.
    """
    labels, arrays = _check_inputs(
        y_true, {"predictions of a": y_pred_a, "predictions of b": y_pred_b}, metric, resamples, confidence
    )
    return _bootstrap(labels, arrays, np.subtract, metric, resamples, confidence, seed)


def always_predict(label: int, y_true: Sequence[int]) -> list[int]:
    """The trivial baseline's predictions: ``label`` for every example."""
    return [label] * len(y_true)


def score_table(runs: dict[str, tuple[Sequence[int], Sequence[int]]], baseline_label: int = 1,
                baseline_name: str | None = "always positive (trivial baseline)",
                metrics: Sequence[str] = ("f1", "accuracy"), resamples: int = 1000,
                seed: int = 0) -> pd.DataFrame:
    """One row per run (``name: (y_true, y_pred)``), each metric with its 95% interval.

    The last row is the trivial baseline (``baseline_label`` for every example of
    the first run's ``y_true``); ``baseline_name=None`` leaves it out.
    """
    if not runs:
        raise ValueError("No runs given: pass a dict such as {'fine-tuned': (y_true, y_pred)}.")
    unknown = [metric for metric in metrics if metric not in NAMED_METRICS]
    if unknown:
        raise ValueError(f"Unknown metric(s) {unknown}: use some of {', '.join(map(repr, NAMED_METRICS))}.")
    rows = dict(runs)
    if baseline_name is not None:
        first_labels = next(iter(runs.values()))[0]
        rows[baseline_name] = (first_labels, always_predict(baseline_label, first_labels))
    table = {}
    for name, (y_true, y_pred) in rows.items():
        table[name] = {}
        for metric in metrics:
            interval = bootstrap_interval(y_true, y_pred, metric, resamples, seed=seed)
            column = COLUMN_LABELS[metric]
            table[name][column] = round(interval.value, 4)
            table[name][f"{column} 95% interval"] = f"[{interval.low:.3f}, {interval.high:.3f}]"
    return pd.DataFrame.from_dict(table, orient="index").rename_axis("run")
