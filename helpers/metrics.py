"""Scores for the course's tasks, computed with scikit-learn and seqeval directly.

``evaluate.load(...)`` needs the Hugging Face Hub, so nothing here uses it.

- :func:`classification_metrics` and :func:`token_classification_metrics` build a
  ``compute_metrics`` for ``transformers.Trainer``.
- :func:`setfit_metric` is a ``metric=`` callable for ``setfit.Trainer``.
- :func:`squad_scores` reproduces the official SQuAD v1.1 exact-match and F1.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from seqeval.metrics import accuracy_score as token_accuracy
from seqeval.metrics import f1_score as entity_f1
from seqeval.metrics import precision_score as entity_precision
from seqeval.metrics import recall_score as entity_recall
from seqeval.metrics.sequence_labeling import get_entities, precision_recall_fscore_support
from sklearn.metrics import accuracy_score, precision_recall_fscore_support as label_scores

IGNORED_LABEL = -100

Metrics = dict[str, float]
Rows = Sequence[Any] | np.ndarray


def _logits_and_labels(eval_prediction: Any) -> tuple[np.ndarray, np.ndarray]:
    """Unpack a Trainer ``EvalPrediction`` or a ``(logits, labels)`` tuple into arrays."""
    logits, labels = eval_prediction[0], eval_prediction[1]
    return np.asarray(logits), np.asarray(labels)


def _check_same_length(predictions: Rows, labels: Rows, what: str) -> None:
    if len(predictions) != len(labels):
        raise ValueError(
            f"Received {len(predictions)} {what} but {len(labels)} labels: "
            "predictions and labels must come from the same examples, in the same order."
        )


def _scores_for_labels(
    y_true: np.ndarray, y_pred: np.ndarray, binary: bool, class_names: Sequence[str] = ()
) -> Metrics:
    """Accuracy, precision, recall, F1 (of class 1 if ``binary``, else macro-averaged).

    Per-class scores are added for the classes ``0..len(class_names)-1``.
    """
    average = "binary" if binary else "macro"
    precision, recall, f1, _ = label_scores(y_true, y_pred, average=average, zero_division=0)
    scores = {
        "f1": float(f1),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
    }
    if class_names:
        precisions, recalls, f1s, _ = label_scores(
            y_true, y_pred, labels=list(range(len(class_names))), average=None, zero_division=0
        )
        for name, p, r, f in zip(class_names, precisions, recalls, f1s):
            scores[f"f1_{name}"] = float(f)
            scores[f"precision_{name}"] = float(p)
            scores[f"recall_{name}"] = float(r)
    return scores


def classification_metrics(
    label_names: list[str] | None = None, per_class: bool = False
) -> Callable[[Any], Metrics]:
    """Build a ``compute_metrics`` for sequence classification.

    The returned function takes an ``EvalPrediction`` (or ``(logits, labels)``),
    takes the argmax of the logits and returns ``f1``, ``accuracy``, ``precision``
    and ``recall``. With 2 classes, F1/precision/recall are those of the positive
    class (label 1), as the book reports; with more classes they are macro
    averages (the unweighted mean over the classes that occur in the labels or
    the predictions, as scikit-learn does). ``per_class=True`` adds
    ``f1_<name>``, ``precision_<name>``, ``recall_<name>`` for every class, named
    by ``label_names`` or else by the class index.
    """

    def compute_metrics(eval_prediction: Any) -> Metrics:
        logits, labels = _logits_and_labels(eval_prediction)
        if logits.ndim != 2:
            raise ValueError(
                f"Expected logits of shape (examples, classes), got shape {logits.shape}."
            )
        _check_same_length(logits, labels, "rows of logits")
        n_classes = logits.shape[1]
        if label_names is not None and len(label_names) != n_classes:
            raise ValueError(
                f"The model gives {n_classes} logits per example but {len(label_names)} "
                f"label names were given ({label_names}): pass one name per class."
            )
        names = label_names if label_names is not None else [str(i) for i in range(n_classes)]
        predictions = logits.argmax(axis=-1)
        class_names = names if per_class else ()
        return _scores_for_labels(labels, predictions, n_classes == 2, class_names)

    return compute_metrics


def setfit_metric(y_pred: Iterable[int], y_test: Iterable[int]) -> Metrics:
    """``metric=`` for ``setfit.Trainer``: ``f1`` and ``accuracy`` of predicted class ids.

    F1 is that of class 1 when the labels are 0/1, macro-averaged otherwise.
    (setfit turns string labels into ids before calling it.)
    """
    predictions, labels = np.asarray(y_pred), np.asarray(y_test)
    _check_same_length(predictions, labels, "predictions")
    binary = set(np.union1d(predictions, labels).tolist()) <= {0, 1}
    scores = _scores_for_labels(labels, predictions, binary=binary)
    return {"f1": scores["f1"], "accuracy": scores["accuracy"]}


# --- token classification --------------------------------------------------------


def _check_sentences(
    true_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]
) -> None:
    _check_same_length(pred_tags, true_tags, "predicted sentences")
    for index, (truth, prediction) in enumerate(zip(true_tags, pred_tags)):
        if isinstance(truth, str) or isinstance(prediction, str):
            raise TypeError(
                "Give one list of tags per sentence, e.g. [['B-PER', 'I-PER', 'O'], ...]; "
                f"sentence {index} is a single string."
            )
        if len(truth) != len(prediction):
            raise ValueError(
                f"Sentence {index} has {len(truth)} true tags but {len(prediction)} predicted tags."
            )


def entity_scores(
    true_tags: list[list[str]], pred_tags: list[list[str]], per_entity: bool = False
) -> Metrics:
    """Entity-level precision, recall and F1 (seqeval), plus token accuracy.

    Each inner list is ONE sentence. An entity counts as found only when its type
    and its whole span match; a ``B-PER I-PER`` name predicted as ``B-PER B-PER``
    is two wrong entities. seqeval's default (CoNLL ``conlleval``) rules apply: an
    ``I-X`` that follows no ``X`` starts a new entity. ``per_entity=True`` adds
    ``<TYPE>_precision``, ``<TYPE>_recall`` and ``<TYPE>_f1`` for every entity
    type found in either list.
    """
    _check_sentences(true_tags, pred_tags)
    scores = {
        "precision": float(entity_precision(true_tags, pred_tags, zero_division=0)),
        "recall": float(entity_recall(true_tags, pred_tags, zero_division=0)),
        "f1": float(entity_f1(true_tags, pred_tags, zero_division=0)),
        "accuracy": float(token_accuracy(true_tags, pred_tags)),
    }
    if per_entity:
        types = sorted({kind for kind, _, _ in get_entities(true_tags) + get_entities(pred_tags)})
        precisions, recalls, f1s, _ = precision_recall_fscore_support(
            true_tags, pred_tags, average=None, zero_division=0
        )
        for kind, p, r, f in zip(types, precisions, recalls, f1s):
            scores[f"{kind}_precision"] = float(p)
            scores[f"{kind}_recall"] = float(r)
            scores[f"{kind}_f1"] = float(f)
    return scores


def token_classification_metrics(
    label_names: list[str], per_entity: bool = False
) -> Callable[[Any], Metrics]:
    """Build a ``compute_metrics`` for token classification (NER).

    Logits of shape (sentences, tokens, classes) become tag names by argmax;
    positions labelled -100 (special tokens, ignored sub-word pieces, padding)
    are dropped; the remaining tags of each sentence form ONE list, so that
    :func:`entity_scores` scores whole entities. Returns ``precision``,
    ``recall``, ``f1`` (entity level) and ``accuracy`` (token level).
    """

    def compute_metrics(eval_prediction: Any) -> Metrics:
        logits, labels = _logits_and_labels(eval_prediction)
        if logits.ndim != 3 or logits.shape[:2] != labels.shape:
            raise ValueError(
                "Expected logits of shape (sentences, tokens, classes) and labels of shape "
                f"(sentences, tokens); received logits {logits.shape} and labels {labels.shape}."
            )
        if logits.shape[2] != len(label_names):
            raise ValueError(
                f"The model gives {logits.shape[2]} logits per token but {len(label_names)} "
                "label names were given: pass the dataset's full list of tag names."
            )
        predictions = logits.argmax(axis=-1)
        true_tags, pred_tags = [], []
        for sentence_predictions, sentence_labels in zip(predictions, labels):
            kept = sentence_labels != IGNORED_LABEL
            true_tags.append([label_names[i] for i in sentence_labels[kept]])
            pred_tags.append([label_names[i] for i in sentence_predictions[kept]])
        return entity_scores(true_tags, pred_tags, per_entity=per_entity)

    return compute_metrics


# --- SQuAD v1.1 --------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower-case, drop punctuation, articles and extra spaces."""
    text = "".join(char for char in text.lower() if char not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _check_ground_truths(ground_truths: Sequence[str]) -> None:
    if isinstance(ground_truths, str) or not ground_truths:
        raise ValueError(
            f"ground_truths must be a non-empty list of answer strings, got {ground_truths!r}."
        )


def _token_f1(prediction: str, ground_truth: str) -> float:
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(ground_truth).split()
    overlap = sum((Counter(predicted) & Counter(expected)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def squad_exact_match(prediction: str, ground_truths: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals any normalised ground truth, else 0.0."""
    _check_ground_truths(ground_truths)
    return float(any(normalize_answer(prediction) == normalize_answer(t) for t in ground_truths))


def squad_f1(prediction: str, ground_truths: Sequence[str]) -> float:
    """Best token-overlap F1 between the prediction and any ground truth (0.0 to 1.0)."""
    _check_ground_truths(ground_truths)
    return max(_token_f1(prediction, truth) for truth in ground_truths)


def squad_scores(
    predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]
) -> Metrics:
    """``exact_match`` and ``f1`` in percent, averaged over questions like the official script.

    ``predictions`` maps question id to predicted text; ``references`` maps
    question id to its list of accepted answers. Both must hold the same ids.
    """
    missing, extra = set(references) - set(predictions), set(predictions) - set(references)
    if missing or extra:
        raise ValueError(
            f"predictions and references must have the same question ids: {len(missing)} "
            f"without a prediction (e.g. {sorted(missing)[:3]}), {len(extra)} without "
            f"a reference (e.g. {sorted(extra)[:3]})."
        )
    if not references:
        raise ValueError("No questions to score: references is empty.")
    exact = sum(squad_exact_match(predictions[i], answers) for i, answers in references.items())
    f1 = sum(squad_f1(predictions[i], answers) for i, answers in references.items())
    return {"exact_match": 100 * exact / len(references), "f1": 100 * f1 / len(references)}
