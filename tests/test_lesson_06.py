"""Lesson 06, part-of-speech tagging: its checks, tag ids renamed by name, token accuracy, the training
helper it shares with lesson 05, and the lesson graded three ways."""

import inspect
from collections import Counter
from types import SimpleNamespace

import pytest
from datasets import Dataset

from helpers import plots, token_classification, training
from helpers.checks import part_of_speech_tagging as checks
from helpers.checks.core import ExerciseFailed
from helpers.course.lessons import lesson
from helpers.course.offline_models import MINILM
from helpers.models import resolve_model

SMOKE = lesson("06_part_of_speech_tagging").profiles["smoke"]
SMALL_EVAL = SMOKE["max_eval_samples"]
# What a learner's settings may say; under grading the check uses the lesson's own (smoke, seed 42).
FORGED = SimpleNamespace(profile="full", seed=7, max_train_samples=3, max_eval_samples=3, model_id="my/model")
TRUE = [["DT", "NN", ",", "VBD", "."], ["``", "PRP", "VBZ", "''"]]
PRED = [["DT", "NN", ",", "VBN", "."], ["NN", "PRP", "VBZ", "''"]]


pytestmark = pytest.mark.usefixtures("offline_sources")  # no test reaches the network


@pytest.fixture
def conll():
    from helpers import data

    return data.load_conll2003()


@pytest.fixture
def tag_names(conll):
    return conll["train"].features["pos_tags"].feature.names


@pytest.fixture
def true_tags(conll, tag_names):
    """The true tags of the lesson's test sentences under grading, one per word (smoke's tokenizer keeps them all)."""
    from helpers import data

    test = data.subset(conll["test"], SMOKE["max_eval_samples"], seed=42)
    return [[tag_names[tag] for tag in tags] for tags in test["pos_tags"]]


def right_recall(true_tags, pred_tags):
    words, right = Counter(), Counter()
    for truth, prediction in zip(true_tags, pred_tags):
        for t, p in zip(truth, prediction):
            words[t] += 1
            right[t] += t == p
    return sum(right[tag] / words[tag] for tag in words) / len(words)


def test_mean_tag_recall(grading, true_tags):
    as_verbs = replaced(true_tags, "NN", "VB")  # every singular noun wrong
    checks.mean_tag_recall(right_recall, as_verbs, FORGED)
    flat = [(t, p) for ts, ps in zip(true_tags, as_verbs) for t, p in zip(ts, ps)]
    assert grading()[0]["message"].startswith(f"mean per-tag recall {right_recall(true_tags, as_verbs):.4f} over "
                                              f"{len({t for t, _ in flat})} tags, against a plain accuracy of ")

    def over_every_tag(true_tags, pred_tags):
        pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)]
        tags = {t for t, _ in pairs} | {p for _, p in pairs}
        return sum(sum(t == p == tag for t, p in pairs) / max(1, sum(t == tag for t, _ in pairs))
                   for tag in tags) / len(tags)

    def precision(true_tags, pred_tags):
        pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)]
        predicted = Counter(p for _, p in pairs)
        return sum(sum(t == p == tag for t, p in pairs) / n for tag, n in predicted.items()) / len(predicted)

    def per_sentence(true_tags, pred_tags):
        return sum(right_recall([t], [p]) for t, p in zip(true_tags, pred_tags)) / len(true_tags)

    def balanced(true_tags, pred_tags):
        from sklearn.metrics import balanced_accuracy_score

        return balanced_accuracy_score(sum(true_tags, []), sum(pred_tags, []))

    for wrong, hint in [(token_classification.tag_accuracy, "That is plain accuracy"),
                        (over_every_tag, "Average over the tags that occur among the TRUE tags"),
                        (precision, "mean per-tag precision"), (per_sentence, "Pool the words"),
                        (balanced, "your function calls sklearn.metrics.balanced_accuracy_score"),
                        (lambda t, p: ..., "Replace the")]:
        with pytest.raises(ExerciseFailed, match=hint):
            checks.mean_tag_recall(wrong, as_verbs, FORGED)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 6


def test_mean_tag_recall_scores_against_the_courses_tags_not_the_learners(grading, true_tags):
    """The check takes no true tags, and the function gets copies: overwriting them changes nothing."""
    assert list(inspect.signature(checks.mean_tag_recall).parameters) == ["recall_fn", "pred_tags", "settings"]
    as_verbs = replaced(true_tags, "NN", "VB")

    def overwrite_truth(true_tags, pred_tags):
        true_tags[:] = pred_tags
        return right_recall(true_tags, pred_tags)

    with pytest.raises(ExerciseFailed, match="the mean per-tag recall is 0.6000"):
        checks.mean_tag_recall(overwrite_truth, as_verbs, FORGED)
    with pytest.raises(ExerciseFailed, match=f"pred_tags has 3 entries, but the lesson has {len(true_tags)} test "
                                             "sentences"):
        checks.mean_tag_recall(right_recall, as_verbs[:3], FORGED)


def right_last(piece_tags, word_ids):
    last = {}
    for position, word in enumerate(word_ids):
        if word is not None:
            last[word] = position
    return [piece_tags[last[word]] for word in sorted(last)]


def test_last_piece_tags(grading):
    checks.last_piece_tags(right_last, FORGED)
    message = grading()[0]["message"]
    assert message.startswith(f"the last piece's tag for every word of {SMALL_EVAL} test sentences (")
    assert "of their words have more than one piece" in message

    def first(piece_tags, word_ids):
        first = {}
        for position, word in enumerate(word_ids):
            if word is not None:
                first.setdefault(word, position)
        return [piece_tags[first[word]] for word in sorted(first)]

    def every_piece(piece_tags, word_ids):
        return [tag for tag, word in zip(piece_tags, word_ids) if word is not None]

    def shifted(piece_tags, word_ids):  # the position after the last piece
        return [piece_tags[position + 1] for position in right_last(list(range(len(word_ids))), word_ids)]

    for wrong, hint in [(first, "you returned each word's FIRST piece"),
                        (lambda tags, ids: tags, "you returned one tag per token \\(7\\)"),
                        (every_piece, "expected 3 tags, one per word, got 5"),
                        (shifted, "word 0 should get 'DT', the tag of its last piece; you gave 'JJ'"),
                        (lambda tags, ids: "NN", "return a list with one tag per word"),
                        (lambda tags, ids: ..., "Replace the")]:
        with pytest.raises(ExerciseFailed, match=hint):
            checks.last_piece_tags(wrong, FORGED)


def test_last_piece_tags_uses_the_courses_sentences_not_the_learners(grading):
    """The check takes only the function: one right on the small example alone fails on the lesson's sentences."""
    assert list(inspect.signature(checks.last_piece_tags).parameters) == ["last_fn", "settings"]

    def small_only(piece_tags, word_ids):
        return ["DT", "VBG", "NN"] if len(word_ids) == 7 else ["NN"] * (max(w for w in word_ids if w is not None) + 1)

    with pytest.raises(ExerciseFailed, match="the tag of its last piece"):
        checks.last_piece_tags(small_only, FORGED)


def right_accuracy(true_tags, pred_tags):
    pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)
             if t not in token_classification.PUNCTUATION_TAGS]
    return sum(t == p for t, p in pairs) / len(pairs)


def replaced(sentences, old, new):
    return [[new if tag == old else tag for tag in sentence] for sentence in sentences]


def test_accuracy_without_punctuation(grading, true_tags):
    assert right_accuracy(TRUE, PRED) == 4 / 5
    as_verbs = replaced(true_tags, "NN", "VB")  # every singular noun wrong
    checks.accuracy_without_punctuation(right_accuracy, as_verbs, FORGED)
    with pytest.raises(ExerciseFailed, match="Skip the words whose true tag is punctuation"):
        checks.accuracy_without_punctuation(token_classification.tag_accuracy, as_verbs, FORGED)

    def by_prediction(true_tags, pred_tags):
        pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)
                 if p not in token_classification.PUNCTUATION_TAGS]
        return sum(t == p for t, p in pairs) / len(pairs)

    def per_sentence(true_tags, pred_tags):
        return sum(right_accuracy([t], [p]) for t, p in zip(true_tags, pred_tags)) / len(true_tags)

    with pytest.raises(ExerciseFailed, match="Skip by the true tag"):
        checks.accuracy_without_punctuation(by_prediction, replaced(true_tags, "NN", ","), FORGED)
    with pytest.raises(ExerciseFailed, match="Pool the words"):
        checks.accuracy_without_punctuation(per_sentence, as_verbs, FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.accuracy_without_punctuation(lambda t, p: ..., as_verbs, FORGED)


def test_accuracy_without_punctuation_scores_against_the_courses_tags_not_the_learners(grading, true_tags):
    """With true_tags = pred_tags a learner's accuracy is 1.0: the check takes no true tags, so it fails, as
    does a function that overwrites the true tags it is given (it gets a copy)."""
    assert list(inspect.signature(checks.accuracy_without_punctuation).parameters) == [
        "accuracy_fn", "pred_tags", "settings"]
    as_verbs = replaced(true_tags, "NN", "VB")
    with pytest.raises(ExerciseFailed, match="the accuracy without punctuation is"):
        checks.accuracy_without_punctuation(lambda t, p: 1.0, as_verbs, FORGED)

    def overwrite_truth(true_tags, pred_tags):
        true_tags[:] = pred_tags
        return 1.0

    with pytest.raises(ExerciseFailed, match="the accuracy without punctuation is"):
        checks.accuracy_without_punctuation(overwrite_truth, as_verbs, FORGED)
    with pytest.raises(ExerciseFailed, match=f"pred_tags has 3 entries, but the lesson has {len(true_tags)} test "
                                             "sentences"):
        checks.accuracy_without_punctuation(right_accuracy, as_verbs[:3], FORGED)


def test_tag_accuracy_pools_the_words_of_all_sentences():
    assert token_classification.tag_accuracy(TRUE, PRED) == 7 / 9
    with pytest.raises(ValueError, match="Sentence 1 has 4 true tags but 3 predicted"):
        token_classification.tag_accuracy(TRUE, [PRED[0], PRED[1][:3]])
    with pytest.raises(ValueError, match="No words"):
        token_classification.tag_accuracy([[]], [[]])


def test_rename_tag_ids_matches_tags_by_name_not_by_id():
    wsj_names = ["$", "''", "NN", "``"]
    conll_names = ['"', "''", "#", "$", "NN", "``"]
    assert token_classification.rename_tag_ids([2, 0, 3, 1], wsj_names, conll_names) == [4, 3, 5, 1]
    with pytest.raises(ValueError, match="'NN\\|SYM' has no counterpart"):
        token_classification.rename_tag_ids([0], ["NN|SYM"], wsj_names)
    with pytest.raises(ValueError, match="Tag id 4 is out of range for a list of 4"):
        token_classification.rename_tag_ids([4], wsj_names, conll_names)


def test_token_classification_trainer_builds_one_output_per_tag(tmp_path):
    from transformers import AutoTokenizer

    from helpers.course.profiles import resolve

    settings = resolve("06_part_of_speech_tagging", profile="smoke", output_dir=str(tmp_path))
    path = resolve_model(MINILM)
    tokenizer = AutoTokenizer.from_pretrained(path)
    names = ["DT", "NN", "VBZ"]
    rows = Dataset.from_dict({"tokens": [["the", "dog", "barks"]], "pos_tags": [[0, 1, 2]]})
    tokens = rows.map(token_classification.tokenize_and_align(tokenizer, names, "pos_tags", "ignore"),
                      batched=True, remove_columns=rows.column_names)
    trainer = training.token_classification_trainer(path, names, tokens, tokenizer, settings)
    assert trainer.model.config.num_labels == 3 and trainer.model.config.id2label[2] == "VBZ"
    assert trainer.args.learning_rate == settings.learning_rate and trainer.args.save_strategy == "no"
    with pytest.raises(ValueError, match="no 'labels' column"):
        training.token_classification_trainer(path, names, rows, tokenizer, settings)


def test_confusion_matrix_grows_with_the_number_of_tags():
    small = plots.plot_confusion_matrix([0, 1], [0, 1], ["a", "b"])
    large = plots.plot_confusion_matrix(list(range(11)), list(range(11)), [f"t{i}" for i in range(11)])
    assert large.get_size_inches()[1] > small.get_size_inches()[1]


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """Reading each word's first piece instead of its last fails the piece exercise and no other."""
    grades = graded_three_ways("06_part_of_speech_tagging", "06-15", "last[word] = position",
                               "last.setdefault(word, position)")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("mean_tag_recall", True), ("last_piece_tags", False), ("accuracy_without_punctuation", True)]
    assert "you returned each word's FIRST piece" in grades["one wrong"].results[1].message
