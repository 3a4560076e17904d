"""Lesson 06's yardsticks for a part-of-speech tagger: a most-frequent-tag baseline with unknown-word rules,
and accuracy on words seen and unseen in training, with 95 % bootstrap intervals over sentences.

- :func:`count_tags`: word -> how often it carried each tag in the training sentences.
- :func:`unknown_word_tag`: the classic guesses for a word never seen in training (digits, capitals, suffixes).
- :func:`most_frequent_tags`: each word's most frequent training tag, a guess for the others.
- :func:`seen_words`: which test words occur (as the same word form) in the training sentences.
- :func:`accuracy_table`: accuracy of several taggers on all words and on groups of them, with intervals
  from a bootstrap over sentences (:func:`sentence_bootstrap`);
  :func:`seen_unseen_table` with the groups seen and unseen; :func:`accuracy_where` one number.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from helpers.evaluation import Interval

Sentences = Sequence[Sequence[str]]

# (suffix, tag) in the order they are tried, after digits and capitals; the first that matches wins.
SUFFIX_RULES = (("ing", "VBG"), ("ed", "VBD"), ("ly", "RB"), ("s", "NNS"))


def count_tags(words: Sentences, tags: Sentences) -> dict[str, Counter]:
    """Word form -> Counter of the tags it carried, over sentences of words and their tag names."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for index, (sentence_words, sentence_tags) in enumerate(zip(words, tags)):
        if len(sentence_words) != len(sentence_tags):
            raise ValueError(f"Sentence {index} has {len(sentence_words)} words but {len(sentence_tags)} tags.")
        for word, tag in zip(sentence_words, sentence_tags):
            counts[word][tag] += 1
    return counts


def unknown_word_tag(word: str) -> str:
    """A tag for a word never seen in training, from its form alone.

    A digit anywhere -> ``CD`` (numbers, scores, dates); a capital first letter -> ``NNP``;
    then the suffixes of :data:`SUFFIX_RULES` (``-ing`` -> ``VBG``, ``-ed`` -> ``VBD``, ``-ly`` -> ``RB``,
    ``-s`` -> ``NNS``); anything else -> ``NN``, the commonest open-class tag.
    """
    if any(character.isdigit() for character in word):
        return "CD"
    if word[:1].isupper():
        return "NNP"
    lower = word.lower()
    for suffix, tag in SUFFIX_RULES:
        if lower.endswith(suffix) and len(lower) > len(suffix) + 1:
            return tag
    return "NN"


def most_frequent_tags(words: Sentences, counts: dict[str, Counter],
                       unknown: Callable[[str], str] = unknown_word_tag) -> list[list[str]]:
    """Each word's most frequent tag in ``counts``; ``unknown(word)`` for a word not in them."""
    favourite = {word: tags.most_common(1)[0][0] for word, tags in counts.items() if tags}
    return [[favourite[word] if word in favourite else unknown(word) for word in sentence] for sentence in words]


def seen_words(words: Sentences, counts: dict[str, Counter]) -> list[list[bool]]:
    """For each word of each sentence: whether the same word form occurs in the training counts."""
    return [[word in counts for word in sentence] for sentence in words]


def _flat(sentences: Sentences, what: str, lengths: list[int]) -> list:
    if [len(sentence) for sentence in sentences] != lengths:
        raise ValueError(f"{what} does not have one entry per word of every sentence, in the same order "
                         "as the true tags.")
    return [item for sentence in sentences for item in sentence]


def accuracy_where(true_tags: Sentences, pred_tags: Sentences, keep: Sequence[Sequence[bool]]) -> float:
    """Token accuracy over the words whose ``keep`` entry is True (all three: one list per sentence)."""
    lengths = [len(sentence) for sentence in true_tags]
    pairs = [(t, p) for t, p, k in zip(_flat(true_tags, "true_tags", lengths), _flat(pred_tags, "pred_tags", lengths),
                                      _flat(keep, "keep", lengths)) if k]
    if not pairs:
        raise ValueError("No words are kept: keep is False for every word.")
    return sum(t == p for t, p in pairs) / len(pairs)


def _counts(true_tags: Sentences, pred_tags: Sentences, keep: Sequence[Sequence[bool]]) -> np.ndarray:
    """Per sentence: the kept words tagged right, and the kept words (shape (sentences, 2))."""
    return np.array([[sum(t == p for t, p, k in zip(truth, prediction, kept) if k), sum(map(bool, kept))]
                     for truth, prediction, kept in zip(true_tags, pred_tags, keep)], dtype=np.int64).reshape(-1, 2)


def sentence_bootstrap(count_sets: Sequence[np.ndarray], combine: Callable[..., np.ndarray] = lambda a: a,
                       resamples: int = 1000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """``combine`` of accuracies (right / words, summed over sentences) with a bootstrap that resamples sentences.

    Each entry of ``count_sets`` holds (right, words) per sentence for one tagger, all on the same sentences;
    ``combine=np.subtract`` with two of them gives a paired difference. The sentence is the unit: the words of
    one sentence (a table of sports results, a list of names) are not independent of each other.
    """
    n = len(count_sets[0])
    if n < 2:
        raise ValueError(f"Received {n} sentence(s): a bootstrap needs at least 2 sentences.")
    if any(counts[:, 1].sum() == 0 for counts in count_sets):
        raise ValueError("No words to score: every sentence has 0 kept words.")
    resampled = np.random.default_rng(seed).integers(0, n, size=(resamples, n))

    def accuracy(sums: np.ndarray) -> np.ndarray:
        return np.divide(sums[..., 0], sums[..., 1], out=np.zeros(sums.shape[:-1]), where=sums[..., 1] > 0)

    value = combine(*[accuracy(counts.sum(axis=0)) for counts in count_sets])
    statistics = combine(*[accuracy(counts[resampled].sum(axis=1)) for counts in count_sets])
    tail = (1 - confidence) / 2
    low, high = np.quantile(statistics, [tail, 1 - tail])
    return Interval(float(value), float(low), float(high), confidence)


def accuracy_table(true_tags: Sentences, runs: dict[str, Sentences], groups: dict[str, Sequence[Sequence[bool]]],
                   difference: tuple[str, str] | None = None, resamples: int = 1000,
                   seed: int = 0) -> pd.DataFrame:
    """Accuracy of each run on all words and on each group of words, each with its 95 % bootstrap interval.

    ``runs`` maps a name to predicted tags (one list per sentence, like ``true_tags``); ``groups`` maps a
    name to one bool per word (e.g. seen in training or not). ``difference=(a, b)`` adds a row with
    accuracy(a) - accuracy(b) on the same resampled sentences (a paired bootstrap). The bootstrap
    resamples sentences (:func:`sentence_bootstrap`).
    """
    lengths = [len(sentence) for sentence in true_tags]
    for name, pred in runs.items():
        _flat(pred, f"the tags of {name!r}", lengths)
    masks = {"all words": [[True] * n for n in lengths], **groups}
    for group, mask in groups.items():
        _flat(mask, f"the group {group!r}", lengths)
    columns = {group: f"{group} ({sum(map(sum, mask)):,} words)" for group, mask in masks.items()}
    counts = {(name, group): _counts(true_tags, pred, mask) for name, pred in runs.items()
              for group, mask in masks.items()}

    def cell(count_sets: list[np.ndarray], combine: Callable[..., np.ndarray] = lambda a: a) -> str:
        if any(c[:, 1].sum() == 0 for c in count_sets):
            return "n/a"
        return str(sentence_bootstrap(count_sets, combine, resamples, seed=seed))

    table = {name: {columns[group]: cell([counts[name, group]]) for group in masks} for name in runs}
    if difference is not None:
        a, b = difference
        table[f"{a} − {b}"] = {columns[group]: cell([counts[a, group], counts[b, group]], np.subtract)
                               for group in masks}
    return pd.DataFrame.from_dict(table, orient="index").rename_axis("accuracy [95% interval]")


def seen_unseen_table(true_tags: Sentences, runs: dict[str, Sentences], seen: Sequence[Sequence[bool]],
                      difference: tuple[str, str] | None = None, resamples: int = 1000,
                      seed: int = 0) -> pd.DataFrame:
    """:func:`accuracy_table` with two groups: the words seen in training and the others."""
    unseen = [[not word for word in sentence] for sentence in seen]
    return accuracy_table(true_tags, runs, {"seen": seen, "unseen": unseen}, difference, resamples, seed)
