"""Lesson 05, named-entity recognition: its checks (none of which a library call passes), the tag lists
from logits, the entity highlighting, and the lesson graded three ways."""

from collections import Counter

import numpy as np
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from helpers import plots, token_classification
from helpers.checks import named_entity_recognition as checks
from helpers.checks.core import ExerciseFailed

NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
WORD_IDS = [None, 0, 0, 0, 1, 2, 2, None]
WORD_LABELS = [1, 2, 0]


def right_align(word_ids, word_labels, label_names):
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(-100)
        elif word != previous:
            labels.append(word_labels[word])
        else:
            name = label_names[word_labels[word]]
            labels.append(label_names.index("I-" + name[2:] if name.startswith("B-") else name))
        previous = word
    return labels


def test_align_labels(grading):
    checks.align_labels(right_align, WORD_IDS, WORD_LABELS, NAMES)

    def by_parity(word_ids, word_labels, label_names):  # the book's "odd id + 1" trick
        labels, previous = [], None
        for word in word_ids:
            if word is None:
                labels.append(-100)
            elif word != previous:
                labels.append(word_labels[word])
            else:
                label = word_labels[word]
                labels.append(label + 1 if label % 2 == 1 else label)
            previous = word
        return labels

    with pytest.raises(ExerciseFailed, match="by its name"):
        checks.align_labels(by_parity, WORD_IDS, WORD_LABELS, NAMES)
    with pytest.raises(ExerciseFailed, match="a later piece of word 0, tagged B-PER and should get 2"):
        checks.align_labels(lambda ids, labels, names: [-100 if w is None else labels[w] for w in ids],
                            WORD_IDS, WORD_LABELS, NAMES)
    with pytest.raises(ExerciseFailed, match="calls helpers.token_classification.align_word_labels"):
        checks.align_labels(lambda ids, labels, names: token_classification.align_word_labels(
            ids, labels, "inside", token_classification.inside_map(names)), WORD_IDS, WORD_LABELS, NAMES)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.align_labels(lambda ids, labels, names: ..., WORD_IDS, WORD_LABELS, NAMES)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 4


def right_spans(tags):
    spans, kind, start = [], None, 0
    for position, tag in enumerate(list(tags) + ["O"]):
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == kind
        if kind is not None and not continues:
            spans.append((kind, start, position - 1))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start = name, position
    return spans


def test_bio_to_spans(grading):
    tags = ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "I-MISC", "O"]
    checks.bio_to_spans(right_spans, tags)
    assert right_spans(["O", "I-ORG", "I-ORG", "B-PER", "I-LOC"]) == get_entities(
        ["O", "I-ORG", "I-ORG", "B-PER", "I-LOC"])  # the check's rules are conlleval's
    with pytest.raises(ExerciseFailed, match="calls seqeval's get_entities"):
        checks.bio_to_spans(get_entities, tags)

    def b_only(tags):  # an entity starts only at B-: loses entities that begin with I-
        return [span for span in right_spans(tags) if tags[span[1]].startswith("B-")]

    with pytest.raises(ExerciseFailed, match="starts a new one"):
        checks.bio_to_spans(b_only, tags)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.bio_to_spans(lambda tags: ..., tags)


def right_confused(true_tags, pred_tags):
    pairs = Counter((t[2:], p[2:]) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)
                    if t != "O" and p != "O" and t[2:] != p[2:])
    return pairs.most_common(1)[0][0] if pairs else None


def test_most_confused(grading):
    truth = [["B-ORG", "I-ORG", "O"], ["B-LOC", "O", "B-PER"]]
    guess = [["B-LOC", "I-LOC", "B-PER"], ["B-ORG", "O", "B-PER"]]
    checks.most_confused(right_confused, truth, guess)
    with pytest.raises(ExerciseFailed, match="first element is the true type"):
        checks.most_confused(lambda t, p: right_confused(t, p)[::-1], truth, guess)
    with pytest.raises(ExerciseFailed, match="skip words where either tag is O"):
        checks.most_confused(lambda t, p: Counter(
            (a[2:] or "O", b[2:] or "O") for ts, ps in zip(t, p) for a, b in zip(ts, ps) if a != b
        ).most_common(1)[0][0], [["B-ORG", "O", "O", "O"]], [["B-LOC", "B-PER", "B-PER", "B-PER"]])
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.most_confused(lambda t, p: ..., truth, guess)
    all_outside = [["O", "O", "O"], ["O", "O", "O"]]  # a model that found nothing confuses nothing
    checks.most_confused(right_confused, truth, all_outside)
    with pytest.raises(ExerciseFailed, match="return None"):
        checks.most_confused(lambda t, p: right_confused(t, p) or ("ORG", "LOC"), truth, all_outside)


def test_tags_from_logits_keeps_labelled_positions_of_ragged_or_padded_rows():
    names = ["O", "B-PER", "I-PER"]
    logits = np.zeros((2, 4, 3))
    logits[0, 1, 1] = logits[0, 2, 2] = logits[1, 1, 0] = 1.0
    ragged = [[-100, 1, 2, -100], [-100, 1, -100]]
    true_tags, pred_tags = token_classification.tags_from_logits(logits, ragged, names)
    assert true_tags == [["B-PER", "I-PER"], ["B-PER"]] and pred_tags == [["B-PER", "I-PER"], ["O"]]
    padded = np.array([[-100, 1, 2, -100], [-100, 1, -100, -100]])
    assert token_classification.tags_from_logits(logits, padded, names) == (true_tags, pred_tags)
    with pytest.raises(ValueError, match="same tokenization"):
        token_classification.tags_from_logits(logits, [[0] * 5, [0]], names)
    with pytest.raises(ValueError, match="3 label names"):
        token_classification.tags_from_logits(np.zeros((2, 4, 5)), ragged, names)


def test_highlight_entities_marks_each_entity_and_escapes_text():
    text = "Merkel met <Macron> in Paris."
    entities = [{"start": 23, "end": 28, "entity_group": "LOC", "score": 0.91},
                {"start": 0, "end": 6, "entity_group": "PER", "score": 0.99}]
    shown = plots.highlight_entities(text, entities).data
    assert shown.count("<mark") == 2 and "&lt;Macron&gt;" in shown
    assert shown.index("PER") < shown.index("LOC") and "0.91" in shown
    with pytest.raises(ValueError, match="aggregation_strategy='simple'"):
        plots.highlight_entities(text, [{"start": 0, "end": 6, "entity": "B-PER", "score": 0.9}])


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """A most-confused pair given the wrong way round fails that exercise and no other."""
    grades = graded_three_ways("05_named_entity_recognition", "05-21", "pairs[(t[2:], p[2:])] += 1",
                               "pairs[(p[2:], t[2:])] += 1")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("align_labels", True), ("bio_to_spans", True), ("most_confused", False)]
    assert "first element is the true type" in grades["one wrong"].results[2].message
