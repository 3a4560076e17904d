"""Metrics checked against scores worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from seqeval.metrics import f1_score as seqeval_f1
from transformers import EvalPrediction

from helpers.metrics import (
    classification_metrics,
    entity_scores,
    normalize_answer,
    setfit_metric,
    squad_exact_match,
    squad_f1,
    squad_scores,
    token_classification_metrics,
)

CONLL_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
TAG = {name: i for i, name in enumerate(CONLL_NAMES)}


def _logits(predicted: list, n_classes: int) -> np.ndarray:
    """Logits whose argmax is ``predicted`` (any shape of class ids)."""
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, size=(*np.shape(predicted), n_classes))
    return noise + 5 * np.eye(n_classes)[predicted]


# --- classification ------------------------------------------------------------

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
    scores = classification_metrics(per_class=True)((_logits(predicted, 3), np.array(truth)))
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["f1"] == pytest.approx(sum(f1_per_class) / 3)
    assert scores["precision"] == pytest.approx((1 + 1 / 2 + 1 / 2) / 3)
    assert scores["recall"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert [scores[f"f1_{i}"] for i in range(3)] == pytest.approx(f1_per_class)


def test_per_class_keys_use_the_label_names():
    compute = classification_metrics(["negative", "positive"], per_class=True)
    scores = compute((_logits(BINARY_PRED, 2), np.array(BINARY_TRUE)))
    assert set(scores) == {
        "f1", "accuracy", "precision", "recall",
        "f1_negative", "precision_negative", "recall_negative",
        "f1_positive", "precision_positive", "recall_positive",
    }
    assert scores["f1_positive"] == pytest.approx(scores["f1"])
    assert scores["precision_negative"] == pytest.approx(4 / 5)
    assert scores["recall_negative"] == pytest.approx(4 / 6)
    assert "f1_negative" not in classification_metrics(["negative", "positive"])(
        (_logits(BINARY_PRED, 2), np.array(BINARY_TRUE))
    )


def test_classification_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="Received 10 rows of logits but 9 labels"):
        classification_metrics()((_logits(BINARY_PRED, 2), np.array(BINARY_TRUE[:9])))
    with pytest.raises(ValueError, match="3 label names"):
        classification_metrics(["a", "b", "c"])((_logits(BINARY_PRED, 2), np.array(BINARY_TRUE)))
    with pytest.raises(ValueError, match="shape"):
        classification_metrics()((np.array(BINARY_PRED), np.array(BINARY_TRUE)))


def test_setfit_metric_takes_tensors_and_lists():
    scores = setfit_metric(torch.tensor(BINARY_PRED), BINARY_TRUE)
    assert scores == pytest.approx({"f1": 2 / 3, "accuracy": 7 / 10})
    multiclass = setfit_metric([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 2])
    assert multiclass["f1"] == pytest.approx((4 / 5 + 1 / 2 + 2 / 3) / 3)
    with pytest.raises(ValueError, match="Received 3 predictions but 4 labels"):
        setfit_metric([1, 0, 1], [1, 0, 1, 1])


# --- token classification --------------------------------------------------------


def test_entity_scores_count_whole_entities():
    truth = [["B-PER", "I-PER", "O", "B-LOC"]]
    predicted = [["B-PER", "B-PER", "O", "B-LOC"]]  # the name split into two entities
    scores = entity_scores(truth, predicted, per_entity=True)
    # 3 predicted entities (PER, PER, LOC), 2 true ones (PER, LOC), 1 match.
    assert scores == pytest.approx({
        "precision": 1 / 3, "recall": 1 / 2, "f1": 0.4, "accuracy": 3 / 4,
        "LOC_precision": 1.0, "LOC_recall": 1.0, "LOC_f1": 1.0,
        "PER_precision": 0.0, "PER_recall": 0.0, "PER_f1": 0.0,
    })


def test_book_per_token_wrapping_overstates_entity_f1():
    """The book scores [[tag]] for every token, so each token is its own 'sentence'."""
    truth = [["B-PER", "I-PER", "O", "B-LOC"]]
    predicted = [["B-PER", "B-PER", "O", "B-LOC"]]
    wrapped_truth = [[tag] for sentence in truth for tag in sentence]
    wrapped_predicted = [[tag] for sentence in predicted for tag in sentence]
    assert seqeval_f1(wrapped_truth, wrapped_predicted) == 1.0
    assert entity_scores(truth, predicted)["f1"] == pytest.approx(0.4)


def test_entity_scores_reject_bad_shapes():
    with pytest.raises(TypeError, match="one list of tags per sentence"):
        entity_scores(["B-PER", "I-PER"], ["B-PER", "I-PER"])
    with pytest.raises(ValueError, match="Sentence 1 has 2 true tags but 3 predicted"):
        entity_scores([["O"], ["B-PER", "I-PER"]], [["O"], ["B-PER", "I-PER", "O"]])
    with pytest.raises(ValueError, match="Received 1 predicted sentences but 2 labels"):
        entity_scores([["O"], ["O"]], [["O"]])


def test_token_metrics_drop_ignored_positions():
    ignored = -100
    labels = np.array([
        # [CLS] Ilian Simeonov ##ov(ignored) scored [SEP]
        [ignored, TAG["B-PER"], TAG["I-PER"], ignored, TAG["O"], ignored],
        # [CLS] Vaduz won [SEP] padding padding
        [ignored, TAG["B-LOC"], TAG["O"], ignored, ignored, ignored],
    ])
    predicted = [
        # wrong tags only where the label is -100: they must not count
        ["B-LOC", "B-PER", "I-PER", "B-ORG", "O", "B-MISC"],
        ["O", "B-LOC", "B-LOC", "I-MISC", "B-PER", "O"],
    ]
    logits = _logits([[TAG[tag] for tag in sentence] for sentence in predicted], len(CONLL_NAMES))
    scores = token_classification_metrics(CONLL_NAMES)(EvalPrediction(logits, labels))
    # kept: [B-PER I-PER O] vs same; [B-LOC O] vs [B-LOC B-LOC] -> 2 of 3 predicted entities right
    assert scores == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "accuracy": 4 / 5})
    per_entity = token_classification_metrics(CONLL_NAMES, per_entity=True)((logits, labels))
    assert per_entity["PER_f1"] == 1.0
    assert per_entity["LOC_precision"] == pytest.approx(1 / 2)
    assert "ORG_f1" not in per_entity and "MISC_f1" not in per_entity


def test_token_metrics_reject_mismatched_shapes():
    logits = _logits([[0, 1, 2]], len(CONLL_NAMES))
    with pytest.raises(ValueError, match=r"received logits \(1, 3, 9\) and labels \(1, 2\)"):
        token_classification_metrics(CONLL_NAMES)((logits, np.array([[0, 1]])))
    with pytest.raises(ValueError, match="9 logits per token but 3 label names"):
        token_classification_metrics(["O", "B-PER", "I-PER"])((logits, np.array([[0, 1, 2]])))


# --- SQuAD ---------------------------------------------------------------------------


def test_normalize_answer():
    assert normalize_answer("The Eiffel Tower!") == "eiffel tower"
    assert normalize_answer("  an  Apple,   a day ") == "apple day"
    assert normalize_answer("Theory of the Anthem") == "theory of anthem"  # words, not prefixes


def test_exact_match_and_f1_against_hand_examples():
    assert squad_exact_match("The Eiffel Tower!", ["eiffel tower"]) == 1.0
    assert squad_exact_match("Eiffel", ["eiffel tower"]) == 0.0
    # "tower in paris" vs "eiffel tower": 1 shared token, P 1/3, R 1/2
    assert squad_f1("the tower in Paris", ["Eiffel Tower"]) == pytest.approx(0.4)
    # vs "paris": P 1/3, R 1 -> 0.5, the best of the two
    assert squad_f1("the tower in Paris", ["Eiffel Tower", "Paris"]) == pytest.approx(0.5)
    assert squad_exact_match("Paris", ["Eiffel Tower", "paris."]) == 1.0
    assert squad_f1("1889", ["Eiffel Tower"]) == 0.0


def test_squad_scores_are_percentages():
    references = {"q1": ["Eiffel Tower"], "q2": ["Maurice Koechlin", "Koechlin"]}
    predictions = {"q1": "the Eiffel Tower", "q2": "Koechlin and Nouguier"}
    # q1: EM 1, F1 1; q2: EM 0, F1 vs "koechlin": P 1/3, R 1 -> 0.5
    assert squad_scores(predictions, references) == pytest.approx({"exact_match": 50.0, "f1": 75.0})


def test_squad_rejects_mismatched_ids_and_bad_ground_truths():
    expected = r"1 without a prediction \(e.g. \['q2'\]\), 1 without a reference"
    with pytest.raises(ValueError, match=expected):
        squad_scores({"q1": "a", "q3": "b"}, {"q1": ["a"], "q2": ["b"]})
    with pytest.raises(ValueError, match="non-empty list of answer strings"):
        squad_f1("Paris", "Paris")
    with pytest.raises(ValueError, match="non-empty list"):
        squad_exact_match("Paris", [])
