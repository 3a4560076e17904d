"""Lesson 05, named-entity recognition: its checks (none of which a library call passes), the tag lists
from logits, the entity highlighting, and the lesson graded three ways."""

import inspect
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from helpers import plots, token_classification
from helpers.checks import named_entity_recognition as checks
from helpers.checks.core import ExerciseFailed
from helpers.course.lessons import lesson

NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
SMOKE = lesson("05_named_entity_recognition").profiles["smoke"]
# What a learner's settings may say; under grading the check uses the lesson's own (smoke, seed 42).
FORGED = SimpleNamespace(profile="full", seed=7, max_eval_samples=3, model_id="my/model")


pytestmark = pytest.mark.usefixtures("offline_sources")  # no test reaches the network


@pytest.fixture
def true_words():
    """The true tags of the lesson's test sentences under grading, one per word (smoke's tokenizer keeps them all)."""
    from helpers import data

    conll = data.load_conll2003()
    test = data.subset(conll["test"], SMOKE["max_eval_samples"], seed=42)
    return [[NAMES[tag] for tag in tags] for tags in test["ner_tags"]]


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
    checks.align_labels(right_align, FORGED)

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
        checks.align_labels(by_parity, FORGED)
    with pytest.raises(ExerciseFailed, match=r"In training sentence 5, .*: token \d+ is a later piece of word \d+, "
                                             r"tagged B-\w+ and should get \d+"):
        checks.align_labels(lambda ids, labels, names: [-100 if w is None else labels[w] for w in ids], FORGED)
    with pytest.raises(ExerciseFailed, match="calls helpers.token_classification.align_word_labels"):
        checks.align_labels(lambda ids, labels, names: token_classification.align_word_labels(
            ids, labels, "inside", token_classification.inside_map(names)), FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.align_labels(lambda ids, labels, names: ..., FORGED)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 4


def test_align_labels_tries_the_courses_sentences_not_the_learners(grading):
    """The check takes no word ids, labels or tag names: it cuts CoNLL-2003 training sentences itself. A
    function right on the two made-up cases only (what a learner's own short word_ids used to cover for) fails."""
    assert list(inspect.signature(checks.align_labels).parameters) == ["align_fn", "settings"]

    def made_up_only(word_ids, word_labels, label_names):
        return right_align(word_ids, word_labels, label_names) if len(word_ids) <= 8 else [0] * len(word_ids)

    with pytest.raises(ExerciseFailed, match="In training sentence 0, 'EU rejects German call"):
        checks.align_labels(made_up_only, FORGED)


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


def renamed(sentences, names):
    """The tag lists with the entity types in ``names`` renamed (``{"ORG": "LOC"}``), or made O (``{"PER": None}``)."""
    def rename(tag):
        prefix, _, kind = tag.partition("-")
        if kind not in names:
            return tag
        return "O" if names[kind] is None else f"{prefix}-{names[kind]}"

    return [[rename(tag) for tag in sentence] for sentence in sentences]


def test_most_confused(grading, true_words):
    words = Counter(tag[2:] for sentence in true_words for tag in sentence if tag != "O")
    (common, _), (second, _) = words.most_common(2)
    guess = renamed(true_words, {second: "MISC" if second != "MISC" else "PER"})
    checks.most_confused(right_confused, guess, FORGED)
    with pytest.raises(ExerciseFailed, match="first element is the true type"):
        checks.most_confused(lambda t, p: right_confused(t, p)[::-1], guess, FORGED)
    lost = renamed(guess, {common: None})  # the commonest type missed: more (type, O) words than confusions

    def with_outside(true_tags, pred_tags):
        return Counter((a[2:] or "O", b[2:] or "O") for ts, ps in zip(true_tags, pred_tags)
                       for a, b in zip(ts, ps) if a != b).most_common(1)[0][0]

    with pytest.raises(ExerciseFailed, match="skip words where either tag is O"):
        checks.most_confused(with_outside, lost, FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.most_confused(lambda t, p: ..., guess, FORGED)
    all_outside = [["O"] * len(sentence) for sentence in true_words]  # a model that found nothing confuses nothing
    checks.most_confused(right_confused, all_outside, FORGED)
    with pytest.raises(ExerciseFailed, match="return None"):
        checks.most_confused(lambda t, p: right_confused(t, p) or ("ORG", "LOC"), all_outside, FORGED)


def test_most_confused_compares_with_the_courses_tags_not_the_learners(grading, true_words):
    """With true_words = pred_words a learner saw no confusion and returned None: that fails, as the check
    takes the true tags from the course (and a function that overwrites them changes only its copy)."""
    assert list(inspect.signature(checks.most_confused).parameters) == ["confused_fn", "pred_words", "settings"]
    guess = renamed(true_words, {"ORG": "LOC"})
    with pytest.raises(ExerciseFailed, match=r"Replace the|most confused pair is \('ORG', 'LOC'\)"):
        checks.most_confused(lambda t, p: None, guess, FORGED)

    def overwrite_truth(true_tags, pred_tags):
        true_tags[:] = pred_tags
        return None

    with pytest.raises(ExerciseFailed):
        checks.most_confused(overwrite_truth, guess, FORGED)
    with pytest.raises(ExerciseFailed, match=f"pred_words has 3 entries, but the lesson has {len(true_words)} test "
                                             r"sentences \(profile 'smoke', seed 42\)"):
        checks.most_confused(right_confused, guess[:3], FORGED)
    with pytest.raises(ExerciseFailed, match="Test sentence 0 has .* words but pred_words has"):
        checks.most_confused(right_confused, [sentence[1:] for sentence in guess], FORGED)


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


def test_checks_load_the_model_the_lesson_loads(grading, monkeypatch):
    """The cpu profile trains distilbert-base-cased online and MiniLM offline (its offline_model_id): offline, the
    checks cut sentences with MiniLM's tokenizer too, not with the usual stand-in for a Hub id (MPNet)."""
    from helpers.course import hub, offline_models
    from helpers.course.config import PROFILE_ENV

    monkeypatch.setattr(hub, "hub_online", lambda: False)
    monkeypatch.setenv(PROFILE_ENV, "cpu")
    chosen = checks.lesson_settings(checks.LESSON, FORGED)
    assert (chosen.profile, chosen.model_id) == ("cpu", str(offline_models.minilm_dir()))
    monkeypatch.setenv(PROFILE_ENV, "smoke")
    assert checks.lesson_settings(checks.LESSON, FORGED).model_id == str(offline_models.minilm_dir())
