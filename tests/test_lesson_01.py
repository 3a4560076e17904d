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


def counted_f1(y_true, y_pred):
    """Exercise 1 answered: counts, then precision, recall and F1."""
    tp = sum(1 for t, p in zip(y_true, y_pred) if t == p == 1)
    fp = sum(1 for t, p in zip(y_true, y_pred) if t == 0 and p == 1)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t == 1 and p == 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def test_f1_by_hand(grading, capsys, y_pred):
    checks.f1_by_hand(counted_f1, y_pred, FORGED)
    assert "PASS [f1_by_hand]" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="Replace the ..."):
        checks.f1_by_hand(lambda y_true, y_pred: ..., y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match="is not the F1"):
        checks.f1_by_hand(lambda y_true, y_pred: 0.1, y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match="expected a number"):
        checks.f1_by_hand(lambda y_true, y_pred: float("nan"), y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match="is the accuracy"):
        checks.f1_by_hand(accuracy_score, y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match="must be a function"):
        checks.f1_by_hand(0.75, y_pred, FORGED)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 5


def test_f1_by_hand_refuses_a_library_that_computes_it(grading, y_pred):
    """The exercise is the counting: scikit-learn's metrics and the course's own scorers are refused,
    however they are reached (the decorated function, its import under another name, a helper)."""
    from sklearn import metrics as renamed

    from helpers.evaluation import bootstrap_interval

    for shortcut, name in [(f1_score, "f1_score"), (lambda t, p: renamed.fbeta_score(t, p, beta=1), "fbeta_score"),
                           (lambda t, p: float(renamed.precision_recall_fscore_support(t, p, average="binary")[2]),
                            "precision_recall_fscore_support"),
                           (lambda t, p: counted_f1(t, p) + 0 * renamed.confusion_matrix(t, p).sum(), "confusion_matrix"),
                           (lambda t, p: bootstrap_interval(t, p).value, "bootstrap_interval"),
                           (lambda t, p: classification_metrics(NAMES)((np.eye(2)[p], np.asarray(t)))["f1"],
                            "classification_metrics")]:
        with pytest.raises(ExerciseFailed, match=f"Count tp, fp and fn yourself: your function calls .*{name}"):
            checks.f1_by_hand(shortcut, y_pred, FORGED)


def test_f1_by_hand_needs_zero_when_nothing_is_predicted_positive(grading, y_pred):
    """The check adds a model that never predicts 1: dividing by zero there gets a hint, not a traceback."""

    def naive(y_true, y_pred):
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == p == 1)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t == 0 and p == 1)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == 1 and p == 0)
        precision, recall = tp / (tp + fp), tp / (tp + fn)
        return 2 * precision * recall / (precision + recall)

    with pytest.raises(ExerciseFailed, match=r"y_pred=\[0, 0, 0, 0\], f1_by_hand divided by zero"):
        checks.f1_by_hand(naive, y_pred, FORGED)


def test_f1_by_hand_scores_against_the_courses_labels_not_the_learners(grading, y_true, y_pred):
    """A function that ignores y_true and scores y_pred against itself returns 1.0: it fails, as the check
    passes the course's labels and, under grading, ignores the learner's settings."""
    with pytest.raises(ExerciseFailed, match="is not the F1"):
        checks.f1_by_hand(lambda t, p: counted_f1(p, p), y_pred, FORGED)
    with pytest.raises(ExerciseFailed, match=f"y_pred has 8 entries, but the lesson has {len(y_true)} test sentences "
                                             r"\(profile 'smoke', seed 42\)"):
        checks.f1_by_hand(counted_f1, [1] * 8, FORGED)
    with pytest.raises(ExerciseFailed, match="y_pred must be the list of predicted labels"):
        checks.f1_by_hand(counted_f1, ..., FORGED)


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
                               "return 2 * precision * recall / (precision + recall) if precision + recall else 0.0",
                               "return sum(1 for t, p in zip(y_true, y_pred) if t == p) / len(y_true)")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("f1_by_hand", False), ("per_class_f1", True), ("pipeline", True)]
    assert "is the accuracy" in grades["one wrong"].results[0].message
