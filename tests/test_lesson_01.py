"""Lesson 01, supervised classification: its checks, no helper that hands over an answer, and the
lesson graded three ways."""

import numpy as np
import pytest

from helpers.checks import supervised_classification as checks
from helpers.checks.core import ExerciseFailed
from helpers.classification import classification_metrics

Y_TRUE = [1, 1, 1, 0, 0, 0, 1, 0]
Y_PRED = [1, 1, 0, 0, 1, 0, 1, 0]  # tp=3 fp=1 fn=1 tn=3: precision = recall = F1 = 0.75
NAMES = ["neg", "pos"]


def logits_for(predictions):
    return np.eye(2)[predictions]


def test_f1_by_hand(grading, capsys):
    checks.f1_by_hand(0.75, Y_TRUE, Y_PRED)
    assert "PASS [f1_by_hand]" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="Replace the ..."):
        checks.f1_by_hand(..., Y_TRUE, Y_PRED)
    with pytest.raises(ExerciseFailed, match="is not the F1"):
        checks.f1_by_hand(0.6, Y_TRUE, Y_PRED)
    with pytest.raises(ExerciseFailed, match="Expected a number"):
        checks.f1_by_hand(float("nan"), Y_TRUE, Y_PRED)
    assert [entry["passed"] for entry in grading()] == [True, False, False, False]


def test_f1_by_hand_accepts_undefined_f1_only_without_true_positives(grading, capsys):
    checks.f1_by_hand(float("nan"), [1, 1, 0], [0, 0, 0])
    assert "undefined (0/0)" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="Expected a number"):
        checks.f1_by_hand(float("nan"), [1, 1, 0], [1, 0, 0])


def test_f1_by_hand_recognises_accuracy(grading):
    y_pred = [1, 0, 0, 0, 0, 0, 1, 0]  # tp=2 fn=2 fp=0: accuracy 0.75, F1 0.667
    with pytest.raises(ExerciseFailed, match="is the accuracy"):
        checks.f1_by_hand(0.75, Y_TRUE, y_pred)


def test_per_class_f1(grading):
    def right(eval_pred):
        from sklearn.metrics import f1_score
        logits, labels = eval_pred
        scores = f1_score(labels, logits.argmax(-1), average=None)
        return {"f1_neg": scores[0], "f1_pos": scores[1]}

    checks.per_class_f1(right, logits_for(Y_PRED), Y_TRUE, NAMES)
    with pytest.raises(ExerciseFailed, match="returned None"):
        checks.per_class_f1(lambda eval_pred: None, logits_for(Y_PRED), Y_TRUE, NAMES)
    with pytest.raises(ExerciseFailed, match="lacks"):
        checks.per_class_f1(lambda eval_pred: {"f1": 0.75}, logits_for(Y_PRED), Y_TRUE, NAMES)
    swapped = lambda eval_pred: {"f1_neg": 0.75, "f1_pos": 0.5}  # noqa: E731
    with pytest.raises(ExerciseFailed, match="f1_neg is 0.75, expected 0.6667"):
        checks.per_class_f1(swapped, logits_for([1, 1, 1, 1, 1, 0, 1, 0]), Y_TRUE, NAMES)
    with pytest.raises(ExerciseFailed, match="must be a function"):
        checks.per_class_f1(..., logits_for(Y_PRED), Y_TRUE, NAMES)


def test_helpers_do_not_hand_over_the_per_class_exercise(grading):
    """The course's own metric reports the positive class only: passing it off as the answer fails."""
    with pytest.raises(TypeError):
        classification_metrics(NAMES, per_class=True)
    with pytest.raises(ExerciseFailed, match=r"The dict lacks \['f1_neg', 'f1_pos'\]"):
        checks.per_class_f1(classification_metrics(NAMES), logits_for(Y_PRED), Y_TRUE, NAMES)


@pytest.mark.slow
def test_pipeline(grading, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from helpers.course.offline_models import minilm_dir

    model = AutoModelForSequenceClassification.from_pretrained(
        minilm_dir(), num_labels=2, id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1})
    model.save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(minilm_dir()).save_pretrained(tmp_path)
    sentences = ["A delight.", "A bore."]
    classifier = pipeline("text-classification", model=str(tmp_path))
    right = [out["label"] for out in classifier(sentences)]
    checks.pipeline(classifier, right, sentences, str(tmp_path))
    flipped = [{"neg": "pos", "pos": "neg"}[label] for label in right]
    with pytest.raises(ExerciseFailed, match="the saved model says"):
        checks.pipeline(classifier, flipped, sentences, str(tmp_path))
    with pytest.raises(ExerciseFailed, match="must be a transformers pipeline"):
        checks.pipeline(..., right, sentences, str(tmp_path))
    with pytest.raises(ExerciseFailed, match="one label"):
        checks.pipeline(classifier, ..., sentences, str(tmp_path))


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """F1 replaced by the accuracy formula fails that exercise, with a message that says so, and no other."""
    grades = graded_three_ways("01_supervised_classification", "01-16",
                               "f1_by_hand = 2 * precision * recall / (precision + recall)",
                               "f1_by_hand = (tp + tn) / (tp + tn + fp + fn)")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("f1_by_hand", False), ("per_class_f1", True), ("pipeline", True)]
    assert "is the accuracy" in grades["one wrong"].results[0].message
