"""Checks for lesson 06, part-of-speech tagging."""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from types import SimpleNamespace
from typing import Any

from helpers.checks.core import Verdict, close, exercise, is_unsolved
from helpers.checks.reference import conll_test_tags, dataset, lesson_settings, tag_lists_problem
from helpers.token_classification import PUNCTUATION_TAGS

LESSON = "06_part_of_speech_tagging"
COARSE_PREFIXES = {"NN": "noun", "VB": "verb", "JJ": "adjective"}


def _ambiguity(counts: Counter) -> tuple[int, int]:
    """How ambiguous a word is: its number of distinct tags, then how often it occurs."""
    return len(counts), sum(counts.values())


def _training_tag_counts(settings: SimpleNamespace) -> dict[str, Counter]:
    """Word -> how often it carried each gold POS tag, in the lesson's training sentences."""
    from helpers.data import subset

    chosen = lesson_settings(LESSON, settings)
    train = dataset("conll2003")["train"]
    names = train.features["pos_tags"].feature.names
    counts: dict[str, Counter] = defaultdict(Counter)
    sentences = subset(train, chosen.max_train_samples, seed=chosen.seed)
    for words, tags in zip(sentences["tokens"], sentences["pos_tags"]):
        for word, tag in zip(words, tags):
            counts[word][names[tag]] += 1
    return counts


@exercise
def most_ambiguous_word(ambiguous_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the word with the most distinct tags, the most frequent one among ties.

    It is given the word -> tag counts of the lesson's training sentences, which the check counts
    itself from the course's data (``settings``: see :func:`helpers.checks.reference.lesson_settings`).
    """
    if not callable(ambiguous_fn):
        return False, "most_ambiguous_word must be a function of the word -> tag counts."
    tag_counts = _training_tag_counts(settings)
    tied = {"set": Counter({"VBN": 3, "NN": 1, "VB": 1}), "close": Counter({"NN": 2, "JJ": 2, "RB": 2}),
            "the": Counter({"DT": 90})}
    for counts in (tag_counts, tied):
        answer = ambiguous_fn(copy.deepcopy(counts))  # copies: it cannot change the reference
        if is_unsolved(answer):
            return False, "Replace the ... : compare the words by their number of distinct tags."
        best = max(_ambiguity(c) for c in counts.values())
        expected = sorted(word for word, c in counts.items() if _ambiguity(c) == best)
        if answer in expected:
            continue
        if answer not in counts:
            return False, f"{answer!r} is not a word of the counts given; return the word itself (a string)."
        distinct, occurrences = _ambiguity(counts[answer])
        if distinct < best[0]:
            return False, (f"{answer!r} carried {distinct} distinct tags, but {expected[0]!r} carried {best[0]}: "
                           "count distinct tags, not occurrences.")
        return False, (f"{answer!r} and {expected[0]!r} both carried {distinct} distinct tags; {expected[0]!r} "
                       f"occurs {best[1]} times, {answer!r} {occurrences}: break ties by frequency.")
    word = ambiguous_fn(copy.deepcopy(tag_counts))
    return True, f"{word!r} carried {len(tag_counts[word])} different tags: {dict(tag_counts[word].most_common())}."


def _coarse(tags: list[str]) -> list[str]:
    return [COARSE_PREFIXES.get(tag[:2], "other") for tag in tags]


@exercise
def coarse_tags(coarse_fn: Any) -> Verdict:
    """A function mapping Penn Treebank tags to noun, verb, adjective or other.

    It is tried on every POS tag of CoNLL-2003, from the course's data, then on a few more.
    """
    if not callable(coarse_fn):
        return False, "coarse_tags must be a function of one list of tags."
    tag_names = dataset("conll2003")["train"].features["pos_tags"].feature.names
    for tags in (list(tag_names), ["MD", "VBZ", "NNPS", "JJS", "PRP$", "WP$", "NN|SYM"]):
        answer = coarse_fn(list(tags))
        if is_unsolved(answer):
            return False, "Replace the ... : look at the first two letters of each tag."
        expected = _coarse(tags)
        if not isinstance(answer, (list, tuple)) or len(answer) != len(expected):
            return False, f"Return one class per tag ({len(expected)} for {tags[:3]}...); got {answer!r:.100}."
        for tag, given, right in zip(tags, answer, expected):
            if given != right:
                return False, (f"{tag!r} is {right!r}, you gave {given!r}: a tag starting with NN is a noun, "
                               "VB a verb, JJ an adjective, anything else (MD included) 'other'.")
    return True, f"every one of the {len(tag_names)} tags lands in the right class."


def _share_right(pairs: list[tuple[str, str]]) -> float | None:
    return sum(t == p for t, p in pairs) / len(pairs) if pairs else None


def _accuracy(true_tags: list[list[str]], pred_tags: list[list[str]]) -> float:
    return _share_right([(t, p) for truth, prediction in zip(true_tags, pred_tags)
                         for t, p in zip(truth, prediction) if t not in PUNCTUATION_TAGS])


def _likely_mistakes(true_tags: list[list[str]], pred_tags: list[list[str]]) -> list[tuple[float, str]]:
    """The scores of common wrong answers on these tags, each with its hint."""
    pairs = [(t, p) for truth, prediction in zip(true_tags, pred_tags) for t, p in zip(truth, prediction)]
    per_sentence = [_accuracy([truth], [prediction]) for truth, prediction in zip(true_tags, pred_tags)]
    per_sentence = [score for score in per_sentence if score is not None]
    mistakes = [(_share_right(pairs), "Skip the words whose true tag is punctuation."),
                (_share_right([(t, p) for t, p in pairs if p not in PUNCTUATION_TAGS]),
                 "Skip by the true tag, not the predicted one: a verb predicted as ',' is an error."),
                (sum(per_sentence) / len(per_sentence) if per_sentence else None,
                 "Pool the words of all sentences; do not average per-sentence accuracies.")]
    return [(score, hint) for score, hint in mistakes if score is not None]


@exercise
def accuracy_without_punctuation(accuracy_fn: Any, pred_tags: Any, settings: SimpleNamespace) -> Verdict:
    """A function: token accuracy over the words whose true tag is not punctuation.

    ``pred_tags`` are the learner's model's tags of the lesson's test sentences; their true tags
    come from the course's test split (``settings``: see :func:`helpers.checks.reference.lesson_settings`).
    """
    if not callable(accuracy_fn):
        return False, "accuracy_without_punctuation must be a function of (true_tags, pred_tags)."
    chosen = lesson_settings(LESSON, settings)
    true_tags = conll_test_tags(chosen, "pos_tags")
    problem = tag_lists_problem("pred_tags", pred_tags, true_tags, chosen)
    if problem:
        return False, problem
    other_true = [["NN", "VBD", "JJ", ","], ["DT", "NN"]]
    other_pred = [["NN", ",", "JJ", ","], ["DT", "VB"]]
    for truth, prediction in [(true_tags, pred_tags), (other_true, other_pred)]:
        # copies: it cannot change the reference
        answer = accuracy_fn(copy.deepcopy(truth), copy.deepcopy(prediction))
        if is_unsolved(answer):
            return False, "Replace the ... : pair the tags word by word and skip words whose true tag is punctuation."
        expected = _accuracy(truth, prediction)
        if isinstance(answer, (int, float)) and close(answer, expected):
            continue
        hints = [hint for score, hint in _likely_mistakes(truth, prediction)
                 if isinstance(answer, (int, float)) and close(answer, score) and not close(score, expected)]
        return False, (f"For true tags {truth!r:.80} and predictions {prediction!r:.80} the accuracy without "
                       f"punctuation is {expected:.4f}; you gave {answer!r}. {' '.join(hints[:1])}".rstrip())
    return True, f"accuracy over the words that are not punctuation: {_accuracy(true_tags, pred_tags):.4f}."
