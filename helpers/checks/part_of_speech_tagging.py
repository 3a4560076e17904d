"""Checks for lesson 06, part-of-speech tagging."""

from __future__ import annotations

import copy
from collections import Counter
from types import SimpleNamespace
from typing import Any

from helpers.checks.core import Verdict, calls_during, close, exercise, is_unsolved
from helpers.checks.reference import conll_test_tags, dataset, lesson_settings, tag_lists_problem
from helpers.token_classification import PUNCTUATION_TAGS

LESSON = "06_part_of_speech_tagging"


def _pooled(true_tags: list[list[str]], pred_tags: list[list[str]]) -> list[tuple[str, str]]:
    return [(t, p) for truth, prediction in zip(true_tags, pred_tags) for t, p in zip(truth, prediction)]


def _mean_recall(pairs: list[tuple[str, str]], tags: set[str] | None = None) -> float:
    """The mean over ``tags`` (default: the true tags present) of the share of each tag's words tagged right."""
    right, total = Counter(), Counter()
    for t, p in pairs:
        total[t] += 1
        right[t] += t == p
    tags = set(total) if tags is None else tags
    return sum(right[tag] / total[tag] if total[tag] else 0.0 for tag in tags) / len(tags)


def _mean_precision(pairs: list[tuple[str, str]]) -> float:
    right, predicted = Counter(), Counter()
    for t, p in pairs:
        predicted[p] += 1
        right[p] += t == p
    return sum(right[tag] / predicted[tag] for tag in predicted) / len(predicted)


def _recall_mistakes(true_tags: list[list[str]], pred_tags: list[list[str]]) -> list[tuple[float, str]]:
    """The scores of common wrong answers on these tags, each with its hint."""
    pairs = _pooled(true_tags, pred_tags)
    every_tag = {t for t, _ in pairs} | {p for _, p in pairs}
    per_sentence = [_mean_recall(_pooled([t], [p])) for t, p in zip(true_tags, pred_tags) if t]
    return [(_share_right(pairs), "That is plain accuracy, where each tag weighs as much as its words: first take "
             "each true tag's share of words tagged right, then average those shares, one per tag."),
            (_mean_recall(pairs, every_tag), "Average over the tags that occur among the TRUE tags: a tag that "
             "was only predicted has no words to recall, and counting it as 0 punishes the model twice."),
            (_mean_precision(pairs), "That is the mean per-tag precision (right / predicted as the tag); recall "
             "divides by the words that truly carry the tag."),
            (sum(per_sentence) / len(per_sentence), "Pool the words of all sentences before counting per tag; "
             "do not average per-sentence scores.")]


def _recall_shortcuts() -> dict[str, Any]:
    """Library functions that give per-class recall or its mean in one call: the exercise asks for the counting."""
    from sklearn import metrics

    shortcuts = {f"sklearn.metrics.{name}": getattr(metrics, name) for name in (
        "balanced_accuracy_score", "recall_score", "precision_recall_fscore_support", "classification_report",
        "confusion_matrix", "multilabel_confusion_matrix")}
    return {name: getattr(function, "__wrapped__", function) for name, function in shortcuts.items()}


# Two sentences: NN recalled 4 of 5, VB 1 of 1, DT 0 of 1 (JJ only predicted): mean recall 0.6, accuracy 5/7;
# over the tags true or predicted 0.45, mean precision 0.5, mean of the per-sentence scores 2/3.
SMALL_TRUE = [["NN", "NN", "NN", "VB"], ["DT", "NN", "NN"]]
SMALL_PRED = [["NN", "NN", "VB", "VB"], ["JJ", "NN", "NN"]]


@exercise
def mean_tag_recall(recall_fn: Any, pred_tags: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the mean over the true tags present of each tag's share of words tagged right.

    ``pred_tags`` are the learner's model's tags of the lesson's test sentences; their true tags
    come from the course's test split (``settings``: see :func:`helpers.checks.reference.lesson_settings`).
    """
    if not callable(recall_fn):
        return False, "mean_tag_recall must be a function of (true_tags, pred_tags)."
    chosen = lesson_settings(LESSON, settings)
    true_tags = conll_test_tags(chosen, "pos_tags")
    problem = tag_lists_problem("pred_tags", pred_tags, true_tags, chosen)
    if problem:
        return False, problem
    shortcuts = _recall_shortcuts()
    for truth, prediction in [(SMALL_TRUE, SMALL_PRED), (true_tags, pred_tags)]:
        try:  # copies: it cannot change the reference
            answer, used = calls_during(recall_fn, (copy.deepcopy(truth), copy.deepcopy(prediction)), shortcuts)
        except ZeroDivisionError:
            return False, ("mean_tag_recall divided by zero: divide each tag's right answers by the number of words "
                           "that truly carry it, for the tags that occur among the true tags only.")
        if used:
            return False, f"Count the words per tag yourself: your function calls {used[0]}."
        if is_unsolved(answer):
            return False, "Replace the ... : count, per true tag, its words and those tagged right; average the shares."
        expected = _mean_recall(_pooled(truth, prediction))
        if isinstance(answer, (int, float)) and not isinstance(answer, bool) and close(answer, expected):
            continue
        hints = [hint for score, hint in _recall_mistakes(truth, prediction)
                 if isinstance(answer, (int, float)) and close(answer, score) and not close(score, expected)]
        return False, (f"For true tags {truth!r:.80} and predictions {prediction!r:.80} the mean per-tag recall "
                       f"is {expected:.4f}; you gave {answer!r}. {' '.join(hints[:1])}".rstrip())
    pairs = _pooled(true_tags, pred_tags)
    return True, (f"mean per-tag recall {_mean_recall(pairs):.4f} over {len({t for t, _ in pairs})} tags, "
                  f"against a plain accuracy of {_share_right(pairs):.4f}.")


def _last_pieces(piece_tags: list[str], word_ids: list[int | None]) -> list[str]:
    last: dict[int, int] = {}
    for position, word in enumerate(word_ids):
        if word is not None:
            last[word] = position
    return [piece_tags[last[word]] for word in sorted(last)]


def _first_pieces(piece_tags: list[str], word_ids: list[int | None]) -> list[str]:
    first: dict[int, int] = {}
    for position, word in enumerate(word_ids):
        if word is not None:
            first.setdefault(word, position)
    return [piece_tags[first[word]] for word in sorted(first)]


def _test_encodings(settings: SimpleNamespace) -> list[tuple[list[str], list[int | None]]]:
    """The lesson's test sentences and the word ids of each token, from the lesson's tokenizer."""
    from helpers.checks.reference import tokenizer
    from helpers.data import subset

    test = subset(dataset("conll2003")["test"], settings.max_eval_samples, seed=settings.seed)
    encoding = tokenizer(settings)(list(test["tokens"]), is_split_into_words=True)
    return [(words, encoding.word_ids(row)) for row, words in enumerate(test["tokens"])]


def _piece_case(words: list[str], word_ids: list[int | None]) -> list[str]:
    """A made-up tag per token: position i gets a tag that names it, so every answer says where it came from."""
    return [f"[{position}]" if word is None else f"{words[word]}#{position}" for position, word in enumerate(word_ids)]


@exercise
def last_piece_tags(last_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function of (piece_tags, word_ids): one tag per word, the tag of its last piece.

    Tried on a small hand-made sentence, then on the lesson's test sentences as the course's tokenizer
    splits them (``settings``: see :func:`helpers.checks.reference.lesson_settings`), with made-up
    tags that name their position.
    """
    if not callable(last_fn):
        return False, "last_piece_tags must be a function of (piece_tags, word_ids)."
    chosen = lesson_settings(LESSON, settings)
    small_ids = [None, 0, 1, 1, 1, 2, None]
    cases = [(["[CLS]", "DT", "JJ", "##x", "VBG", "NN", "[SEP]"], small_ids)]
    cases += [(_piece_case(words, ids), ids) for words, ids in _test_encodings(chosen)]
    multi = 0
    for case, (piece_tags, word_ids) in enumerate(cases):
        answer = last_fn(list(piece_tags), list(word_ids))  # copies: it cannot change the reference
        if is_unsolved(answer):
            return False, "Replace the ... : remember, for each word id, the last position that carries it."
        expected = _last_pieces(piece_tags, word_ids)
        if isinstance(answer, tuple):
            answer = list(answer)
        if answer == expected:
            multi += sum(1 for word in set(word_ids) - {None} if word_ids.count(word) > 1) if case else 0
            continue
        shown = f"For word ids {word_ids!r:.90} and piece tags {piece_tags!r:.90}"
        if not isinstance(answer, list):
            return False, f"{shown} return a list with one tag per word; got {answer!r:.80}."
        if answer == _first_pieces(piece_tags, word_ids):
            return False, (f"{shown} you returned each word's FIRST piece; keep the last position whose word id "
                           "is the word's (a later position overwrites an earlier one).")
        if len(answer) == len(piece_tags):
            return False, (f"{shown} you returned one tag per token ({len(answer)}); return one per word "
                           f"({len(expected)}): group the positions by word id and skip None ([CLS], [SEP]).")
        if len(answer) != len(expected):
            return False, (f"{shown} expected {len(expected)} tags, one per word, got {len(answer)}: keep one "
                           "position per word id, and none for the None of [CLS] and [SEP].")
        wrong = next(i for i, (given, right) in enumerate(zip(answer, expected)) if given != right)
        return False, (f"{shown} word {wrong} should get {expected[wrong]!r}, the tag of its last piece; "
                       f"you gave {answer[wrong]!r}.")
    return True, (f"the last piece's tag for every word of {len(cases) - 1} test sentences "
                  f"({multi:,} of their words have more than one piece).")


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
