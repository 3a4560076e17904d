"""Exercise checks pass right answers and fail unsolved or wrong ones, kindly."""

import json

import numpy as np
import pytest

from helpers import checks

Y_TRUE = [1, 1, 1, 0, 0, 0, 1, 0]
Y_PRED = [1, 1, 0, 0, 1, 0, 1, 0]  # tp=3 fp=1 fn=1 tn=3: precision = recall = F1 = 0.75


@pytest.fixture
def grading(monkeypatch, tmp_path):
    """Grading mode with a grade log; returns a function that reads the log."""
    log = tmp_path / "grades.jsonl"
    monkeypatch.setenv(checks.GRADING_ENV, "1")
    monkeypatch.setenv(checks.GRADE_LOG_ENV, str(log))
    return lambda: [json.loads(line) for line in log.read_text().splitlines()]


def test_outside_grading_a_failure_only_prints(monkeypatch, capsys):
    monkeypatch.delenv(checks.GRADING_ENV, raising=False)
    checks.check_f1_by_hand(..., Y_TRUE, Y_PRED)
    assert "NOT YET [f1_by_hand] Replace the ..." in capsys.readouterr().out


def test_f1_by_hand(grading, capsys):
    checks.check_f1_by_hand(0.75, Y_TRUE, Y_PRED)
    assert "PASS [f1_by_hand]" in capsys.readouterr().out
    with pytest.raises(checks.ExerciseFailed, match="Replace the ..."):
        checks.check_f1_by_hand(..., Y_TRUE, Y_PRED)
    with pytest.raises(checks.ExerciseFailed, match="is not the F1"):
        checks.check_f1_by_hand(0.6, Y_TRUE, Y_PRED)
    with pytest.raises(checks.ExerciseFailed, match="Expected a number"):
        checks.check_f1_by_hand(float("nan"), Y_TRUE, Y_PRED)
    assert [entry["passed"] for entry in grading()] == [True, False, False, False]


def test_f1_by_hand_accepts_undefined_f1_only_without_true_positives(grading, capsys):
    checks.check_f1_by_hand(float("nan"), [1, 1, 0], [0, 0, 0])
    assert "undefined (0/0)" in capsys.readouterr().out
    with pytest.raises(checks.ExerciseFailed, match="Expected a number"):
        checks.check_f1_by_hand(float("nan"), [1, 1, 0], [1, 0, 0])


def test_f1_by_hand_recognises_accuracy(grading):
    y_pred = [1, 0, 0, 0, 0, 0, 1, 0]  # tp=2 fn=2 fp=0: accuracy 0.75, F1 0.667
    with pytest.raises(checks.ExerciseFailed, match="is the accuracy"):
        checks.check_f1_by_hand(0.75, Y_TRUE, y_pred)


def test_positive_share(grading):
    checks.check_positive_share(0.5, Y_TRUE)
    with pytest.raises(checks.ExerciseFailed, match="percentage"):
        checks.check_positive_share(50, Y_TRUE)
    with pytest.raises(checks.ExerciseFailed, match="not the share"):
        checks.check_positive_share(0.4, Y_TRUE)
    assert grading()[0] == {"exercise": "positive_share", "passed": True,
                            "message": "50.0% of the training examples are positive."}


def logits_for(predictions):
    return np.eye(2)[predictions]


def test_per_class_f1(grading):
    names = ["neg", "pos"]

    def right(eval_pred):
        from sklearn.metrics import f1_score
        logits, labels = eval_pred
        scores = f1_score(labels, logits.argmax(-1), average=None)
        return {"f1_neg": scores[0], "f1_pos": scores[1]}

    checks.check_per_class_f1(right, logits_for(Y_PRED), Y_TRUE, names)
    with pytest.raises(checks.ExerciseFailed, match="returned None"):
        checks.check_per_class_f1(lambda eval_pred: None, logits_for(Y_PRED), Y_TRUE, names)
    with pytest.raises(checks.ExerciseFailed, match="lacks"):
        checks.check_per_class_f1(lambda eval_pred: {"f1": 0.75}, logits_for(Y_PRED), Y_TRUE, names)
    swapped = lambda eval_pred: {"f1_neg": 0.75, "f1_pos": 0.5}
    with pytest.raises(checks.ExerciseFailed, match="f1_neg is 0.75, expected 0.6667"):
        checks.check_per_class_f1(swapped, logits_for([1, 1, 1, 1, 1, 0, 1, 0]), Y_TRUE, names)
    with pytest.raises(checks.ExerciseFailed, match="must be a function"):
        checks.check_per_class_f1(..., logits_for(Y_PRED), Y_TRUE, names)


@pytest.mark.slow
def test_pipeline_predictions(grading, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from helpers.models import minilm_dir

    model = AutoModelForSequenceClassification.from_pretrained(
        minilm_dir(), num_labels=2, id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1})
    model.save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(minilm_dir()).save_pretrained(tmp_path)
    sentences = ["A delight.", "A bore."]
    classifier = pipeline("text-classification", model=str(tmp_path))
    right = [out["label"] for out in classifier(sentences)]
    checks.check_pipeline_predictions(classifier, right, sentences, str(tmp_path))
    flipped = [{"neg": "pos", "pos": "neg"}[label] for label in right]
    with pytest.raises(checks.ExerciseFailed, match="the saved model says"):
        checks.check_pipeline_predictions(classifier, flipped, sentences, str(tmp_path))
    with pytest.raises(checks.ExerciseFailed, match="must be a transformers pipeline"):
        checks.check_pipeline_predictions(..., right, sentences, str(tmp_path))
    with pytest.raises(checks.ExerciseFailed, match="one label"):
        checks.check_pipeline_predictions(classifier, ..., sentences, str(tmp_path))
