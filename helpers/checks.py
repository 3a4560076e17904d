"""Exercise checks: each one prints a clear pass, or a kind message saying what is wrong.

Outside grading mode a failed check only prints, so a learner can run the whole
lesson. In grading mode (``COURSE_GRADING=1``, set by ``course grade``) a failed
check raises :class:`ExerciseFailed`, which fails its cell under nbval, and
every result is appended as a JSON line to ``$COURSE_GRADE_LOG``.
"""

from __future__ import annotations

import json
import os
from typing import Any

GRADING_ENV = "COURSE_GRADING"
GRADE_LOG_ENV = "COURSE_GRADE_LOG"


class ExerciseFailed(AssertionError):
    """An exercise is unsolved or wrong (raised only in grading mode)."""


def grading_mode() -> bool:
    """True when notebooks are being graded."""
    return os.environ.get(GRADING_ENV, "") not in {"", "0", "false"}


def report(exercise: str, passed: bool, message: str) -> None:
    """Print and log the outcome of one exercise; raise in grading mode if it failed."""
    print(("PASS " if passed else "NOT YET ") + f"[{exercise}] {message}")
    log = os.environ.get(GRADE_LOG_ENV)
    if log:
        with open(log, "a") as handle:
            handle.write(json.dumps({"exercise": exercise, "passed": passed, "message": message}) + "\n")
    if not passed and grading_mode():
        raise ExerciseFailed(f"[{exercise}] {message}")


def is_unsolved(answer: Any) -> bool:
    """True for the placeholders an exercise stub leaves: ``...`` or ``None``."""
    return answer is ... or answer is None


def _close(a: float, b: float, tol: float = 1e-4) -> bool:
    return abs(float(a) - float(b)) <= tol


# --- 00: course tour -------------------------------------------------------

def check_positive_share(answer: Any, labels: list[int]) -> None:
    """Exercise 00 warm_up: the share of training examples labelled positive (1)."""
    name = "positive_share"
    if is_unsolved(answer):
        return report(name, False, "Replace the ... with the share of labels equal to 1 (a number between 0 and 1).")
    if not isinstance(answer, (int, float)):
        return report(name, False, f"Expected a number between 0 and 1, got {type(answer).__name__}.")
    expected = sum(1 for y in labels if y == 1) / len(labels)
    if _close(answer, expected * 100, 0.05):
        return report(name, False, "That looks like a percentage: give a share between 0 and 1.")
    if not _close(answer, expected):
        return report(name, False, f"{answer:.4f} is not the share of positive labels; count the 1s and divide by the number of labels.")
    return report(name, True, f"{expected:.1%} of the training examples are positive.")


# --- 01: supervised classification ------------------------------------------

def check_f1_by_hand(answer: Any, y_true: list[int], y_pred: list[int]) -> None:
    """Exercise 01 f1_by_hand: F1 of the positive class from confusion-matrix counts."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    name = "f1_by_hand"
    if is_unsolved(answer):
        return report(name, False, "Replace the ... with F1 computed from tp, fp and fn.")
    true_positives = sum(1 for t, p in zip(y_true, y_pred) if t == p == 1)
    if isinstance(answer, float) and answer != answer and true_positives == 0:
        return report(name, True, "F1 is undefined (0/0) here because the model found no true positive; "
                      "scikit-learn reports 0 in that case. Train longer to get a meaningful F1.")
    if not isinstance(answer, (int, float)) or answer != answer:
        return report(name, False, f"Expected a number, got {answer!r}.")
    expected = f1_score(y_true, y_pred, zero_division=0)
    if _close(answer, expected):
        return report(name, True, f"F1 = {expected:.4f}, the same as scikit-learn's.")
    hints = {
        "accuracy": accuracy_score(y_true, y_pred),
        "precision": precision_score(y_true, y_pred, zero_division=0),
        "recall": recall_score(y_true, y_pred, zero_division=0),
    }
    for metric, value in hints.items():
        if _close(answer, value):
            return report(name, False, f"{answer:.4f} is the {metric}. F1 is the harmonic mean of precision and recall.")
    return report(name, False, f"{answer:.4f} is not the F1 of these predictions; "
                  "precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2PR / (P + R).")


def check_per_class_f1(metric_fn: Any, logits: Any, labels: Any, label_names: list[str]) -> None:
    """Exercise 01 per_class_f1: a compute_metrics that returns ``f1_<label>`` for every class."""
    import numpy as np
    from sklearn.metrics import f1_score

    name = "per_class_f1"
    if not callable(metric_fn):
        return report(name, False, "per_class_f1 must be a function that takes (logits, labels).")
    result = metric_fn((np.asarray(logits), np.asarray(labels)))
    if not isinstance(result, dict):
        return report(name, False, f"per_class_f1 returned {result!r}; return a dict like "
                      + "{" + ", ".join(f"'f1_{n}': ..." for n in label_names) + "}.")
    expected = f1_score(np.asarray(labels), np.asarray(logits).argmax(-1), average=None,
                        labels=list(range(len(label_names))), zero_division=0)
    wanted = {f"f1_{n}": float(v) for n, v in zip(label_names, expected)}
    missing = sorted(set(wanted) - set(result))
    if missing:
        return report(name, False, f"The dict lacks {missing}; it has {sorted(result)}.")
    wrong = [k for k in wanted if not isinstance(result[k], (int, float, np.floating)) or not _close(result[k], wanted[k])]
    if wrong:
        return report(name, False, f"{wrong[0]} is {result[wrong[0]]!r}, expected {wanted[wrong[0]]:.4f}: "
                      "score each class as if it were the positive one (average=None).")
    return report(name, True, "per-class F1: " + ", ".join(f"{k} = {v:.3f}" for k, v in wanted.items()))


def check_pipeline_predictions(classifier: Any, predictions: Any, sentences: list[str], model_dir: str) -> None:
    """Exercise 01 pipeline: label new sentences with a pipeline built from the saved model."""
    from transformers import Pipeline, pipeline

    name = "pipeline"
    if not isinstance(classifier, Pipeline):
        return report(name, False, "classifier must be a transformers pipeline: "
                      "pipeline('text-classification', model=..., tokenizer=...).")
    if is_unsolved(predictions) or not isinstance(predictions, list):
        return report(name, False, "new_predictions must be a list with one label (a string) per sentence.")
    if len(predictions) != len(sentences):
        return report(name, False, f"{len(predictions)} predictions for {len(sentences)} sentences.")
    reference = [out["label"] for out in pipeline("text-classification", model=model_dir)(sentences)]
    if predictions != reference:
        bad = next(i for i, (a, b) in enumerate(zip(predictions, reference)) if a != b)
        return report(name, False, f"For {sentences[bad]!r} you have {predictions[bad]!r} but the saved model "
                      f"says {reference[bad]!r}. Take each output's 'label' from the pipeline built on the saved model.")
    return report(name, True, "the pipeline labels: " + ", ".join(predictions))
