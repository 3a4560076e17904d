"""Checks for lesson 03, few-shot classification with SetFit."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from helpers.checks.core import Verdict, exercise, is_unsolved

# A second labelled set (three classes, unequal sizes) for checking that a function is general.
OTHER_TEXTS = ["gripping", "tense", "a thriller", "boring", "slow", "dull", "tedious", "a romance"]
OTHER_LABELS = ["good", "good", "genre", "bad", "bad", "bad", "bad", "genre"]


def _expected_pairs(texts: list[str], labels: list[Any]) -> tuple[set[frozenset], set[frozenset]]:
    positive, negative = set(), set()
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            (positive if labels[i] == labels[j] else negative).add(frozenset((texts[i], texts[j])))
    return positive, negative


def _pair_problem(kind: str, pairs: Any, expected: set[frozenset]) -> str | None:
    """What is wrong with ``pairs`` (a list of 2-tuples) against the ``expected`` unordered pairs."""
    if not isinstance(pairs, (list, tuple)) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        return f"The {kind} pairs must be a list of (sentence, sentence) tuples; got {pairs!r:.80}."
    selfies = [p for p in pairs if p[0] == p[1]]
    if selfies:
        return (f"{selfies[0]!r} pairs a sentence with itself: this exercise asks for pairs of two "
                "different sentences.")
    counts = Counter(frozenset(p) for p in pairs)
    twice = [tuple(p) for p, n in counts.items() if n > 1]
    if twice:
        return f"The {kind} pair {twice[0]} appears {counts[frozenset(twice[0])]} times: list each pair once."
    extra = set(counts) - expected
    if extra:
        return f"{tuple(next(iter(extra)))} is not a {kind} pair of this set."
    missing = expected - set(counts)
    if missing:
        return f"{len(missing)} {kind} pair(s) missing, for example {tuple(next(iter(missing)))}."
    return None


@exercise
def contrastive_pairs(pairs_fn: Any) -> Verdict:
    """A function returning (positive, negative): every pair of two different sentences, once each.

    It is tried on the lesson's tiny set (:data:`helpers.data.PAIR_REVIEWS`), then on one with three classes.
    """
    from helpers.data import PAIR_REVIEWS

    if not callable(pairs_fn):
        return False, "make_pairs must be a function of (texts, labels)."
    texts, labels = [text for text, _ in PAIR_REVIEWS], [label for _, label in PAIR_REVIEWS]
    for trial_texts, trial_labels in [(texts, labels), (OTHER_TEXTS, OTHER_LABELS)]:
        answer = pairs_fn(list(trial_texts), list(trial_labels))
        if is_unsolved(answer) or (isinstance(answer, tuple) and any(part is ... for part in answer)):
            return False, "Replace the ... : loop over the pairs (i, j) with i < j and compare their labels."
        if not (isinstance(answer, tuple) and len(answer) == 2):
            return False, f"make_pairs returned {answer!r:.80}; return a tuple (positive_pairs, negative_pairs)."
        positive, negative = _expected_pairs(list(trial_texts), list(trial_labels))
        if {frozenset(p) for p in answer[0] if len(p) == 2} == negative and negative:
            return False, "Positive and negative are swapped: same label makes a positive pair."
        for kind, pairs, expected in [("positive", answer[0], positive), ("negative", answer[1], negative)]:
            problem = _pair_problem(kind, pairs, expected)
            if problem:
                return False, f"For the labels {list(trial_labels)}: {problem}"
    positive, negative = _expected_pairs(texts, labels)
    return True, f"{len(positive)} positive and {len(negative)} negative pairs, each once, for the tiny set."


def _setfit_pair_count(class_sizes: list[int], num_iterations: int | None) -> int:
    """How many pairs setfit's own sampler makes for one epoch (its default strategy, "oversampling")."""
    from setfit.sampler import ContrastiveDataset

    labels = [label for label, size in enumerate(class_sizes) for _ in range(size)]
    texts = [f"sentence {i}" for i in range(len(labels))]
    return len(ContrastiveDataset(texts, labels, multilabel=False, num_iterations=num_iterations))


@exercise
def pair_count(count_fn: Any) -> Verdict:
    """A function giving the number of pairs setfit makes per epoch, with and without num_iterations."""
    if not callable(count_fn):
        return False, "pair_count must be a function of (class_sizes, num_iterations)."
    trials = [([16, 16], 20), ([4, 4], 5), ([3, 5, 2], 7), ([16, 16], None), ([2, 2], None), ([3, 5, 2], None)]
    for class_sizes, iterations in trials:
        expected = _setfit_pair_count(class_sizes, iterations)
        answer = count_fn(list(class_sizes), iterations)
        if is_unsolved(answer):
            return False, "Replace the ... : one formula with num_iterations, one without."
        if answer == expected:
            continue
        if iterations is not None and answer == expected // 2:
            return False, (f"For classes of {class_sizes} sentences and {iterations} iterations you gave "
                           f"{answer}: that counts the positive pairs only; setfit makes as many negative ones.")
        how = ("num_iterations pairs of each kind per sentence" if iterations is not None else
               "without num_iterations both kinds are oversampled to the larger count, and setfit also "
               "pairs each sentence with itself")
        return False, (f"For classes of {class_sizes} sentences and num_iterations={iterations} you gave "
                       f"{answer!r}; setfit makes {expected} pairs ({how}).")
    return True, "pair_count agrees with setfit's sampler for every setting tried."


def _top_probability(probabilities: Any) -> np.ndarray:
    return np.asarray(probabilities, dtype=float).max(axis=1)


@exercise
def least_confident(least_fn: Any, probabilities: Any) -> Verdict:
    """A function returning the sentence whose most likely class has the lowest probability.

    ``probabilities`` are the learner's model's, one row per sentence of the lesson's
    :data:`helpers.data.CONFIDENCE_REVIEWS`, the sentences the check passes with them.
    """
    from helpers.data import CONFIDENCE_REVIEWS

    if not callable(least_fn):
        return False, "least_confident must be a function of (sentences, probabilities)."
    sentences = list(CONFIDENCE_REVIEWS)
    try:
        rows = np.asarray(probabilities, dtype=float)
    except (TypeError, ValueError):
        rows = np.empty(0)
    if rows.ndim != 2 or len(rows) != len(sentences):
        return False, (f"probabilities must hold one row of class probabilities per sentence of new_sentences "
                       f"({len(sentences)} rows: model.predict_proba(new_sentences)); got {probabilities!r:.80}.")
    # The second trial has three classes; its least positive and least confident sentences differ.
    trials = [(sentences, rows),
              (["a", "b", "c"], np.array([[0.1, 0.2, 0.7], [0.35, 0.4, 0.25], [0.05, 0.9, 0.05]])),
              (["x", "y"], np.array([[0.45, 0.55], [0.97, 0.03]]))]
    for trial_sentences, trial_probabilities in trials:
        expected = trial_sentences[int(np.argmin(_top_probability(trial_probabilities)))]
        # copies: it cannot change the reference
        answer = least_fn(list(trial_sentences), np.array(trial_probabilities))
        if is_unsolved(answer):
            return False, "Replace the ... : the confidence of a prediction is its largest class probability."
        if answer == expected:
            continue
        shown = np.round(np.asarray(trial_probabilities, dtype=float), 3).tolist()
        return False, (f"For probabilities {shown} you chose {answer!r}; the least confident prediction is "
                       f"{expected!r}, the row whose largest probability is the smallest.")
    return True, f"least_confident finds the least sure prediction; here: {least_fn(sentences, rows)!r}."
