"""Lesson 01, supervised classification: its checks, no helper that hands over an answer, and the
lesson graded three ways."""

import inspect
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from helpers.checks import supervised_classification as checks
from helpers.checks.core import ExerciseFailed
from helpers.classification import classification_metrics
from helpers.course.lessons import lesson

NAMES = ["neg", "pos"]
SMOKE = lesson("01_supervised_classification").profiles["smoke"]
# What a learner's settings may say; under grading the check uses the lesson's own (smoke, seed 42).
FORGED = SimpleNamespace(profile="full", seed=7, max_eval_samples=8)


pytestmark = pytest.mark.usefixtures("offline_sources")  # no test reaches the network


@pytest.fixture
def y_true():
    """The true labels of the lesson's test sentences under grading, in order."""
    from helpers import data

    return list(data.subset(data.load_rotten_tomatoes()["test"], SMOKE["max_eval_samples"], seed=42)["label"])


@pytest.fixture
def y_pred(y_true):
    """Predictions with a fifth of them wrong: accuracy, precision, recall and F1 all differ."""
    predictions = [1 - t if i % 5 == 0 else t for i, t in enumerate(y_true)]
    scores = [metric(y_true, predictions) for metric in (accuracy_score, precision_score, recall_score, f1_score)]
    assert len({round(score, 4) for score in scores}) == 4 and 1.0 not in scores
    return predictions


def logits_for(predictions):
    return np.eye(2)[predictions]


def test_f1_by_hand(grading, capsys, y_true, y_pred):
    checks.f1_by_hand(f1_score(y_true, y_pred), y_pred, FORGED)
    assert "PASS [f1_by_hand]" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="Replace the ..."):
        checks.f1_by_hand(..., y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match="is not the F1"):
        checks.f1_by_hand(0.1, y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match="Expected a number"):
        checks.f1_by_hand(float("nan"), y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match="is the accuracy"):
        checks.f1_by_hand(accuracy_score(y_true, y_pred), y_pred, FORGED)
    assert [entry["passed"] for entry in grading()] == [True, False, False, False, False]


def test_f1_by_hand_accepts_undefined_f1_only_without_true_positives(grading, capsys, y_pred):
    checks.f1_by_hand(float("nan"), [0] * len(y_pred), FORGED)
    assert "undefined (0/0)" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="Expected a number"):
        checks.f1_by_hand(float("nan"), y_pred, FORGED)


def test_f1_by_hand_scores_against_the_courses_labels_not_the_learners(grading, y_true, y_pred):
    """A learner who sets y_true = y_pred computes F1 = 1.0 by hand: it fails, as the check takes no y_true
    and, under grading, not the learner's settings either."""
    assert "y_true" not in inspect.signature(checks.f1_by_hand).parameters
    with pytest.raises(ExerciseFailed, match="is not the F1"):
        checks.f1_by_hand(1.0, y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match=f"y_pred has 8 entries, but the lesson has {len(y_true)} test sentences "
                                             r"\(profile 'smoke', seed 42\)"):
        checks.f1_by_hand(1.0, [1] * 8, FORGED)
    with pytest.raises(ExerciseFailed, match="y_pred must be the list of predicted labels"):
        checks.f1_by_hand(1.0, ..., FORGED)


def right_per_class(eval_pred):
    logits, labels = eval_pred
    scores = f1_score(labels, logits.argmax(-1), average=None)
    return {"f1_neg": scores[0], "f1_pos": scores[1]}


def test_per_class_f1(grading, y_true, y_pred):
    logits = logits_for(y_pred)
    checks.per_class_f1(right_per_class, logits, FORGED)
    with pytest.raises(ExerciseFailed, match="returned None"):
        checks.per_class_f1(lambda eval_pred: None, logits, FORGED)
    with pytest.raises(ExerciseFailed, match="lacks"):
        checks.per_class_f1(lambda eval_pred: {"f1": 0.75}, logits, FORGED)
    negative, positive = f1_score(y_true, y_pred, average=None)
    swapped = lambda eval_pred: {"f1_neg": positive, "f1_pos": negative}  # noqa: E731
    with pytest.raises(ExerciseFailed, match=f"f1_neg is .*, expected {negative:.4f}"):
        checks.per_class_f1(swapped, logits, FORGED)
    with pytest.raises(ExerciseFailed, match="must be a function"):
        checks.per_class_f1(..., logits, FORGED)


def test_per_class_f1_scores_against_the_courses_labels_not_the_learners(grading, y_true, y_pred):
    """Perfect scores (what labels = predictions would give) fail; so does a function that overwrites the
    logits it is given: it gets a copy. Logits for another number of sentences are refused."""
    assert list(inspect.signature(checks.per_class_f1).parameters) == ["metric_fn", "logits", "settings"]
    with pytest.raises(ExerciseFailed, match="f1_neg is 1.0000, expected"):
        checks.per_class_f1(lambda eval_pred: {"f1_neg": 1.0, "f1_pos": 1.0}, logits_for(y_pred), FORGED)

    def overwrite_logits(eval_pred):
        logits, labels = eval_pred
        logits[:] = logits_for(labels)
        return right_per_class(eval_pred)

    with pytest.raises(ExerciseFailed, match="f1_neg is 1.0000, expected"):
        checks.per_class_f1(overwrite_logits, logits_for(y_pred), FORGED)
    with pytest.raises(ExerciseFailed, match=f"prediction.predictions has 8 entries, but the lesson has {len(y_true)}"):
        checks.per_class_f1(right_per_class, logits_for(y_pred[:8]), FORGED)
    with pytest.raises(ExerciseFailed, match="one row of 2 scores per test sentence"):
        checks.per_class_f1(right_per_class, np.asarray(y_pred), FORGED)


def test_helpers_do_not_hand_over_the_per_class_exercise(grading, y_pred):
    """The course's own metric reports the positive class only: passing it off as the answer fails."""
    with pytest.raises(TypeError):
        classification_metrics(NAMES, per_class=True)
    with pytest.raises(ExerciseFailed, match=r"The dict lacks \['f1_neg', 'f1_pos'\]"):
        checks.per_class_f1(classification_metrics(NAMES), logits_for(y_pred), FORGED)


@pytest.mark.slow
def test_pipeline(grading, tmp_path):
    """The check labels the lesson's own sentences with the saved model: predictions for other sentences
    (or none, for no sentences) fail."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from helpers.course.offline_models import minilm_dir
    from helpers.data import PIPELINE_REVIEWS

    model = AutoModelForSequenceClassification.from_pretrained(
        minilm_dir(), num_labels=2, id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1})
    model.save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(minilm_dir()).save_pretrained(tmp_path)
    classifier = pipeline("text-classification", model=str(tmp_path))
    right = [out["label"] for out in classifier(list(PIPELINE_REVIEWS))]
    checks.pipeline(classifier, right, str(tmp_path))
    flipped = [{"neg": "pos", "pos": "neg"}[label] for label in right]
    with pytest.raises(ExerciseFailed, match="the saved model says"):
        checks.pipeline(classifier, flipped, str(tmp_path))
    with pytest.raises(ExerciseFailed, match="must be a transformers pipeline"):
        checks.pipeline(..., right, str(tmp_path))
    with pytest.raises(ExerciseFailed, match="one label"):
        checks.pipeline(classifier, ..., str(tmp_path))
    assert "sentences" not in inspect.signature(checks.pipeline).parameters
    with pytest.raises(ExerciseFailed, match="0 predictions for the lesson's 3 sentences"):
        checks.pipeline(classifier, [], str(tmp_path))  # what new_sentences = [] used to pass with
    own = [out["label"] for out in classifier(["A delight."])]
    with pytest.raises(ExerciseFailed, match="1 predictions for the lesson's 3 sentences"):
        checks.pipeline(classifier, own, str(tmp_path))


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """F1 replaced by the accuracy formula fails that exercise, with a message that says so, and no other."""
    grades = graded_three_ways("01_supervised_classification", "01-16",
                               "f1_by_hand = 2 * precision * recall / (precision + recall)",
                               "f1_by_hand = (tp + tn) / (tp + tn + fp + fn)")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("f1_by_hand", False), ("per_class_f1", True), ("pipeline", True)]
    assert "is the accuracy" in grades["one wrong"].results[0].message
