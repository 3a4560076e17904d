"""Checks for lesson 01, supervised classification."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from helpers.checks.core import Verdict, calls_during, close, exercise, is_unsolved
from helpers.checks.reference import count_mismatch, dataset, lesson_settings

LESSON = "01_supervised_classification"


def _test_split(settings: SimpleNamespace) -> tuple[list[int], list[str], SimpleNamespace]:
    """The true labels of the lesson's test sentences, in order, the label names, and the lesson's settings."""
    from helpers.data import subset

    chosen = lesson_settings(LESSON, settings)
    reviews = dataset("rotten_tomatoes")
    test = subset(reviews["test"], chosen.max_eval_samples, seed=chosen.seed)
    return list(test["label"]), reviews["test"].features["label"].names, chosen


def _metric_shortcuts() -> dict[str, Any]:
    """Functions that compute F1 or its counts in one call: exercise 1 asks for the counting itself."""
    from sklearn import metrics

    from helpers import classification, evaluation

    shortcuts = {f"sklearn.metrics.{name}": getattr(metrics, name) for name in (
        "f1_score", "fbeta_score", "precision_score", "recall_score", "precision_recall_fscore_support",
        "confusion_matrix", "multilabel_confusion_matrix", "classification_report")}
    shortcuts = {name: getattr(function, "__wrapped__", function) for name, function in shortcuts.items()}
    return {**shortcuts, "helpers.classification.classification_metrics": classification.classification_metrics,
            "helpers.evaluation.bootstrap_interval": evaluation.bootstrap_interval,
            "helpers.evaluation.score_table": evaluation.score_table}


# Labels and predictions the check adds to the lesson's own: 2 true positives, 1 false positive,
# 1 false negative, 1 true negative (F1 = 2/3), and a model that never predicts the positive class.
SMALL_CASES = (([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]), ([1, 0, 1, 0], [0, 0, 0, 0]))


@exercise
def f1_by_hand(f1_fn: Any, y_pred: Any, settings: SimpleNamespace) -> Verdict:
    """``f1_fn(y_true, y_pred)``: F1 of the positive class from counts the learner makes, without scikit-learn.

    ``y_pred`` is the model's prediction per test sentence; the true labels come from the
    course's test split (``settings``: see :func:`helpers.checks.reference.lesson_settings`).
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    if not callable(f1_fn):
        return False, "f1_by_hand must be a function of (y_true, y_pred) that returns a number."
    y_pred = y_pred.tolist() if hasattr(y_pred, "tolist") else y_pred  # a NumPy array is fine too
    if not isinstance(y_pred, (list, tuple)):
        return False, f"y_pred must be the list of predicted labels, one per test sentence; got {y_pred!r:.80}."
    y_true, _, chosen = _test_split(settings)
    if len(y_pred) != len(y_true):
        return False, count_mismatch("y_pred", len(y_pred), len(y_true), "test sentences", chosen)
    cases = [("the lesson's test sentences", y_true, list(y_pred))] + [
        (f"y_true={labels}, y_pred={predicted}", labels, predicted) for labels, predicted in SMALL_CASES]
    shortcuts = _metric_shortcuts()
    for where, labels, predicted in cases:
        try:
            answer, used = calls_during(f1_fn, (list(labels), list(predicted)), shortcuts)
        except ZeroDivisionError:
            return False, (f"For {where}, f1_by_hand divided by zero. When a denominator is 0 (no predicted "
                           "or no true positive), return 0 for that score, as scikit-learn does.")
        if used:
            return False, f"Count tp, fp and fn yourself: your function calls {used[0]}."
        if is_unsolved(answer):
            return False, "Replace the ... with the counts, then precision, recall and F1 from them."
        if not isinstance(answer, (int, float)) or isinstance(answer, bool) or answer != answer:
            return False, f"For {where}, f1_by_hand returned {answer!r}; expected a number."
        expected = f1_score(labels, predicted, zero_division=0)
        if close(answer, expected):
            continue
        hints = {
            "accuracy": accuracy_score(labels, predicted),
            "precision": precision_score(labels, predicted, zero_division=0),
            "recall": recall_score(labels, predicted, zero_division=0),
        }
        named = next((metric for metric, value in hints.items() if close(answer, value)), None)
        if named:
            return False, (f"For {where}, {answer:.4f} is the {named}. "
                           "F1 is the harmonic mean of precision and recall.")
        return False, (f"For {where}, {answer:.4f} is not the F1 (expected {expected:.4f}): precision = tp / (tp + fp), "
                       "recall = tp / (tp + fn), F1 = 2PR / (P + R).")
    return True, f"F1 = {f1_score(y_true, y_pred, zero_division=0):.4f} on the test sentences, the same as scikit-learn's."


@exercise
def per_class_f1(metric_fn: Any, logits: Any, settings: SimpleNamespace) -> Verdict:
    """A ``compute_metrics`` that returns ``f1_<label>`` for every class.

    ``logits`` are the model's scores per test sentence; the labels and their names come from
    the course's test split (``settings``: see :func:`helpers.checks.reference.lesson_settings`).
    """
    import numpy as np
    from sklearn.metrics import f1_score

    if not callable(metric_fn):
        return False, "per_class_f1 must be a function that takes (logits, labels)."
    logits = np.asarray(logits)
    labels, label_names, chosen = _test_split(settings)
    if logits.ndim != 2 or logits.shape[1] != len(label_names):
        return False, (f"The logits have shape {logits.shape}; expected one row of {len(label_names)} scores "
                       "per test sentence (prediction.predictions).")
    if len(logits) != len(labels):
        return False, count_mismatch("prediction.predictions", len(logits), len(labels), "test sentences", chosen)
    result = metric_fn((logits.copy(), np.asarray(labels)))  # copies: it cannot change the reference
    if not isinstance(result, dict):
        return False, (f"per_class_f1 returned {result!r}; return a dict like "
                       + "{" + ", ".join(f"'f1_{n}': ..." for n in label_names) + "}.")
    expected = f1_score(np.asarray(labels), logits.argmax(-1), average=None,
                        labels=list(range(len(label_names))), zero_division=0)
    wanted = {f"f1_{n}": float(v) for n, v in zip(label_names, expected)}
    missing = sorted(set(wanted) - set(result))
    if missing:
        return False, f"The dict lacks {missing}; it has {sorted(result)}."
    wrong = [k for k in wanted
             if not isinstance(result[k], (int, float, np.floating)) or not close(result[k], wanted[k])]
    if wrong:
        given = result[wrong[0]]
        shown = f"{float(given):.4f}" if isinstance(given, (int, float, np.floating)) else repr(given)
        return False, (f"{wrong[0]} is {shown}, expected {wanted[wrong[0]]:.4f}: "
                       "score each class as if it were the positive one (average=None).")
    return True, "per-class F1: " + ", ".join(f"{k} = {v:.3f}" for k, v in wanted.items())


@exercise
def pipeline(classifier: Any, predictions: Any, model_dir: str) -> Verdict:
    """Label the lesson's new sentences (:data:`helpers.data.PIPELINE_REVIEWS`) with a pipeline on the saved model.

    The learner's model, saved in ``model_dir``, is theirs: what it says is the reference.
    """
    from transformers import Pipeline
    from transformers import pipeline as make_pipeline

    from helpers.data import PIPELINE_REVIEWS

    sentences = list(PIPELINE_REVIEWS)
    if not isinstance(classifier, Pipeline):
        return False, ("classifier must be a transformers pipeline: "
                       "pipeline('text-classification', model=..., tokenizer=...).")
    if is_unsolved(predictions) or not isinstance(predictions, list):
        return False, "new_predictions must be a list with one label (a string) per sentence."
    if len(predictions) != len(sentences):
        return False, (f"{len(predictions)} predictions for the lesson's {len(sentences)} sentences: label each "
                       "sentence of new_sentences, in order.")
    reference = [out["label"] for out in make_pipeline("text-classification", model=model_dir)(sentences)]
    if predictions != reference:
        bad = next(i for i, (a, b) in enumerate(zip(predictions, reference)) if a != b)
        return False, (f"For {sentences[bad]!r} you have {predictions[bad]!r} but the saved model "
                       f"says {reference[bad]!r}. Take each output's 'label' from the pipeline built "
                       "on the saved model.")
    return True, "the pipeline labels: " + ", ".join(predictions)
