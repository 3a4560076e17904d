"""Sequence-classification metrics checked against scores worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from transformers import EvalPrediction

from helpers.classification import classification_metrics


def _logits(predicted: list, n_classes: int) -> np.ndarray:
    """Logits whose argmax is ``predicted`` (any shape of class ids)."""
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, size=(*np.shape(predicted), n_classes))
    return noise + 5 * np.eye(n_classes)[predicted]


# Binary: TP 3, FN 1, FP 2, TN 4.
BINARY_TRUE = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
BINARY_PRED = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]


def test_binary_scores_are_those_of_the_positive_class():
    scores = classification_metrics()(EvalPrediction(_logits(BINARY_PRED, 2), np.array(BINARY_TRUE)))
    assert scores == pytest.approx(
        {"precision": 3 / 5, "recall": 3 / 4, "f1": 2 * 3 / (2 * 3 + 2 + 1), "accuracy": 7 / 10}
    )
    assert all(type(value) is float for value in scores.values())


def test_multiclass_scores_are_macro_averages():
    # Confusion: class 0 TP 2 FN 1; class 1 TP 1 FP 1 FN 1; class 2 TP 1 FP 1.
    truth, predicted = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
    f1_per_class = [2 * 2 / (2 * 2 + 1), 2 * 1 / (2 * 1 + 2), 2 * 1 / (2 * 1 + 1)]
    scores = classification_metrics()((_logits(predicted, 3), np.array(truth)))
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["f1"] == pytest.approx(sum(f1_per_class) / 3)
    assert scores["precision"] == pytest.approx((1 + 1 / 2 + 1 / 2) / 3)
    assert scores["recall"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)


def test_classification_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="Received 10 rows of logits but 9 labels"):
        classification_metrics()((_logits(BINARY_PRED, 2), np.array(BINARY_TRUE[:9])))
    with pytest.raises(ValueError, match="3 label names"):
        classification_metrics(["a", "b", "c"])((_logits(BINARY_PRED, 2), np.array(BINARY_TRUE)))
    with pytest.raises(ValueError, match="shape"):
        classification_metrics()((np.array(BINARY_PRED), np.array(BINARY_TRUE)))
