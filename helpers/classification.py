"""Scores for sequence classification, computed with scikit-learn.

The book loads its metric with ``evaluate.load("f1")``. That call downloads the
metric's code from the Hugging Face Hub, so it fails offline, and its ``f1``
script breaks on scikit-learn 1.9; scikit-learn computes the same numbers directly.

:func:`classification_metrics` builds a ``compute_metrics`` for ``transformers.Trainer``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support as label_scores

Metrics = dict[str, float]
Rows = Sequence[Any] | np.ndarray


def logits_and_labels(eval_prediction: Any) -> tuple[np.ndarray, np.ndarray]:
    """Unpack a Trainer ``EvalPrediction`` or a ``(logits, labels)`` tuple into arrays."""
    logits, labels = eval_prediction[0], eval_prediction[1]
    return np.asarray(logits), np.asarray(labels)


def check_same_length(predictions: Rows, labels: Rows, what: str) -> None:
    """Raise a clear error when predictions and labels do not pair up."""
    if len(predictions) != len(labels):
        raise ValueError(
            f"Received {len(predictions)} {what} but {len(labels)} labels: "
            "predictions and labels must come from the same examples, in the same order."
        )


def _scores_for_labels(y_true: np.ndarray, y_pred: np.ndarray, binary: bool) -> Metrics:
    """Accuracy, precision, recall, F1 (of class 1 if ``binary``, else macro-averaged)."""
    average = "binary" if binary else "macro"
    precision, recall, f1, _ = label_scores(y_true, y_pred, average=average, zero_division=0)
    scores = {
        "f1": float(f1),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
    }
    return scores


def classification_metrics(label_names: list[str] | None = None) -> Callable[[Any], Metrics]:
    """Build a ``compute_metrics`` for sequence classification.

    The returned function takes an ``EvalPrediction`` (or ``(logits, labels)``),
    takes the argmax of the logits and returns ``f1``, ``accuracy``, ``precision``
    and ``recall``. With 2 classes, F1/precision/recall are those of the positive
    class (label 1), as the book reports; with more classes they are macro
    averages (the unweighted mean over the classes that occur in the labels or
    the predictions, as scikit-learn does). ``label_names``, when given, must
    name one class per logit.
    """

    def compute_metrics(eval_prediction: Any) -> Metrics:
        logits, labels = logits_and_labels(eval_prediction)
        if logits.ndim != 2:
            raise ValueError(
                f"Expected logits of shape (examples, classes), got shape {logits.shape}."
            )
        check_same_length(logits, labels, "rows of logits")
        n_classes = logits.shape[1]
        if label_names is not None and len(label_names) != n_classes:
            raise ValueError(
                f"The model gives {n_classes} logits per example but {len(label_names)} "
                f"label names were given ({label_names}): pass one name per class."
            )
        return _scores_for_labels(labels, logits.argmax(axis=-1), n_classes == 2)

    return compute_metrics
