"""Lesson 06, part-of-speech tagging: its checks, tag ids renamed by name, token accuracy, the training
helper it shares with lesson 05, and the lesson graded three ways."""

from collections import Counter

import pytest
from datasets import Dataset

from helpers import plots, token_classification, training
from helpers.checks import part_of_speech_tagging as checks
from helpers.checks.core import ExerciseFailed
from helpers.course.offline_models import MINILM
from helpers.models import resolve_model

COUNTS = {"back": Counter({"RB": 70, "NN": 14, "JJ": 7, "VB": 3, "RP": 3, "VBP": 1}),
          "centre": Counter({"NN": 20, "NNP": 1, "VBP": 1, "JJ": 1, "NNS": 1, "FW": 1}),
          "that": Counter({"IN": 510, "WDT": 157, "DT": 94, "WP": 5, "RB": 1}),
          "the": Counter({"DT": 9000})}


def right_ambiguous(tag_counts):
    return max(tag_counts, key=lambda word: (len(tag_counts[word]), sum(tag_counts[word].values())))


def test_most_ambiguous_word(grading):
    checks.most_ambiguous_word(right_ambiguous, COUNTS)
    with pytest.raises(ExerciseFailed, match="count distinct tags, not occurrences"):
        checks.most_ambiguous_word(lambda counts: max(counts, key=lambda w: sum(counts[w].values())), COUNTS)
    with pytest.raises(ExerciseFailed, match="'back' occurs 98 times, 'centre' 25: break ties by frequency"):
        checks.most_ambiguous_word(lambda counts: max(  # the last in alphabetical order
            w for w in counts if len(counts[w]) == max(map(len, counts.values()))), COUNTS)
    with pytest.raises(ExerciseFailed, match="not a word of the counts"):
        checks.most_ambiguous_word(lambda counts: ("back", 6), COUNTS)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.most_ambiguous_word(lambda counts: ..., COUNTS)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 4


NAMES = ["CC", "JJ", "JJR", "MD", "NN", "NNP", "NN|SYM", "PRP$", "VB", "VBZ", "WP$", ","]


def test_coarse_tags(grading):
    classes = {"NN": "noun", "VB": "verb", "JJ": "adjective"}
    checks.coarse_tags(lambda tags: [classes.get(t[:2], "other") for t in tags], NAMES)
    with pytest.raises(ExerciseFailed, match="'MD' is 'other', you gave 'verb'"):
        checks.coarse_tags(lambda tags: ["verb" if t == "MD" else classes.get(t[:2], "other") for t in tags], NAMES)
    with pytest.raises(ExerciseFailed, match="'JJR' is 'adjective', you gave 'other'"):  # exact names only
        checks.coarse_tags(lambda tags: [{"NN": "noun", "VB": "verb", "JJ": "adjective"}.get(t, "other")
                                         for t in tags], NAMES)
    with pytest.raises(ExerciseFailed, match="one class per tag"):
        checks.coarse_tags(lambda tags: "noun", NAMES)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.coarse_tags(lambda tags: ..., NAMES)


TRUE = [["DT", "NN", ",", "VBD", "."], ["``", "PRP", "VBZ", "''"]]
PRED = [["DT", "NN", ",", "VBN", "."], ["NN", "PRP", "VBZ", "''"]]


def right_accuracy(true_tags, pred_tags):
    pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)
             if t not in token_classification.PUNCTUATION_TAGS]
    return sum(t == p for t, p in pairs) / len(pairs)


def test_accuracy_without_punctuation(grading):
    assert right_accuracy(TRUE, PRED) == 4 / 5
    checks.accuracy_without_punctuation(right_accuracy, TRUE, PRED)
    with pytest.raises(ExerciseFailed, match="Skip the words whose true tag is punctuation"):
        checks.accuracy_without_punctuation(token_classification.tag_accuracy, TRUE, PRED)

    def by_prediction(true_tags, pred_tags):
        pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)
                 if p not in token_classification.PUNCTUATION_TAGS]
        return sum(t == p for t, p in pairs) / len(pairs)

    def per_sentence(true_tags, pred_tags):
        return sum(right_accuracy([t], [p]) for t, p in zip(true_tags, pred_tags)) / len(true_tags)

    with pytest.raises(ExerciseFailed, match="Skip by the true tag"):
        checks.accuracy_without_punctuation(by_prediction, [["DT", "NN"]], [["DT", "NN"]])
    with pytest.raises(ExerciseFailed, match="Pool the words"):
        checks.accuracy_without_punctuation(per_sentence, [["DT", "NN"]], [["DT", "NN"]])
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.accuracy_without_punctuation(lambda t, p: ..., TRUE, PRED)


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
    """Adjectives counted as nouns fail the coarse-class exercise and no other."""
    grades = graded_three_ways("06_part_of_speech_tagging", "06-21", '"JJ": "adjective"', '"JJ": "noun"')
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("most_ambiguous_word", True), ("coarse_tags", False), ("accuracy_without_punctuation", True)]
    assert "'JJ' is 'adjective', you gave 'noun'" in grades["one wrong"].results[1].message
