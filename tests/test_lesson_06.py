"""Lesson 06, part-of-speech tagging: its checks, tag ids renamed by name, token accuracy, the training
helper it shares with lesson 05, and the lesson graded three ways."""

import inspect
from collections import Counter, defaultdict
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
def tag_counts(conll, tag_names):
    """Word -> tag counts of the lesson's training sentences under grading, as the lesson counts them."""
    from helpers import data

    counts = defaultdict(Counter)
    train = data.subset(conll["train"], SMOKE["max_train_samples"], seed=42)
    for words, tags in zip(train["tokens"], train["pos_tags"]):
        for word, tag in zip(words, tags):
            counts[word][tag_names[tag]] += 1
    return counts


@pytest.fixture
def true_tags(conll, tag_names):
    """The true tags of the lesson's test sentences under grading, one per word (smoke's tokenizer keeps them all)."""
    from helpers import data

    test = data.subset(conll["test"], SMOKE["max_eval_samples"], seed=42)
    return [[tag_names[tag] for tag in tags] for tags in test["pos_tags"]]


def right_ambiguous(tag_counts):
    return max(tag_counts, key=lambda word: (len(tag_counts[word]), sum(tag_counts[word].values())))


def test_most_ambiguous_word(grading, tag_counts):
    checks.most_ambiguous_word(right_ambiguous, FORGED)
    word = right_ambiguous(tag_counts)
    assert grading()[0]["message"] == (f"{word!r} carried {len(tag_counts[word])} different tags: "
                                       f"{dict(tag_counts[word].most_common())}.")
    with pytest.raises(ExerciseFailed, match="count distinct tags, not occurrences"):
        checks.most_ambiguous_word(lambda counts: max(counts, key=lambda w: sum(counts[w].values())), FORGED)
    with pytest.raises(ExerciseFailed, match="break ties by frequency"):
        checks.most_ambiguous_word(lambda counts: max(  # the last in alphabetical order
            w for w in counts if len(counts[w]) == max(map(len, counts.values()))), FORGED)
    with pytest.raises(ExerciseFailed, match="not a word of the counts"):
        checks.most_ambiguous_word(lambda counts: ("back", 6), FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.most_ambiguous_word(lambda counts: ..., FORGED)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 4


def test_most_ambiguous_word_counts_the_courses_tags_not_the_learners(grading, tag_counts):
    """The check counts the training tags itself: a word that is the answer for counts a learner made up fails,
    and so does a function that rewrites the counts it is given (it gets a copy)."""
    assert list(inspect.signature(checks.most_ambiguous_word).parameters) == ["ambiguous_fn", "settings"]
    with pytest.raises(ExerciseFailed, match="'made-up' is not a word of the counts given"):
        checks.most_ambiguous_word(lambda counts: "made-up", FORGED)

    def rewrite(counts):
        counts.clear()
        counts["the"] = Counter({"DT": 1, "NN": 1, "VB": 1, "JJ": 1, "RB": 1, "IN": 1, "CC": 1, "CD": 1, "FW": 1})
        return "the"

    assert right_ambiguous(tag_counts) != "the"
    with pytest.raises(ExerciseFailed, match="'the' carried 1 distinct tags"):
        checks.most_ambiguous_word(rewrite, FORGED)


def test_coarse_tags(grading, tag_names):
    classes = {"NN": "noun", "VB": "verb", "JJ": "adjective"}
    checks.coarse_tags(lambda tags: [classes.get(t[:2], "other") for t in tags])
    assert grading()[0]["message"] == f"every one of the {len(tag_names)} tags lands in the right class."
    with pytest.raises(ExerciseFailed, match="'MD' is 'other', you gave 'verb'"):
        checks.coarse_tags(lambda tags: ["verb" if t == "MD" else classes.get(t[:2], "other") for t in tags])
    with pytest.raises(ExerciseFailed, match="'JJR' is 'adjective', you gave 'other'"):  # exact names only
        checks.coarse_tags(lambda tags: [{"NN": "noun", "VB": "verb", "JJ": "adjective"}.get(t, "other")
                                         for t in tags])
    with pytest.raises(ExerciseFailed, match="one class per tag"):
        checks.coarse_tags(lambda tags: "noun")
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.coarse_tags(lambda tags: ...)


def test_coarse_tags_are_the_courses_tag_names_not_the_learners(grading):
    """The check takes no tag list: a function right only for a short list a learner passed fails on CoNLL's."""
    assert list(inspect.signature(checks.coarse_tags).parameters) == ["coarse_fn"]
    with pytest.raises(ExerciseFailed, match="you gave 'other'"):
        checks.coarse_tags(lambda tags: ["other"] * len(tags) if len(tags) > 7 else
                           [{"NN": "noun", "VB": "verb", "JJ": "adjective"}.get(t[:2], "other") for t in tags])


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
    """Adjectives counted as nouns fail the coarse-class exercise and no other."""
    grades = graded_three_ways("06_part_of_speech_tagging", "06-21", '"JJ": "adjective"', '"JJ": "noun"')
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("most_ambiguous_word", True), ("coarse_tags", False), ("accuracy_without_punctuation", True)]
    assert "'JJ' is 'adjective', you gave 'noun'" in grades["one wrong"].results[1].message
