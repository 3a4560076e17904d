"""helpers.tagging_baseline: lesson 06's most-frequent-tag baseline, its unknown-word rules, and accuracy on
seen and unseen words with intervals over sentences."""

from collections import Counter

import numpy as np
import pytest

from helpers import tagging_baseline as tb

WORDS = [["The", "dog", "barks"], ["The", "cat", "runs", "."]]
TAGS = [["DT", "NN", "VBZ"], ["DT", "NN", "VBZ", "."]]


def test_unknown_word_tag_reads_digits_capitals_and_suffixes():
    guesses = {word: tb.unknown_word_tag(word) for word in
               ["1,250", "3-1", "Ljubljana", "reshuffling", "tightened", "gloomily", "vetoes", "kiwi", "is", "red"]}
    assert guesses == {"1,250": "CD", "3-1": "CD", "Ljubljana": "NNP", "reshuffling": "VBG", "tightened": "VBD",
                       "gloomily": "RB", "vetoes": "NNS", "kiwi": "NN", "is": "NN", "red": "NN"}


def test_most_frequent_tags_uses_the_counts_then_the_rules():
    counts = tb.count_tags([["run", "run", "run"]], [["VB", "NN", "VB"]])
    assert counts == {"run": Counter({"VB": 2, "NN": 1})}
    assert tb.most_frequent_tags([["run", "Oslo", "walked"]], counts) == [["VB", "NNP", "VBD"]]
    assert tb.most_frequent_tags([["walked"]], counts, unknown=lambda word: "NNP") == [["NNP"]]
    assert tb.seen_words([["run", "Run"]], counts) == [[True, False]]  # word forms, case included
    with pytest.raises(ValueError, match="Sentence 0 has 2 words but 1 tags"):
        tb.count_tags([["a", "b"]], [["DT"]])


def test_accuracy_table_scores_each_group_and_the_paired_difference():
    counts = tb.count_tags(WORDS, TAGS)
    test_words = [["The", "bird", "sings"], ["A", "dog", "barks", "."]]
    truth = [["DT", "NN", "VBZ"], ["DT", "NN", "VBZ", "."]]
    model = [["DT", "NN", "VBZ"], ["DT", "NN", "NNS", "."]]
    baseline = tb.most_frequent_tags(test_words, counts)  # DT NN NNS / NNP NN VBZ .
    seen = tb.seen_words(test_words, counts)
    assert tb.accuracy_where(truth, baseline, seen) == 1.0
    assert tb.accuracy_where(truth, model, [[not s for s in sentence] for sentence in seen]) == 1.0
    table = tb.seen_unseen_table(truth, {"model": model, "baseline": baseline}, seen, difference=("model", "baseline"))
    assert list(table.columns) == ["all words (7 words)", "seen (4 words)", "unseen (3 words)"]
    assert table.loc["model", "unseen (3 words)"].startswith("1.000")
    assert table.loc["baseline", "seen (4 words)"].startswith("1.000")
    assert table.loc["model − baseline", "all words (7 words)"].startswith(f"{6 / 7 - 5 / 7:.3f}")
    with pytest.raises(ValueError, match="does not have one entry per word"):
        tb.seen_unseen_table(truth, {"model": model[:1]}, seen)


def test_sentence_bootstrap_resamples_whole_sentences():
    counts = np.array([[9, 10], [0, 10], [5, 10]])
    interval = tb.sentence_bootstrap([counts])
    assert interval.value == pytest.approx(14 / 30)
    assert interval.low < interval.value < interval.high
    same = tb.sentence_bootstrap([counts, counts], np.subtract)
    assert (same.value, same.low, same.high) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="at least 2 sentences"):
        tb.sentence_bootstrap([counts[:1]])
